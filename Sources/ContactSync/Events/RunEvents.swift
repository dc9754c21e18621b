// The run event family: one observe → project → plan → apply pass of one company.

import Foundation

/// Why a run started (R11.1, R11.2; R11.6: `resumed` goes on with a run paused at the API budget).
public enum RunTrigger: String, Codable, Sendable, Hashable {
    case schedule, settingsChanged, manual, resumed
}

/// Where a run was asked for: the schedule, a settings change, the command line, the API or the console.
public struct RunOrigin: Codable, Sendable, Hashable {
    /// The door the request came through.
    public enum Source: String, Codable, Sendable, Hashable {
        case schedule, settingsChange, commandLine, api, console
    }

    public var source: Source
    /// R12.3: the console account (or the name an API client gave) that asked, when known.
    public var by: String?

    /// Makes an origin.
    public init(_ source: Source, by: String? = nil) {
        self.source = source
        self.by = by
    }

    /// `console (dana)`, `command line`, `daily schedule`.
    public var text: String {
        let door = switch source {
        case .schedule: "schedule"
        case .settingsChange: "settings change"
        case .commandLine: "command line"
        case .api: "API"
        case .console: "console"
        }
        return door + (by.map { " (\($0))" } ?? "")
    }
}

/// A run began.
public struct RunStarted: Codable, Sendable, Hashable {
    public static let eventType = "RunStarted"
    public static let schemaVersion = 1

    public var runId: String
    public var trigger: RunTrigger
    /// `delta` follows delta tokens; `full` re-reads everything (R11.3).
    public var mode: DirectoryReadMode
    public var settingsVersion: Int?
    public var dryRun: Bool
    /// Where the run was asked for, and by whom (absent in runs recorded before it was kept).
    public var origin: RunOrigin?

    /// Makes the event.
    public init(runId: String, trigger: RunTrigger, mode: DirectoryReadMode, settingsVersion: Int? = nil, dryRun: Bool = false, origin: RunOrigin? = nil) {
        self.origin = origin
        self.runId = runId
        self.trigger = trigger
        self.mode = mode
        self.settingsVersion = settingsVersion
        self.dryRun = dryRun
    }
}

/// What a run did, counted.
public struct RunCounts: Codable, Sendable, Hashable {
    public var usersObserved: Int
    public var contactsObserved: Int
    public var planned: Int
    public var succeeded: Int
    public var failed: Int
    public var held: Int
    /// Requests the run sent to the PSA (R11.6 counts them against Rollcall's share); `nil` in older runs.
    public var psaRequests: Int?

    /// Makes counts.
    public init(
        usersObserved: Int = 0, contactsObserved: Int = 0, planned: Int = 0, succeeded: Int = 0, failed: Int = 0, held: Int = 0,
        psaRequests: Int? = nil
    ) {
        self.usersObserved = usersObserved
        self.contactsObserved = contactsObserved
        self.planned = planned
        self.succeeded = succeeded
        self.failed = failed
        self.held = held
        self.psaRequests = psaRequests
    }
}

/// A run finished (some writes may have failed; the counts say).
public struct RunCompleted: Codable, Sendable, Hashable {
    public static let eventType = "RunCompleted"
    public static let schemaVersion = 1

    public var runId: String
    public var counts: RunCounts

    /// Makes the event.
    public init(runId: String, counts: RunCounts) {
        self.runId = runId
        self.counts = counts
    }
}

/// A run stopped before its end.
public struct RunFailed: Codable, Sendable, Hashable {
    public static let eventType = "RunFailed"
    public static let schemaVersion = 1

    public var runId: String
    public var kind: String
    public var error: String

    /// Makes the event.
    public init(runId: String, kind: String, error: String) {
        self.runId = runId
        self.kind = kind
        self.error = error
    }
}

/// R11.6: a run reached Rollcall's share of the PSA's API budget (or the database's ceiling) and paused. Not a
/// failure: what it wrote stays written, and the next run goes on from what the log says is done.
public struct RunPaused: Codable, Sendable, Hashable {
    public static let eventType = "RunPaused"
    public static let schemaVersion = 1

    public var runId: String
    /// Writes the run planned and had not sent when it paused; `nil` when it paused before planning (while reading).
    public var writesLeft: Int?
    /// When the budget window reopens: the run goes on then (under `serve`), or at the next `rollcall run`.
    public var resumeAt: Date
    /// Why, in words (which share or ceiling was reached).
    public var reason: String
    /// Requests this run sent to the PSA before pausing.
    public var psaRequests: Int
    /// The PSA's request threshold a window and the window's minutes, when the run knew them (Autotask's
    /// `externalRequestThreshold` and `requestThresholdTimeframe`), so a later process judges the share by them before
    /// reading them again.
    public var threshold: Int?
    public var windowMinutes: Int?

    /// Makes the event.
    public init(
        runId: String, writesLeft: Int?, resumeAt: Date, reason: String, psaRequests: Int, threshold: Int? = nil,
        windowMinutes: Int? = nil
    ) {
        self.runId = runId
        self.writesLeft = writesLeft
        self.resumeAt = resumeAt
        self.reason = reason
        self.psaRequests = psaRequests
        self.threshold = threshold
        self.windowMinutes = windowMinutes
    }
}

/// R11.7: `serve` was asked for a run of the company (by its schedule, a settings change, the API, or a paused run's
/// window reopening), and started it, queued it behind the run going, or merged it with one already waiting.
public struct RunRequested: Codable, Sendable, Hashable {
    public static let eventType = "RunRequested"
    public static let schemaVersion = 1

    /// What the request became.
    public enum Outcome: String, Codable, Sendable, Hashable {
        case started, queued, merged
    }

    public var trigger: RunTrigger
    public var mode: DirectoryReadMode
    public var outcome: Outcome
    /// Where the run was asked for, and by whom.
    public var origin: RunOrigin?

    /// Makes the event.
    public init(trigger: RunTrigger, mode: DirectoryReadMode, outcome: Outcome, origin: RunOrigin? = nil) {
        self.origin = origin
        self.trigger = trigger
        self.mode = mode
        self.outcome = outcome
    }
}
