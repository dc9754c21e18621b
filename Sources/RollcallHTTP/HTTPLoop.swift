// One thread for a run's HTTP and the code around it: answers resume their task where NIO read them.

import NIOCore
import NIOPosix

/// Rollcall's outgoing HTTP: one event-loop thread per core, and task executors that run a company's run on one of
/// them. A request made from such a thread goes through connections that all live on that thread (`HTTPTransport`),
/// so a run's thousands of PSA writes never hand an answer from one thread to another, and runs of different
/// companies still use every core.
public enum HTTPLoop {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

    /// An executor on the next of the group's threads (round robin), for one run to prefer.
    public static func executor() -> EventLoopExecutor {
        EventLoopExecutor(group.next())
    }
}

/// A task executor on one NIO event loop: jobs run on the loop's thread, in the order they were enqueued.
public final class EventLoopExecutor: TaskExecutor {
    private let loop: any EventLoop

    /// An executor running its jobs on `loop`.
    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    /// Runs `job` on the loop's thread, after what is already queued there.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { [self] in
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
