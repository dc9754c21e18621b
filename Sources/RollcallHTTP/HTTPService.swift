// Rollcall's outgoing HTTP on AsyncHTTPClient: HTTP/1.1 with pooled keep-alive on the run's event loop, redirects
// off, compressed answers inflated within a ratio limit, TLS 1.2 or later against the system's trust roots, and an
// optional proxy (settings or HTTPS_PROXY). Plain http reaches loopback hosts only.
// Concurrency (the module's one style): AsyncHTTPClient owns the connections on its event loops; what Rollcall
// shares across requests (the last origin read, services by proxy, the request counter) is behind a `Mutex`.

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// An HTTP proxy that requests to the outside go through (CONNECT for https).
public struct HTTPProxy: Sendable, Hashable, CustomStringConvertible {
    /// The proxy's host.
    public var host: String
    /// The proxy's port.
    public var port: Int
    /// The user and password for the proxy's Basic authentication, when its URL carried them.
    var user: String?
    var password: String?
    /// Hosts reached without the proxy (each also with its subdomains); loopback hosts always are.
    public var bypass: [String]

    /// Reads a proxy URL as `HTTPS_PROXY` holds it (`http://[user:password@]host:port`), with the hosts of a
    /// `NO_PROXY`-style list (comma-separated) reached directly. Throws when the URL cannot be used.
    public init(url: String, bypass: String? = nil) throws(HTTPFetchError) {
        let text = url.contains("://") ? url : "http://" + url
        guard let parts = URLComponents(string: text), let host = parts.host, !host.isEmpty,
              parts.scheme?.lowercased() == "http" else {
            throw HTTPFetchError(.invalidURL, "the proxy \(Self.redacted(url)) cannot be used: write it as http://host:port")
        }
        self.host = host
        self.port = parts.port ?? 80
        self.user = parts.user
        self.password = parts.user.map { _ in parts.password ?? "" }
        self.bypass = (bypass ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }.filter { !$0.isEmpty }
    }

    /// The proxy `HTTPS_PROXY` (or `https_proxy`) names, with `NO_PROXY`'s exceptions; nil when none is set.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HTTPFetchError) -> HTTPProxy? {
        guard let url = environment["HTTPS_PROXY"] ?? environment["https_proxy"], !url.isEmpty else { return nil }
        return try HTTPProxy(url: url, bypass: environment["NO_PROXY"] ?? environment["no_proxy"])
    }

    /// True when requests to `host` go straight to it.
    func bypasses(_ host: String) -> Bool {
        let host = host.lowercased()
        if HTTPOrigin.isLoopback(host) { return true }
        return bypass.contains { $0 == "*" || host == $0 || host.hasSuffix("." + $0) }
    }

    /// `host:port`, without credentials.
    public var description: String { "\(host):\(port)" }

    var asyncHTTPClientProxy: HTTPClient.Configuration.Proxy {
        let authorization = user.map { HTTPClient.Authorization.basic(username: $0, password: password ?? "") }
        return .server(host: host, port: port, authorization: authorization)
    }

    private static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "…"
        return parts.string ?? "(unreadable)"
    }
}

/// Sends Rollcall's HTTP requests: one AsyncHTTPClient for direct connections and, with a proxy, one through it.
///
/// Called on one of `HTTPLoop`'s threads (a run prefers one), a request prefers a connection on that thread's loop,
/// so a run's thousands of PSA writes keep their answers on the run's thread.
public final class HTTPService: Sendable {
    private let direct: HTTPClient
    private let proxied: HTTPClient?
    private let proxy: HTTPProxy?
    /// The origin of the URL fetched last: a run's thousands of writes all go to one URL.
    private let lastOrigin = Mutex<(url: String, origin: HTTPOrigin)?>(nil)

    /// The service every client uses unless told otherwise: system trust roots, the proxy of `HTTPS_PROXY` if set.
    public static let shared: HTTPService = HTTPService(proxy: (try? HTTPProxy.fromEnvironment()) ?? nil)

    private static let byProxy = Mutex<[HTTPProxy: HTTPService]>([:])

    /// The service for `proxy` (nil: `shared`), made once per process and kept, so runs share its connections.
    public static func using(proxy: HTTPProxy?) -> HTTPService {
        guard let proxy else { return shared }
        return byProxy.withLock { services in
            if let known = services[proxy] { return known }
            let made = HTTPService(proxy: proxy)
            services[proxy] = made
            return made
        }
    }

    /// A service with its own connections, trusting `trustRoots` instead of the system's when given (tests' local
    /// TLS servers); call `shutdown()` when done with it.
    public convenience init(proxy: HTTPProxy? = nil, trustRoots: [NIOSSLCertificate]? = nil) {
        self.init(proxy: proxy, trustRoots: trustRoots, idleLimit: Self.idleLimit, readTimeout: Self.readTimeout)
    }

