// One thread for a run's HTTP and the code around it: answers resume their task where NIO read them.

import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Rollcall's outgoing HTTP: one event-loop thread per core, and task executors that run a company's run on one of
/// them. A request made from such a thread goes through a client whose connections all live on that thread, so a
/// run's thousands of PSA writes never hand an answer from one thread to another, and runs of different companies
/// still use every core.
public enum HTTPLoop {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

    /// One client per thread of `group`, keyed by its event loop (an event loop is a group of one).
    static let clients: [ObjectIdentifier: HTTPClient] = Dictionary(uniqueKeysWithValues: group.makeIterator().map { loop in
        (ObjectIdentifier(loop), HTTPClient(eventLoopGroup: loop, configuration: .singletonConfiguration))
    })

    /// An executor on the next of the group's threads (round robin), for one run to prefer.
    public static func executor() -> EventLoopExecutor {
        EventLoopExecutor(group.next())
    }

    /// The HTTP client every live connection is given (browser-like defaults, as `HTTPClient.shared`); `fetch` sends
    /// through the client of the thread it is called on when that is one of `group`'s. Lives as long as the process.
    public static let client = HTTPClient(eventLoopGroup: group, configuration: .singletonConfiguration)

    /// The client to send through from here: this thread's own, or `client` off the group's threads.
    static func client(for requested: HTTPClient) -> HTTPClient {
        guard requested === client, let loop = MultiThreadedEventLoopGroup.currentEventLoop,
              let own = clients[ObjectIdentifier(loop)] else { return requested }
        return own
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
