// The Autotask database's hourly request budget (10,000 an hour, shared by every integration), as one run spends it.

import ContactSync
import Foundation
import RollcallHTTP
import Synchronization

/// What `ThresholdInformation` said when the budget read it.
public struct AutotaskThreshold: Sendable, Hashable {
    /// Requests the database allows per timeframe (`externalRequestThreshold`).
    public var limit: Int
    /// The timeframe in minutes (`requestThresholdTimeframe`).
    public var timeframeMinutes: Int
    /// Requests already made in the current timeframe by every integration (`currentTimeframeRequestCount`).
    public var used: Int
    /// The server that reported it (`host:port`), for messages.
    public var server: String?

    /// Makes a threshold reading.
    public init(limit: Int, timeframeMinutes: Int, used: Int, server: String? = nil) {
        self.limit = limit
        self.timeframeMinutes = timeframeMinutes
        self.used = used
        self.server = server
    }
}

/// R11.6: Rollcall's share of the Autotask database's hourly budget. Every request Rollcall sends is counted in a
/// rolling window of the threshold's timeframe (an hour), across runs and companies of this process; the database's
/// total is read from `ThresholdInformation` once a run. A request is refused before sending when Rollcall's own
/// count would pass `share`% of the threshold, or the database's total would reach `ceiling`%, where Autotask starts
/// slowing every integration down; the refusal says when to go on, and the run pauses.
///
/// A lock rather than an actor: every request takes one request from the budget, and an actor hop each time (two
/// thread switches per request) cost more than the counting.
public final class AutotaskBudget: Sendable {
    /// The most of each threshold Rollcall uses, in percent (1…100).
    public let share: Int
    /// The database total, in percent of the threshold, at which Rollcall adds no request (1…100).
    public let ceiling: Int
    private let now: @Sendable () -> Date

    /// The threshold assumed until `ThresholdInformation` has been read (Autotask's documented 10,000 an hour).
    public static let assumedThreshold = AutotaskThreshold(limit: 10_000, timeframeMinutes: 60, used: 0)

    private struct State {
        var threshold: AutotaskThreshold?
        var readAt: Date?
        var spentSinceRead = 0
        var needsReading = true
        /// True while one request reads `ThresholdInformation`; the others wait in `waiters`.
        var reading = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// When each of Rollcall's own requests in the current rolling window was sent, oldest first.
        var own: [Date] = []
        /// The foreground lane's requests among them (R11.7), oldest first.
        var foreground: [Date] = []
    }

    private let state = Mutex(State())

    /// Makes a budget of `share`% with a `ceiling`% (both clamped to 1…100); `now` is injectable so tests control
    /// the window and "resume after".
    public init(share: Int = 30, ceiling: Int = 50, now: @escaping @Sendable () -> Date = { Date() }) {
        self.share = Swift.min(100, Swift.max(1, share))
        self.ceiling = Swift.min(100, Swift.max(1, ceiling))
        self.now = now
    }

    /// Starts a run: the next request reads `ThresholdInformation` again (once), and the run's count starts at zero.
    public func beginRun() async {
        state.withLock { $0.needsReading = true }
    }

    /// Reads the threshold with `fetch` if this run has not yet; concurrent callers wait for the same reading, which
    /// is recorded before any of them goes on. The reading is made by the first caller's own task, so it goes out on
    /// that run's thread and connections like every other request. `fetch` answers `nil` when the threshold could not
    /// be read (the run then goes on without a limit), or an error that must stop the run (refused credentials).
    private func ensureRead(_ fetch: @escaping @Sendable () async -> Result<AutotaskThreshold?, PSAError>) async throws(PSAError) {
        let reads: Bool? = state.withLock { state in
            if state.reading { return false }
            guard state.needsReading else { return nil }
            state.needsReading = false
            state.reading = true
            return true
        }
        switch reads {
        case nil:
            return
        case false?:
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let finished = state.withLock { state in
                    if state.reading { state.waiters.append(waiter) }
                    return !state.reading
                }
                if finished { waiter.resume() }
            }
            // A failed reading left `needsReading` set: this request reads again (and so learns the error).
            try await ensureRead(fetch)
        case true?:
            let result = await fetch()
            let waiters = state.withLock { state in
                state.reading = false
                state.own.append(now())
                switch result {
                case .success(let reading?): Self.record(reading, at: now(), in: &state)
                case .success(nil): break
                case .failure: state.needsReading = true
                }
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
            if case .failure(let error) = result { throw error }
        }
    }

    /// Takes one request from the budget (`spend`), reading the threshold with `fetch` first if this run has not
    /// (`ensureRead`); a request that finds the reading done takes its share without suspending.
    func spend(readingFirst fetch: @escaping @Sendable () async -> Result<AutotaskThreshold?, PSAError>) async throws(PSAError) {
        if state.withLock({ $0.needsReading || $0.reading }) {
            // The reading is a request Autotask counts, so it takes its place in the share: only when there is room.
            try takeBeforeReading()
            try await ensureRead(fetch)
        }
        try take()
    }