    /// A service whose idle connections are kept for `idleLimit` (tests on a loaded machine keep them longer) and
    /// whose answers may pause at most `readTimeout` between two reads, if set.
    init(proxy: HTTPProxy?, trustRoots: [NIOSSLCertificate]?, idleLimit: TimeAmount, readTimeout: TimeAmount?) {
        self.proxy = proxy
        direct = HTTPClient(
            eventLoopGroup: HTTPLoop.group,
            configuration: Self.configuration(proxy: nil, trustRoots: trustRoots, idleLimit: idleLimit, readTimeout: readTimeout))
        proxied = proxy.map {
            HTTPClient(
                eventLoopGroup: HTTPLoop.group,
                configuration: Self.configuration(proxy: $0, trustRoots: trustRoots, idleLimit: idleLimit, readTimeout: readTimeout))
        }
    }

    /// Closes the service's connections; it sends nothing afterwards.
    public func shutdown() async throws {
        try await direct.shutdown()
        try await proxied?.shutdown()
    }

    /// How long a connection may take to open; a refused one fails at once.
    static let connectTimeout = TimeAmount.seconds(5)
    /// A connection idle longer than this is closed rather than reused: servers drop idle connections too, many after
    /// five seconds (Node's and uvicorn's defaults), and a request sent as one closes it is lost.
    static let idleLimit = TimeAmount.seconds(4)
    /// The longest pause between two reads of an answer, when a service sets one (tests); the request's deadline
    /// already bounds the whole answer, body included, so Rollcall's own service sets none.
    static let readTimeout: TimeAmount? = nil
    /// A compressed answer may inflate to at most this many times its size.
    static let inflationRatio = 50

    private static func configuration(
        proxy: HTTPProxy?, trustRoots: [NIOSSLCertificate]?, idleLimit: TimeAmount, readTimeout: TimeAmount?
    ) -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let trustRoots { tls.trustRoots = .certificates(trustRoots) }
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: idleLimit, concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        // A refused connection fails the request now, with its cause, instead of being retried until the deadline:
        // retrying is the request policy's decision (`HTTPRequester`), and a wrong URL should say so in seconds.
        pool.retryConnectionEstablishment = false
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: connectTimeout, read: readTimeout), connectionPool: pool,
            proxy: proxy?.asyncHTTPClientProxy, decompression: .enabled(limit: .ratio(inflationRatio)))
        configuration.httpVersion = .http1Only
        return configuration
    }

    /// The loops of `HTTPLoop.group`, which AsyncHTTPClient may be pinned to.
    private static let loops: Set<ObjectIdentifier> = Set(HTTPLoop.group.makeIterator().map { ObjectIdentifier($0) })

    /// On one of `HTTPLoop.group`'s loops (a run's), that loop for the channel and the answer; elsewhere, any loop.
    private static func preference(for current: (any EventLoop)?) -> HTTPClient.EventLoopPreference {
        if let current, loops.contains(ObjectIdentifier(current)) { return .delegate(on: current) }
        return .indifferent
    }

    /// `url`'s origin, read once per distinct URL in a row.
    private func origin(of url: String) -> HTTPOrigin? {
        if let last = lastOrigin.withLock({ $0 }), last.url == url { return last.origin }
        guard let origin = HTTPOrigin(url) else { return nil }
        lastOrigin.withLock { $0 = (url, origin) }
        return origin
    }

    /// Sends one request and collects its whole answer within `timeout` (a body over `maxBody` bytes fails it);
    /// cancelling the calling task ends the exchange. Failures are `HTTPFetchError`s naming the server, or
    /// `CancellationError`. Plain http is refused before sending unless the host is loopback.
    public func fetch(
        _ method: HTTPMethod, _ url: String, headers: HTTPHeaders, body: Data?, timeout: Duration, maxBody: Int
    ) async throws -> HTTPAnswer {
        guard let origin = origin(of: url) else {
            throw HTTPFetchError(.invalidURL, "the URL \(url.prefix(200)) cannot be requested: it is not an absolute http or https URL")
        }
        guard origin.scheme == "https" || origin.isLoopback else {
            throw HTTPFetchError(
                .invalidURL,
                "Rollcall refuses plain http to \(origin.server): credentials would cross the network unencrypted; use https")
        }
        let client = proxy.map { $0.bypasses(origin.host) } == false ? proxied ?? direct : direct
        // AsyncHTTPClient's future-based API, pinned to the calling run's event loop: its async API spawns a task per
        // request (a hop through the global executor and back, two thread switches each time), and its deadline
        // would end with the head. Here the deadline covers the whole answer, and the exchange stays on the loop.
        let preference = Self.preference(for: MultiThreadedEventLoopGroup.currentEventLoop)
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .data($0) })
            let exchange = client.execute(
                request: request, delegate: ResponseAccumulator(request: request, maxBodySize: maxBody),
                eventLoop: preference, deadline: deadline)
            let response = try await withTaskCancellationHandler {
                try await exchange.futureResult.get()
            } onCancel: {
                exchange.cancel()
            }
            return HTTPAnswer(
                status: Int(response.status.code), headers: response.headers,
                body: response.body.map { Data(buffer: $0) } ?? Data())
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw HTTPFetchError.classify(error, server: origin.server)
        }
    }
}
