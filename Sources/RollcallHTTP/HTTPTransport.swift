// Rollcall's own HTTP/1.1 client: keep-alive connections owned by one event loop each, a request written as one
// flush, the answer collected whole. Every Graph, Autotask and ConnectWise request goes through it.

import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Why an HTTP exchange failed before a whole answer came back.
public struct HTTPFetchError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Kind: String, Sendable {
        /// The URL cannot be requested (not http/https, bad port, unescaped bytes).
        case invalidURL
        /// No connection could be made (refused, unreachable, name not found, connect timeout).
        case connectFailed
        /// The TLS handshake failed (certificate, protocol).
        case tlsFailed
        /// No whole answer came back within the request's timeout.
        case timedOut
        /// The server closed the connection, or it broke, before the answer was whole.
        case connectionClosed
        /// The answer's body was larger than the request allows.
        case bodyTooLarge
        /// The request cannot be written (a header holding a line break, a name that is not a token).
        case invalidRequest
        /// The answer is not HTTP/1.x as Rollcall reads it (a bad status line or framing, a compressed body that was
        /// not asked for).
        case malformedAnswer
    }

    /// What went wrong.
    public let kind: Kind
    /// A sentence for logs and operators: no headers, bodies or credentials.
    public let message: String

    /// An error of `kind` saying `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// True when no byte of the request can have reached the server, so even a create may be sent again.
    public var beforeSending: Bool {
        kind == .invalidURL || kind == .connectFailed || kind == .tlsFailed || kind == .invalidRequest
    }

    /// The message.
    public var description: String { message }
}

/// Rollcall's outgoing HTTP/1.1: on each of `HTTPLoop`'s threads, a pool of keep-alive connections per server that
/// only that thread touches. A request is written as one buffer (`RequestWriter`), and the answer is read whole, up
/// to a limit (`ResponseReader`). Answers are not asked for compressed. `https` verifies the server's certificate
/// against the system's trust roots.
public enum HTTPTransport {
    /// One pool per event loop of `HTTPLoop.group`.
    static let pools: [ConnectionPool] = HTTPLoop.group.makeIterator().map { ConnectionPool(loop: $0) }
    /// Each pool by its event loop.
    static let poolOfLoop: [ObjectIdentifier: ConnectionPool] = Dictionary(
        uniqueKeysWithValues: pools.map { (ObjectIdentifier($0.loop), $0) })

    /// The pool of the calling thread's loop; off the group's threads, always the same pool for one server, so that
    /// callers there share its connections.
    static func pool(for endpoint: HTTPEndpoint) -> ConnectionPool {
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop, let pool = poolOfLoop[ObjectIdentifier(loop)] {
            return pool
        }
        var hasher = Hasher()
        hasher.combine(endpoint)
        return pools[Int(UInt(bitPattern: hasher.finalize()) % UInt(pools.count))]
    }

    /// Sends one request and collects its whole answer within `timeout` (a body over `maxBody` bytes fails it);
    /// cancelling the calling task ends the exchange. Failures are `HTTPFetchError`s, or `CancellationError`.
    ///
    /// Called on one of `HTTPLoop`'s threads (a run prefers one), the exchange stays on that thread: its connection,
    /// its answer, and the task it resumes.
    public static func fetch(
        _ method: HTTPMethod, _ url: String, headers: HTTPHeaders, body: Data?, timeout: TimeAmount, maxBody: Int
    ) async throws -> HTTPAnswer {
        let own = MultiThreadedEventLoopGroup.currentEventLoop.flatMap { poolOfLoop[ObjectIdentifier($0)] }
        let target = try own?.target(url) ?? HTTPTarget(url)
        var fields = headers
        if !fields.contains(name: "Host") {
            fields.add(name: "Host", value: target.authority)
        }
        fields.remove(name: "Content-Length")
        fields.remove(name: "Transfer-Encoding")
        if let body {
            fields.add(name: "Content-Length", value: String(body.count))
        } else if method == .POST || method == .PUT || method == .PATCH {
            fields.add(name: "Content-Length", value: "0")
        }
        var request = ByteBuffer()
        request.reserveCapacity(256 + (body?.count ?? 0))
        try RequestWriter.write(
            method: method, target: target.requestTarget, headers: fields, body: body, into: &request)
        let pool = own ?? pool(for: target.endpoint)
        let loop = pool.loop
        let exchange = Exchange(
            endpoint: target.endpoint, request: request, headRequest: method == .HEAD, maxBody: maxBody,
            deadline: .now() + timeout, promise: loop.makePromise(of: HTTPAnswer.self))
        if loop.inEventLoop {
            pool.start(exchange)
        } else {
            loop.execute { pool.start(exchange) }
        }
        return try await withTaskCancellationHandler {
            try await exchange.promise.futureResult.get()
        } onCancel: {
            loop.execute { exchange.fail(CancellationError()) }
        }
    }
}

