// An optional cap on Rollcall's ConnectWise requests a minute (`psa.connectwise.requestsPerMinute`): a request past
// the cap waits for the oldest of the minute to age out. ConnectWise's own 429s are honoured either way.

import Foundation
import RollcallHTTP
import Synchronization

/// Spaces requests so that at most `perMinute` go out in any rolling `window` (a minute). A lock, not an actor: the
/// check is a few instructions on every request.
public final class RequestPacer: Sendable {
    /// The cap, or `nil` for none.
    public let perMinute: Int?
    private let window: TimeInterval
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (TimeInterval) async throws -> Void
    private let sent = Mutex<[Date]>([])

    /// Makes a pacer; `now` and `sleep` are injectable so tests need not wait a minute.
    public init(
        perMinute: Int?, window: TimeInterval = 60, now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) {
        self.perMinute = perMinute.flatMap { $0 > 0 ? $0 : nil }
        self.window = window
        self.now = now
        self.sleep = sleep
    }

    /// Waits, if the cap is reached, until a request may go; then counts it.
    public func admit() async throws {
        guard let perMinute else { return }
        while true {
            let time = now()
            let wait: TimeInterval? = sent.withLock { sent in
                sent.dropThrough(time.addingTimeInterval(-window))
                guard sent.count >= perMinute, let oldest = sent.first else {
                    sent.append(time)
                    return nil
                }
                return max(0.001, oldest.addingTimeInterval(window).timeIntervalSince(time))
            }
            guard let wait else { return }
            try await sleep(wait)
        }
    }
}
