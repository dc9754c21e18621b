// What a run is asked to do, what it reports while working, and what it did.

import ContactSync
import Foundation

/// How one run of one company should go.
public struct RunOptions: Sendable, Hashable {
    /// Why the run starts (R11.1, R11.2).
    public var trigger: RunTrigger
    /// `delta` follows delta links; `full` re-reads everything on both sides (R11.3).
    public var mode: DirectoryReadMode
    /// Observe and plan, but write nothing to the PSA and record no decisions.
    public var dryRun: Bool
    /// Deactivations held by these commands were approved by an operator (R8.4) and skip the threshold.
    public var approvedCommandIds: Set<String>
    /// How long to wait for another run of the same company to finish before giving up (R11.4).
    public var lockWait: Duration
    /// Hand the plan back in the summary. The log holds it either way; at 100,000 users it is ~150 MB in memory, so
    /// callers that only report counts leave it out.
    public var keepPlan: Bool
    /// R8.6: a complete PSA read that finds none of the matched contacts stops the run, unless an operator says they
    /// really were deleted.
    public var acceptMissingContacts: Bool
    /// Where the run was asked for, and by whom; recorded in `RunStarted`.
    public var origin: RunOrigin?

    /// Makes options; by default a manual delta run that waits up to 10 minutes for a running one.
    public init(
        trigger: RunTrigger = .manual, mode: DirectoryReadMode = .delta, dryRun: Bool = false,
        approvedCommandIds: Set<String> = [], lockWait: Duration = .seconds(600), keepPlan: Bool = true,
        acceptMissingContacts: Bool = false, origin: RunOrigin? = nil
    ) {
        self.origin = origin
        self.acceptMissingContacts = acceptMissingContacts
        self.trigger = trigger
        self.mode = mode
        self.dryRun = dryRun
        self.approvedCommandIds = approvedCommandIds
        self.lockWait = lockWait
        self.keepPlan = keepPlan
    }
}

/// How a run ended.
public enum RunStatus: String, Codable, Sendable, Hashable {
    /// Every planned write succeeded (or there was nothing to do).
    case completed
    /// The run finished, but some writes failed.
    case completedWithFailures
    /// The run finished, and deactivations wait for `rollcall approve` (R8.4).
    case held
    /// R11.6: the run reached Rollcall's share of the PSA's API budget and paused; it goes on at `resumeAt`.
    case paused
    /// The run stopped: Microsoft 365 or the PSA could not be read, or the API budget ran out.
    case failed
    /// The settings do not fit what the PSA or tenant has; nothing was written.
    case badSettings
    /// The company is disabled (R11.5): nothing observed, nothing written.
    case skipped
}

/// What one run did, for the summary an operator reads.
public struct RunSummary: Codable, Sendable, Hashable {
    public var company: String
    public var runId: String
    public var status: RunStatus
    public var dryRun: Bool
    public var mode: DirectoryReadMode
    public var created = 0
    public var updated = 0
    public var deactivated = 0
    public var reactivated = 0
    public var matched = 0
    public var held = 0
    public var failed = 0
    /// Microsoft 365 users and PSA contacts the run wrote, matched or released (a dry run: would have), whenever
    /// their changes reached the log.
    public var usersActedOn = 0
    public var contactsActedOn = 0
    /// Users and contacts whose changes were new to the log during this run (snapshots appended).
    public var usersObserved = 0
    public var contactsObserved = 0
    public var graphRequests = 0
    public var psaRequests = 0
    public var eventsAppended = 0
    /// A sentence on why the run stopped or what waits, when there is one.
    public var message: String?
    /// A paused run (R11.6): when the budget window reopens, and the writes it had left (`nil` when it paused before
    /// planning).
    public var resumeAt: Date?
    public var writesLeft: Int?
    /// The plan the run made (commands with their reasons), when the run was asked to keep it (`RunOptions.keepPlan`).
    public var plan: Plan?
    /// How many commands the run planned.
    public var planned = 0

    /// Makes an empty summary.
    public init(company: String, runId: String, status: RunStatus, dryRun: Bool, mode: DirectoryReadMode) {
        self.company = company
        self.runId = runId
        self.status = status
        self.dryRun = dryRun
        self.mode = mode
    }
}

/// What a run reports while it works.
public enum RunProgress: Sendable {
    /// A step began (a plain sentence).
    case step(company: String, String)
    /// Writes applied so far.
    case applying(company: String, done: Int, total: Int)
}