/// One request and its answer as it arrives. Its mutable state is only touched on its pool's event loop.
final class Exchange: @unchecked Sendable {
    let endpoint: HTTPEndpoint
    /// The request's bytes, head and body.
    let request: ByteBuffer
    let headRequest: Bool
    let maxBody: Int
    let deadline: NIODeadline
    let promise: EventLoopPromise<HTTPAnswer>
    private var finished = false
    private var timeout: Scheduled<Void>?
    /// The connection carrying the exchange, once it has one.
    var connection: ConnectionHandler?

    init(
        endpoint: HTTPEndpoint, request: ByteBuffer, headRequest: Bool, maxBody: Int, deadline: NIODeadline,
        promise: EventLoopPromise<HTTPAnswer>
    ) {
        self.endpoint = endpoint
        self.request = request
        self.headRequest = headRequest
        self.maxBody = maxBody
        self.deadline = deadline
        self.promise = promise
    }

    /// True once the exchange succeeded or failed.
    var isFinished: Bool { finished }

    /// Arms the deadline: when it passes first, the exchange fails and its connection is closed.
    func armTimeout(on loop: any EventLoop) {
        timeout = loop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            fail(HTTPFetchError(.timedOut, "no whole answer from \(endpoint.host):\(endpoint.port) in time"))
        }
    }

    /// Completes with the answer `reader` read.
    func succeed(_ reader: ResponseReader) {
        guard !finished else { return }
        finished = true
        timeout?.cancel()
        connection = nil
        promise.succeed(HTTPAnswer(status: reader.status, headers: reader.headers, body: Data(reader.body.readableBytesView)))
    }

    /// Fails with `error`; a connection still carrying the exchange is closed, as its answer is cut short.
    func fail(_ error: any Error) {
        guard !finished else { return }
        finished = true
        timeout?.cancel()
        let connection = connection
        self.connection = nil
        connection?.abandon(self)
        promise.fail(error)
    }
}

/// The idle keep-alive connections of one event loop, per server. Only touched on `loop`.
final class ConnectionPool: @unchecked Sendable {
    /// The loop every connection of the pool lives on.
    let loop: any EventLoop
    private var idle: [HTTPEndpoint: [ConnectionHandler]] = [:]
    /// Idle connections kept per server; more are closed.
    private static let keptPerEndpoint = 8
    /// A connection idle longer than this is closed rather than reused: servers drop idle connections too, many
    /// after five seconds (Node's and uvicorn's defaults), and a request sent as one closes it is lost.
    private static let idleLimit = TimeAmount.seconds(4)

    /// The URL read last on this loop: a run's writes all go to one URL.
    private var lastTarget: (url: String, target: HTTPTarget)?

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// `url` read as a target, from the last one read on this loop when it is the same URL. Call on `loop` only.
    func target(_ url: String) throws(HTTPFetchError) -> HTTPTarget {
        if let last = lastTarget, last.url == url { return last.target }
        let target = try HTTPTarget(url)
        lastTarget = (url, target)
        return target
    }

    /// Sends `exchange` on an idle connection to its server, or on a new one.
    func start(_ exchange: Exchange) {
        guard !exchange.isFinished else { return }
        exchange.armTimeout(on: loop)
        if let connection = takeIdle(exchange.endpoint) {
            connection.send(exchange)
            return
        }
        connect(exchange.endpoint, within: exchange.deadline).assumeIsolatedUnsafeUnchecked().whenComplete { result in
            switch result {
            case .success(let connection):
                if exchange.isFinished {
                    self.release(connection)
                } else {
                    connection.send(exchange)
                }
            case .failure(let error):
                exchange.fail(Self.connectError(error, exchange.endpoint))
            }
        }
    }

    /// Takes back a connection whose exchange is complete, to be reused.
    func release(_ connection: ConnectionHandler) {
        guard connection.isActive else { return }
        var list = idle[connection.endpoint, default: []]
        guard list.count < Self.keptPerEndpoint else {
            connection.close()
            return
        }
        connection.idleSince = .now()
        list.append(connection)
        idle[connection.endpoint] = list
    }

    /// Forgets a connection that closed.
    func forget(_ connection: ConnectionHandler) {
        guard var list = idle[connection.endpoint], let index = list.firstIndex(where: { $0 === connection }) else { return }
        list.remove(at: index)
        idle[connection.endpoint] = list
    }

    private func takeIdle(_ endpoint: HTTPEndpoint) -> ConnectionHandler? {
        guard var list = idle[endpoint], !list.isEmpty else { return nil }
        let oldest = NIODeadline.now() - Self.idleLimit
        var found: ConnectionHandler?
        while let last = list.popLast() {
            if last.isActive && last.idleSince > oldest {
                found = last
                break
            }
            last.close()
        }
        idle[endpoint] = list
        return found
    }