    /// Reads the threshold with `fetch` if this run has not, when the share has room for the reading; sends nothing
    /// otherwise (the run's next request then pauses it).
    func prepare(readingFirst fetch: @escaping @Sendable () async -> Result<AutotaskThreshold?, PSAError>) async throws(PSAError) {
        guard state.withLock({ $0.needsReading || $0.reading }) else { return }
        try takeBeforeReading()
        try await ensureRead(fetch)
    }

    /// Checks there is room for the reading in the share, when the share is known: a process that has neither read
    /// the threshold nor found one in the log knows only Autotask's documented 10,000, and refusing on that guess
    /// could pause a run of a database with a larger threshold for good; there the reading itself decides.
    private func takeBeforeReading() throws(PSAError) {
        guard state.withLock({ $0.threshold != nil }) else { return }
        try take(recording: false)
    }

    /// Records what `ThresholdInformation` answered; the reading itself is one request already counted in `used`.
    public func record(_ reading: AutotaskThreshold) async {
        state.withLock { Self.record(reading, at: now(), in: &$0) }
    }

    private static func record(_ reading: AutotaskThreshold, at time: Date, in state: inout State) {
        state.threshold = reading
        state.readAt = time
        state.spentSinceRead = 0
        state.needsReading = false
    }

    /// The last reading, if any.
    public func lastReading() async -> AutotaskThreshold? { state.withLock { $0.threshold } }

    /// Requests this budget has let through since the last reading.
    public func spent() async -> Int { state.withLock { $0.spentSinceRead } }

    /// Takes one request from the budget, or throws `budgetExhausted` saying when to resume.
    public func spend() async throws(PSAError) { try take() }

    /// Takes one request from the budget (or, not `recording`, only checks there is room for one), or throws
    /// `budgetExhausted` saying why and when to go on. The reading's numbers come from the server: arithmetic on them
    /// saturates, so no count, however large, can trap.
    private func take(recording: Bool = true) throws(PSAError) {
        let time = now()
        let refusal: PSAError? = state.withLock { state in
            let threshold = state.threshold ?? Self.assumedThreshold
            let window = Self.window(of: threshold)
            state.own.dropThrough(time.addingTimeInterval(-window))
            state.foreground.dropThrough(time.addingTimeInterval(-window))
            // R11.7: a long sync (the background lane) leaves the last slice of the share to the other companies.
            let fullShare = Self.percent(share, of: threshold.limit)
            // The slice is what the foreground may still need: what it has used in the window comes out of it.
            let lane = BudgetLane.current
            let kept = Swift.max(0, Self.slice(of: fullShare) - state.foreground.count)
            let shareLimit = lane == .background ? fullShare - kept : fullShare
            if state.own.count >= shareLimit {
                // Go on once half the share has left the rolling window, so a resumed run has room to work.
                let mustLeave = Swift.max(1, state.own.count - shareLimit + Swift.max(1, shareLimit / 2))
                let resume = state.own[Swift.min(state.own.count, mustLeave) - 1].addingTimeInterval(window)
                return PSAError(
                    .budgetExhausted,
                    "Rollcall has used its share of Autotask's API budget: \(state.own.count) of the \(shareLimit) requests "
                        + "(budgetShare \(share)% of \(threshold.limit) per \(threshold.timeframeMinutes) minutes"
                        + (shareLimit < fullShare ? ", less the \(fullShare - shareLimit) kept for other companies' runs while a long sync goes on" : "")
                        + ") it allows itself in a rolling window, leaving the rest to the MSP's other integrations. Resume after "
                        + "\(Self.clockTime(resume)) UTC.",
                    retryable: true, retryAfter: resume)
            }
            // Before a new reading only the share is checked: the ceiling is judged on the reading about to be made.
            // A reading from an earlier run is used only while fresh (a twelfth of the window, five minutes of
            // Autotask's hour): the database's total moves with every integration, and only a write reads it again.
            if recording, let reading = state.threshold, let readAt = state.readAt,
               !state.needsReading || time.timeIntervalSince(readAt) < window / 12 {
                let ceilingLimit = Self.percent(ceiling, of: reading.limit)
                let total = reading.used.saturatingAdd(state.spentSinceRead)
                if total.saturatingAdd(1) > ceilingLimit {
                    let resume = Swift.max(time.addingTimeInterval(60), readAt.addingTimeInterval(window / 4))
                    return PSAError(
                        .budgetExhausted,
                        "Autotask's API budget\(reading.server.map { " (read from \($0))" } ?? "") of \(reading.limit) requests per "
                            + "\(reading.timeframeMinutes) minutes, shared by every integration on this Autotask database, "
                            + "has \(total) used (\(reading.used) before this run's reading, \(state.spentSinceRead) by Rollcall since), "
                            + "which reaches budgetCeiling \(ceiling)% (\(ceilingLimit)), where Autotask slows every integration "
                            + "down; Rollcall adds no more. Resume after \(Self.clockTime(resume)) UTC.",
                        retryable: true, retryAfter: resume)
                }
            }
            guard recording else { return nil }
            state.own.append(time)
            if lane == .foreground { state.foreground.append(time) }
            state.spentSinceRead += 1
            return nil
        }
        if let refusal { throw refusal }
    }

