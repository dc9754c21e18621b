// A clock that moves only when told: tests and benchmarks give it to the budget, the scheduler and the emulators, so
// windows and daily slots pass without waiting.

import Foundation
import Synchronization

/// A clock moved by hand; `now` reads and sets it, `advance` moves it on.
public final class ManualClock: Sendable {
    private let value: Mutex<Date>

    /// A clock standing at `start`.
    public init(_ start: Date = Date()) { value = Mutex(start) }

    /// The clock's time; setting it moves the clock there.
    public var now: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }

    /// Moves the clock on by `seconds`.
    public func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