    private func connect(_ endpoint: HTTPEndpoint, within deadline: NIODeadline) -> EventLoopFuture<ConnectionHandler> {
        let tls: NIOSSLContext?
        if endpoint.secure {
            do {
                tls = try TLS.context(for: endpoint)
            } catch {
                return loop.makeFailedFuture(error)
            }
        } else {
            tls = nil
        }
        let remaining = max(deadline - .now(), .milliseconds(1))
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(remaining)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        let name = TLS.isAddress(endpoint.host) ? nil : endpoint.host
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try pipeline.addHandler(ConnectionHandler(endpoint: endpoint, pool: self))
                }
            }
        return bootstrap.connect(host: endpoint.host, port: endpoint.port).flatMapThrowing { channel in
            try channel.pipeline.syncOperations.handler(type: ConnectionHandler.self)
        }
    }

    private static func connectError(_ error: any Error, _ endpoint: HTTPEndpoint) -> any Error {
        if let error = error as? HTTPFetchError { return error }
        if error is NIOSSLError {
            return HTTPFetchError(.tlsFailed, "TLS with \(endpoint.host):\(endpoint.port) failed: \(error)")
        }
        return HTTPFetchError(.connectFailed, "could not connect to \(endpoint.host):\(endpoint.port): \(brief(error))")
    }

    /// A short, credential-free description of a network error.
    static func brief(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return brief(first.error) }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "name not found (\(dns))" }
            return "no address to connect to"
        }
        if let error = error as? IOError { return error.description }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connect timed out" }
        return String(String(describing: error).prefix(160))
    }
}

/// The TLS configuration every `https` connection shares: the system's trust roots and full verification.
enum TLS {
    static let context: Result<NIOSSLContext, any Error> = Result {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// Servers trusted by a certificate of their own instead of the system's roots (tests' local servers only).
    private static let trusted = Mutex<[HTTPEndpoint: NIOSSLContext]>([:])

    /// The context for a connection to `endpoint`.
    static func context(for endpoint: HTTPEndpoint) throws -> NIOSSLContext {
        if let own = trusted.withLock({ $0[endpoint] }) { return own }
        return try context.get()
    }

    /// Trusts `certificate` (and nothing else) for connections to `endpoint`, still verifying the chain and name.
    static func trust(_ certificate: NIOSSLCertificate, for endpoint: HTTPEndpoint) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([certificate])
        let context = try NIOSSLContext(configuration: configuration)
        trusted.withLock { $0[endpoint] = context }
    }

    /// True for an IPv4 or IPv6 literal, which must not be sent as the TLS server name.
    static func isAddress(_ host: String) -> Bool {
        host.contains(":") || host.utf8.allSatisfy { $0 == UInt8(ascii: ".") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }
}

/// The last handler of a connection's pipeline: writes an exchange's request and reads its answer.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let endpoint: HTTPEndpoint
    private unowned let pool: ConnectionPool
    private var context: ChannelHandlerContext?
    private var current: Exchange?
    private var reader: ResponseReader?
    /// When the connection last became idle.
    var idleSince = NIODeadline.now()

    init(endpoint: HTTPEndpoint, pool: ConnectionPool) {
        self.endpoint = endpoint
        self.pool = pool
    }

    /// True while the connection is open.
    var isActive: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Writes `exchange`'s request in one flush.
    func send(_ exchange: Exchange) {
        guard let context else {
            exchange.fail(HTTPFetchError(.connectionClosed, "the connection to \(place) closed before the request was sent"))
            return
        }
        current = exchange
        reader = ResponseReader(maxBody: exchange.maxBody, headRequest: exchange.headRequest)
        exchange.connection = self
        context.writeAndFlush(wrapOutboundOut(exchange.request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard let exchange = current, var reader else {
            // Nothing was asked: a server talking out of turn cannot be trusted with the next request.
            context.close(promise: nil)
            return
        }
        let whole: Bool
        do {
            whole = try reader.read(&bytes)
        } catch {
            exchange.fail(HTTPFetchError(error.kind, "\(error.message) (from \(place))"))  // which abandons this connection
            return
        }
        self.reader = reader
        guard whole else { return }
        finish(exchange, reader, keep: reader.keepsAlive)
    }

    private func finish(_ exchange: Exchange, _ reader: ResponseReader, keep: Bool) {
        current = nil
        self.reader = nil
        if keep {
            pool.release(self)
        } else {
            context?.close(promise: nil)
        }
        exchange.succeed(reader)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pool.forget(self)
        if let exchange = current {
            if var reader, reader.closed() {
                finish(exchange, reader, keep: false)
            } else {
                exchange.fail(HTTPFetchError(.connectionClosed, "the connection to \(place) closed before the whole answer came"))
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let exchange = current {
            if let tls = error as? NIOSSLError, case .handshakeFailed = tls {
                exchange.fail(HTTPFetchError(.tlsFailed, "TLS with \(place) failed: \(tls)"))
            } else {
                exchange.fail(HTTPFetchError(.connectionClosed, "the connection to \(place) broke: \(ConnectionPool.brief(error))"))
            }
        }
        context.close(promise: nil)
    }

    /// Drops `exchange` (failed or cancelled: `Exchange.fail` calls this) and closes the connection, whose answer
    /// would arrive cut short.
    func abandon(_ exchange: Exchange) {
        guard current === exchange else { return }
        current = nil
        reader = nil
        close()
    }

    /// Closes the connection.
    func close() {
        context?.close(promise: nil)
    }

    private var place: String { "\(endpoint.host):\(endpoint.port)" }
}
