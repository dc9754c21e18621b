// Starting an emulator's router on a loopback port, in-process, and stopping it again.
// Concurrency (the module's one style): each emulator's data is in an actor (its store); servers are Hummingbird's.

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A running emulator: its base URL, and a way to stop it.
public final class EmulatorHost: Sendable {
    /// `http://127.0.0.1:PORT` of the running server.
    public let baseURL: String
    /// The port it listens on.
    public let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(baseURL: String, port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.baseURL = baseURL
        self.port = port
        self.task = task
        self.group = group
    }

    /// Starts a router on `host:port` (port 0 picks a free one) and returns once it accepts connections.
    public static func start(
        router: Router<EmulatorContext>, name: String, host: String = "127.0.0.1", port: Int = 0,
        logger: Logger? = nil
    ) async throws -> EmulatorHost {
        var log = logger ?? Logger(label: "rollcall.emulator.\(name)")
        if logger == nil { log.logLevel = .warning }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: name),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: log
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: log))
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            task.cancel()
            throw EmulatorError("the \(name) emulator could not listen on \(host):\(port)")
        }
        return EmulatorHost(baseURL: "http://\(host):\(bound)", port: bound, task: task, group: group)
    }

    /// Stops the server gracefully (open connections are closed) and waits until it has.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// An emulator that could not start or could not load its fixture.
public struct EmulatorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// Makes an error with a message.
    public init(_ description: String) { self.description = description }
}
