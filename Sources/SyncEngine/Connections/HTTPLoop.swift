// One thread for a run's HTTP and the code around it: answers resume their task where NIO read them.

import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Rollcall's outgoing HTTP: one event-loop thread per core, one client on them, and task executors that run a
/// company's run on one of those threads, where its requests' connections live too: a run's thousands of PSA writes
/// then never hand an answer from one thread to another, and runs of different companies still use every core.
public enum HTTPLoop {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

    /// An executor on the next of the group's threads (round robin), for one run to prefer.
    public static func executor() -> EventLoopExecutor {
        EventLoopExecutor(group.next())
    }

    /// The HTTP client every live connection uses (browser-like defaults, as `HTTPClient.shared`); lives as long as
    /// the process.
    public static let client = HTTPClient(eventLoopGroup: group, configuration: .singletonConfiguration)
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
