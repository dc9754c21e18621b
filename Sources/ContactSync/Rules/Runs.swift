// R11: when a company's run is due, and how run requests of one company queue up instead of overlapping.

import Foundation

/// R11.1 as a pure function: which run, if any, is due at `now`.
public enum RunSchedule {
    /// How soon after a settings change its run must start (R11.1).
    public static let settingsChangeDelay: TimeInterval = 5 * 60

    /// The most recent daily slot at or before `now`, in `timeZone`.
    public static func lastDailySlot(atOrBefore now: Date, at time: DailyTime, timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var parts = calendar.dateComponents([.year, .month, .day], from: now)
        parts.hour = time.hour
        parts.minute = time.minute
        let today = calendar.date(from: parts) ?? now
        return today <= now ? today : calendar.date(byAdding: .day, value: -1, to: today) ?? today
    }

    /// The trigger of the run due at `now`: a settings change not yet run first (due at once, so it starts within
    /// the 5 minutes of R11.1 when polled more often), then a daily slot passed since the last run; `nil` when none.
    public static func due(
        now: Date, enabled: Bool, lastRunStartedAt: Date?, settingsChangedAt: Date?, dailyAt: DailyTime, timeZone: TimeZone
    ) -> RunTrigger? {
        guard enabled else { return nil }  // R11.5
        if let changed = settingsChangedAt, changed <= now, lastRunStartedAt.map({ $0 < changed }) ?? true {
            return .settingsChanged
        }
        let slot = lastDailySlot(atOrBefore: now, at: dailyAt, timeZone: timeZone)
        if lastRunStartedAt.map({ $0 < slot }) ?? true { return .schedule }
        return nil
    }
}

/// R11.4: one company's run requests; runs never overlap, a request during a run waits, and waiting ones merge.
public struct RunQueue: Sendable, Hashable {
    /// A request for a run.
    public struct Request: Sendable, Hashable {
        public var trigger: RunTrigger
        public var mode: DirectoryReadMode
        /// Where it was asked for, and by whom.
        public var origin: RunOrigin?

        /// Makes a request.
        public init(trigger: RunTrigger, mode: DirectoryReadMode, origin: RunOrigin? = nil) {
            self.origin = origin
            self.trigger = trigger
            self.mode = mode
        }
    }

    /// What became of a request.
    public enum Outcome: Sendable, Hashable {
        /// Nothing was running: start it now.
        case start(Request)
        /// A run is going: this one waits for it.
        case queued
        /// A run is going and one already waits: merged into the waiting one.
        case merged
    }

    public private(set) var running: Request?
    public private(set) var waiting: Request?

    /// An idle queue.
    public init() {}

    /// Asks for a run.
    public mutating func request(_ r: Request) -> Outcome {
        guard running != nil else {
            running = r
            return .start(r)
        }
        guard let w = waiting else {
            waiting = r
            return .queued
        }
        // A full read covers a delta one (R11.3); a manual ask is reported as manual.
        waiting = Request(
            trigger: r.trigger == .manual || w.trigger == .manual ? .manual : w.trigger,
            mode: r.mode == .full || w.mode == .full ? .full : .delta,
            origin: r.trigger == .manual || w.origin == nil ? r.origin ?? w.origin : w.origin)
        return .merged
    }

    /// The running run ended; returns the waiting request, which is now running, if any.
    public mutating func finish() -> Request? {
        running = waiting
        waiting = nil
        return running
    }
}

/// A run that is due: for which company, why, and since when.
public struct DueRun: Sendable, Hashable {
    public var company: String
    public var trigger: RunTrigger
    /// When it became due (a daily slot, a settings change, a paused run's window reopening).
    public var since: Date

    /// Makes a due run.
    public init(company: String, trigger: RunTrigger, since: Date) {
        self.company = company
        self.trigger = trigger
        self.since = since
    }
}

extension RunSchedule {
    /// R11.7: the order of a trigger among others: manual, settings change, daily, resumed.
    public static func rank(_ trigger: RunTrigger) -> Int {
        switch trigger {
        case .manual: 0
        case .settingsChanged: 1
        case .schedule: 2
        case .resumed: 3
        }
    }

    /// R11.7: runs in the order they are asked for: by trigger, then the longest waiting first, then by company name.
    public static func ordered(_ runs: [DueRun]) -> [DueRun] {
        runs.sorted {
            (rank($0.trigger), $0.since, $0.company) < (rank($1.trigger), $1.since, $1.company)
        }
    }
}

/// How runs are numbered and named (one numbering everywhere): runs that write are "run 1, run 2, …"; dry runs
/// (`rollcall plan`, `run --dry-run`) are counted apart as "plan 1, plan 2, …", so plans do not use up run numbers.
public enum RunNumber {
    /// The prefix of a dry run's id (`plan-3`); a writing run's id is its number alone (`2`).
    public static let planPrefix = "plan-"

    /// The id of the next run after the runs numbered so far.
    public static func nextId(dryRun: Bool, lastRun: Int, lastPlan: Int) -> String {
        dryRun ? "\(planPrefix)\(lastPlan + 1)" : "\(lastRun + 1)"
    }

    /// Whether `runId` names a dry run.
    public static func isPlan(_ runId: String) -> Bool { runId.hasPrefix(planPrefix) }

    /// The number of a writing run's id, or `nil` for a plan or an id of another form.
    public static func runNumber(_ runId: String) -> Int? { Int(runId) }

    /// The number of a dry run's id, or `nil`.
    public static func planNumber(_ runId: String) -> Int? {
        isPlan(runId) ? Int(runId.dropFirst(planPrefix.count)) : nil
    }

    /// How a run is named to a person: "run 2" or "plan 3".
    public static func label(_ runId: String) -> String {
        if let n = planNumber(runId) { return "plan \(n)" }
        return "run \(runId)"
    }
}
