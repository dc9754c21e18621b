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

/// Counts one run's Autotask requests against the hourly budget read once from `ThresholdInformation`,
/// and refuses, before sending, a request that would exceed it (less a safety margin).
///
/// A lock rather than an actor: every request takes one request from the budget, and an actor hop each time (two
/// thread switches per request) cost more than the counting.
public final class AutotaskBudget: Sendable {
    /// Requests kept back for other integrations on the same database.
    public let safetyMargin: Int
    private let now: @Sendable () -> Date

    private struct State {
        var threshold: AutotaskThreshold?
        var readAt: Date?
        var spentSinceRead = 0
        var needsReading = true
        /// True while one request reads `ThresholdInformation`; the others wait in `waiters`.
        var reading = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Makes a budget; `now` is injectable so tests control "resume after".
    public init(safetyMargin: Int = 200, now: @escaping @Sendable () -> Date = { Date() }) {
        self.safetyMargin = max(0, safetyMargin)
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
        if state.withLock({ $0.needsReading || $0.reading }) { try await ensureRead(fetch) }
        try take()
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

    /// Takes one request from the budget, or throws `budgetExhausted` saying when to resume. The reading's numbers
    /// come from the server: arithmetic on them saturates, so no count, however large, can trap.
    private func take() throws(PSAError) {
        let refusal: PSAError? = state.withLock { state in
            if let threshold = state.threshold, let readAt = state.readAt {
                let allowed = threshold.limit.saturatingSubtract(safetyMargin)
                if threshold.used.saturatingAdd(state.spentSinceRead).saturatingAdd(1) > allowed {
                    let minutes = Swift.min(Swift.max(1, threshold.timeframeMinutes), 24 * 60)
                    let resume = readAt.addingTimeInterval(TimeInterval(minutes * 60))
                    return PSAError(
                        .budgetExhausted,
                        "Autotask's API budget\(threshold.server.map { " (read from \($0))" } ?? "") of \(threshold.limit) requests per \(threshold.timeframeMinutes) minutes, "
                            + "shared by every integration on this Autotask database, is nearly spent (\(threshold.used) used "
                            + "before this run, \(state.spentSinceRead) by this run, \(safetyMargin) kept in reserve); Rollcall "
                            + "stopped before sending more. Resume after \(Self.clockTime(resume)) UTC.",
                        retryable: true, retryAfter: resume)
                }
            }
            state.spentSinceRead += 1
            return nil
        }
        if let refusal { throw refusal }
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
