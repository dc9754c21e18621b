// One thread for a run's HTTP and the code around it: answers resume their task where NIO read them.

import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Rollcall's outgoing HTTP: one event-loop thread, one client on it, and a task executor that runs Swift tasks on
/// that same thread, so a run's thousands of PSA writes don't hand every answer from NIO's thread to Swift's pool.
public enum HTTPLoop {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Runs tasks on the loop's thread; runs prefer it (`withTaskExecutorPreference`).
    public static let executor = EventLoopExecutor(group.next())

    /// The HTTP client every live connection uses (browser-like defaults, as `HTTPClient.shared`); lives as long as
    /// the process.
    public static let client = HTTPClient(
        eventLoopGroup: group, configuration: .singletonConfiguration)
}

/// A task executor on one NIO event loop: jobs run on the loop's thread, in the order they were enqueued.
public final class EventLoopExecutor: TaskExecutor {
    private let loop: any EventLoop

    /// An executor running its jobs on `loop`.
    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { [self] in
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
