// The run event family: one observe → project → plan → apply pass of one company.

import Foundation

/// Why a run started (R11.1, R11.2).
public enum RunTrigger: String, Codable, Sendable, Hashable {
    case schedule, settingsChanged, manual
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

    /// Makes the event.
    public init(runId: String, trigger: RunTrigger, mode: DirectoryReadMode, settingsVersion: Int? = nil, dryRun: Bool = false) {
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

    /// Makes counts.
    public init(usersObserved: Int = 0, contactsObserved: Int = 0, planned: Int = 0, succeeded: Int = 0, failed: Int = 0, held: Int = 0) {
        self.usersObserved = usersObserved
        self.contactsObserved = contactsObserved
        self.planned = planned
        self.succeeded = succeeded
        self.failed = failed
        self.held = held
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
