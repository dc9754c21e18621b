// A loopback TCP server that answers each HTTP request with bytes a test chose, and records what it was sent.

import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// What the server does with one request.
enum Reply: Sendable {
    /// Writes these bytes as the answer; closes the connection afterwards when `close` is set.
    case bytes(String, close: Bool = false)
    /// Writes these bytes as the answer and keeps the connection.
    case raw([UInt8])
    /// Writes the first part of an answer, then closes.
    case cutOff(String)
    /// Closes the connection without answering.
    case close
    /// Never answers.
    case hang
}

/// One request as the server read it.
struct SeenRequest: Sendable {
    /// The request's head and body as sent.
    var text: String
    /// Which connection carried it, counting from 0 in the order they were accepted.
    var connection: Int
}

/// What the server has seen, shared by its connections.
private final class Record: Sendable {
    let state = Mutex<(requests: [SeenRequest], connections: Int)>(([], 0))
}

/// A scripted HTTP/1.1 server on 127.0.0.1.
final class ScriptedServer: Sendable {
    private let channel: any Channel
    private let record = Record()
    /// The port it listens on.
    let port: Int

    /// Starts a server answering the n-th request (from 0) with `script(n, request)`; with `raw`, any bytes at all are
    /// answered with `raw` and the connection closed (for clients that do not speak HTTP in clear, as TLS).
    init(
        raw: String? = nil, tls: NIOSSLContext? = nil, script: @escaping @Sendable (Int, SeenRequest) -> Reply = { _, _ in .hang }
    ) async throws {
        let record = record
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                let index = record.state.withLock { value in
                    defer { value.connections += 1 }
                    return value.connections
                }
                return child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try child.pipeline.syncOperations.addHandler(
                        ConnectionScript(connection: index, raw: raw, record: record, script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    /// `http://127.0.0.1:port` followed by `path`.
    func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The requests read so far.
    var requests: [SeenRequest] { record.state.withLock { $0.requests } }
    /// The connections accepted so far.
    var connections: Int { record.state.withLock { $0.connections } }

    /// Stops listening.
    func stop() async throws {
        try await channel.close()
    }
}

private final class ConnectionScript: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let connection: Int
    private let raw: String?
    private let record: Record
    private let script: @Sendable (Int, SeenRequest) -> Reply
    private var buffer = ByteBuffer()

    init(
        connection: Int, raw: String?, record: Record,
        script: @escaping @Sendable (Int, SeenRequest) -> Reply
    ) {
        self.connection = connection
        self.raw = raw
        self.record = record
        self.script = script
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var part = unwrapInboundIn(data)
        // Closing after a write completes runs on the channel's own event loop; the bound context says so.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        if let raw {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: raw))).whenComplete { _ in bound.value.close(promise: nil) }
            return
        }
        buffer.writeBuffer(&part)
        while let request = takeRequest() {
            let seen = SeenRequest(text: request, connection: connection)
            let index = record.state.withLock { value in
                value.requests.append(seen)
                return value.requests.count - 1
            }
            switch script(index, seen) {
            case .bytes(let text, let close):
                let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)))
                if close { written.whenComplete { _ in bound.value.close(promise: nil) } }
            case .raw(let bytes):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            case .cutOff(let text):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { _ in bound.value.close(promise: nil) }
            case .close:
                context.close(promise: nil)
            case .hang:
                break
            }
        }
    }

    /// A whole request (head and `Content-Length` body) from the front of the buffer, if one has arrived.
    private func takeRequest() -> String? {
        let text = String(buffer: buffer)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.upperBound]
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let headBytes = head.utf8.count
        guard buffer.readableBytes >= headBytes + length else { return nil }
        let whole = buffer.readString(length: headBytes + length)!
        buffer.discardReadBytes()
        return whole
    }
}