    /// The rolling window a threshold's timeframe makes, in seconds (1 minute to a day, whatever the server sent).
    static func window(of threshold: AutotaskThreshold) -> TimeInterval {
        TimeInterval(Swift.min(Swift.max(1, threshold.timeframeMinutes), 24 * 60) * 60)
    }

    /// R11.7: the slice of a share kept for other companies' runs while a long sync goes on (a fifth, at least 1).
    static func slice(of share: Int) -> Int { Swift.max(1, share / 5) }

    /// The slice of the current share kept for other companies' runs (R11.7): a run with more writes than this is a
    /// long sync.
    public func reservedSlice() -> Int {
        let threshold = state.withLock { $0.threshold } ?? Self.assumedThreshold
        return Self.slice(of: Self.percent(share, of: threshold.limit))
    }

    /// `percent`% of `limit`, at least 1; saturating for any limit a server sends.
    static func percent(_ percent: Int, of limit: Int) -> Int {
        let (product, overflow) = limit.multipliedReportingOverflow(by: percent)
        return Swift.max(1, overflow ? limit / 100 * percent : product / 100)
    }

    /// Rollcall's own requests in the current rolling window, and the most its share allows there.
    public func usage() -> (used: Int, share: Int, threshold: AutotaskThreshold?) {
        let time = now()
        return state.withLock { state in
            let threshold = state.threshold ?? Self.assumedThreshold
            let used = state.own.count { $0 > time.addingTimeInterval(-Self.window(of: threshold)) }
            return (used, Self.percent(share, of: threshold.limit), state.threshold)
        }
    }

    /// Counts requests Rollcall sent earlier (another process's runs, read from the log), so the share holds across
    /// processes: `requests` that leave the rolling window at `leaving` (a paused run's `resumeAt`).
    public func remember(requests: Int, leaving: Date, threshold: BudgetWindow? = nil) {
        state.withLock { state in
            // Until this process reads the threshold itself, the share is judged by the one the log recorded.
            if state.threshold == nil, let threshold, threshold.threshold > 0, threshold.minutes > 0 {
                state.threshold = AutotaskThreshold(limit: threshold.threshold, timeframeMinutes: threshold.minutes, used: 0)
            }
            guard requests > 0 else { return }
            let threshold = state.threshold ?? Self.assumedThreshold
            let stamp = leaving.addingTimeInterval(-Self.window(of: threshold))
            state.own.append(contentsOf: repeatElement(stamp, count: Swift.min(requests, 1_000_000)))
            state.own.sort()
        }
    }

    private static func clockTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let hour = parts.hour ?? 0
        let minute = parts.minute ?? 0
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }
}

/// At most `limit` requests in flight per Autotask object endpoint (the API's thread limit is three).
///
/// A lock rather than an actor: a request that finds a free slot (nearly all) takes it without suspending, where an
/// actor cost two executor hops per request. Waiters are resumed in arrival order.
final class EndpointGates: Sendable {
    private struct State {
        var inFlight: [String: Int] = [:]
        var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    /// Takes a slot of `endpoint`, waiting for one to be released when all are taken.
    func acquire(_ endpoint: String) async {
        let free = state.withLock { state in
            guard state.inFlight[endpoint, default: 0] < limit else { return false }
            state.inFlight[endpoint, default: 0] += 1
            return true
        }
        if free { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            // A slot may have been released between the two locks: take it instead of waiting.
            let now = state.withLock { state in
                if state.inFlight[endpoint, default: 0] < limit {
                    state.inFlight[endpoint, default: 0] += 1
                    return true
                }
                state.waiting[endpoint, default: []].append(waiter)
                return false
            }
            if now { waiter.resume() }
        }
    }

    /// Gives a slot of `endpoint` back, to the longest waiter if there is one.
    func release(_ endpoint: String) {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            if var queue = state.waiting[endpoint], !queue.isEmpty {
                let next = queue.removeFirst()
                state.waiting[endpoint] = queue
                return next
            }
            state.inFlight[endpoint, default: 1] -= 1
            return nil
        }
        next?.resume()
    }

    /// The object endpoint a path belongs to: `Companies/1/Contacts` and `Contacts/query` are both `contacts`.
    static func endpoint(of path: String) -> String {
        let bytes = Array(path.utf8)
        var end = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        // Segments from the last: the first that is neither a number nor one of the ignored words names the endpoint.
        while end > 0 {
            var start = end
            while start > 0 && bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
            let segment = bytes[start..<end]
            if !segment.isEmpty && !segment.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                let name = String(decoding: segment, as: UTF8.self).lowercased()
                if !ignoredSegments.contains(name) && Int(name) == nil { return name }
            }
            end = start - 1
        }
        return "root"
    }

    private static let ignoredSegments: Set<String> = ["query", "count", "entityinformation", "fields", "v1.0"]
}
