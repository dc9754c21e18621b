// One company's projections together: what the planner, the engine and `rollcall why` read.

import Foundation

/// Every projection of one company, folded from its events; `Codable` so it can be stored with a checkpoint.
///
/// Folding from position 0 and continuing a stored state from its checkpoint give the same state.
public struct CompanyState: Codable, Sendable, Hashable {
    /// Bump when the fold or the stored layout changes: stored states of another version are rebuilt from position 0.
    /// (2: stored as a head plus one row per user, contact, match and assignment; 3: matches keep what was last
    /// written, and failed writes are remembered; 4: runs and plans are numbered apart, and writes the API budget held
    /// back are not failures; 5: the groups delta's tracked groups are kept; 6: dismissed deactivations are kept, R8.7.)
    public static let codeVersion = 6

    public var company: String
    /// The position of the last event folded in (0 before any).
    public var position: Int64 = 0
    public var directory = DirectoryProjection()
    public var psa = PSAProjection()
    public var matches = MatchProjection()
    public var assignments = AssignmentProjection()
    /// The latest recorded settings, and their version (0 before any).
    public var settings: CompanySettings?
    public var settingsVersion: Int = 0
    public var settingsPosition: Int64?
    /// The latest run started, and where.
    public var currentRunId: String?
    public var currentRunPosition: Int64?
    /// The highest numbers given so far to runs that write and to dry runs (`RunNumber`). A log written before plans
    /// were numbered apart has dry runs with plain numbers: they count as runs, so no number is given twice.
    public var lastRunNumber = 0
    public var lastPlanNumber = 0
    /// Runs whose deactivations wait for approval (R8.4): run id → held command ids.
    public var heldRuns: [String: [String]] = [:]
    /// R8.7: deactivations an operator dismissed, by contact id, with the user's Microsoft 365 state at the time.
    public var dismissed: [Int: DismissedDeactivation] = [:]
    /// Writes attempted with no outcome yet ("in doubt"), keyed `runId/commandId`.
    public var inDoubt: [String: CommandAttempted] = [:]
    /// R6.8: the last failure of each command id that has not succeeded since, so the next plan says it is a retry.
    public var failedWrites: [String: CommandFailed] = [:]

    /// An empty state for a company.
    public init(company: String) {
        self.company = company
    }

    /// Folds one event in. Events at or before `position` are ignored, so replaying an overlap is harmless.
    public mutating func apply(_ envelope: EventEnvelope) {
        guard envelope.position > position else { return }
        position = envelope.position
        directory.apply(envelope)
        psa.apply(envelope)
        matches.apply(envelope)
        recordWritten(envelope.event)
        switch envelope.event {
        case .settingsChanged(let e):
            settings = e.settings
            settingsVersion = e.version
            settingsPosition = envelope.position
        case .runStarted(let e):
            currentRunId = e.runId
            currentRunPosition = envelope.position
            if let n = RunNumber.runNumber(e.runId) { lastRunNumber = max(lastRunNumber, n) }
            if let n = RunNumber.planNumber(e.runId) { lastPlanNumber = max(lastPlanNumber, n) }
        case .deactivationsHeld(let e):
            heldRuns[e.runId] = e.commandIds
        case .deactivationsApproved(let e):
            heldRuns[e.runId] = nil
        case .deactivationsDismissed(let e):
            heldRuns[e.runId] = nil
            for id in e.commandIds {
                guard id.hasPrefix("contact:"), let contact = Int(id.dropFirst("contact:".count)),
                      let userId = matches.byContact[contact]
                else { continue }
                let record = directory.users[userId]
                dismissed[contact] = DismissedDeactivation(
                    runId: e.runId, userId: userId, user: record?.user, removal: record?.removal, position: envelope.position,
                    by: e.dismissedBy, reason: e.reason)
            }
        case .commandAttempted(let e):
            inDoubt["\(e.runId)/\(e.commandId)"] = e
        case .commandSucceeded(let e):
            inDoubt["\(e.runId)/\(e.commandId)"] = nil
            failedWrites[e.commandId] = nil
            if e.kind == .create, let user = e.userId { failedWrites["create:\(user)"] = nil }
        case .commandFailed(let e):
            inDoubt["\(e.runId)/\(e.commandId)"] = nil
            // A write the API budget held back (R11.6) was never sent: it is not a failure to retry, only still to do.
            if e.kind != "budgetExhausted" { failedWrites[e.commandId] = e }
        default:
            break
        }
        assignments.apply(envelope, directory: directory, settings: settings)
    }

    /// R6.8: a new match remembers the Microsoft values it was made with; a successful write, the values it wrote.
    /// Reads the attempt of a write before `apply` forgets it.
    private mutating func recordWritten(_ event: DomainEvent) {
        switch event {
        case .contactMatched(let e):
            guard let user = directory.users[e.match.userId]?.user, matches.byUser[e.match.userId] != nil else { return }
            let useEmail = settings?.useEmail ?? false
            var seen: [SyncedField: String] = [:]
            for field in SyncedField.allCases {
                if let value = Planner.microsoftValue(field, of: user, useEmail: useEmail) { seen[field] = value }
            }
            matches.byUser[e.match.userId]?.written = seen
        case .commandSucceeded(let e):
            guard let user = e.userId, matches.byUser[user]?.contactId == e.contactId,
                  let attempt = inDoubt["\(e.runId)/\(e.commandId)"]
            else { return }
            let fields: ContactFields
            switch attempt.write {
            case .create(let new): fields = new.fields
            case .update(_, let update): fields = update.fields
            }
            for field in SyncedField.allCases {
                if let value = Planner.value(field, in: fields) { matches.byUser[user]?.written[field] = value }
            }
        default:
            return
        }
    }

    /// Event types no part of this fold reads (see `apply` and the projections it calls): a reader may pass over
    /// them with `pass(position:)` instead of decoding them. Keep in step with `apply`.
    public static let unreadTypes: Set<String> = [
        CommandPlanned.eventType, RunCompleted.eventType, RunFailed.eventType, PsaReadFailed.eventType,
        RunPaused.eventType, RunRequested.eventType,
    ]

    /// Moves past an event of one of `unreadTypes` without decoding it.
    public mutating func pass(position: Int64) {
        if position > self.position { self.position = position }
    }

    /// Folds events in order.
    public mutating func apply<S: Sequence>(_ envelopes: S) where S.Element == EventEnvelope {
        for e in envelopes { apply(e) }
    }

    /// The state after folding `events` into an empty state.
    public static func fold<S: Sequence>(company: String, _ events: S) -> CompanyState where S.Element == EventEnvelope {
        var s = CompanyState(company: company)
        s.apply(events)
        return s
    }

    /// The number of contacts currently matched (R8.4's base).
    public var matchedCount: Int { matches.byUser.count }
}

/// Where each user is assigned under the latest recorded settings (R2): in-scope users only.
public struct AssignmentProjection: Codable, Sendable, Hashable {
    public static let codeVersion = 1

    public var byUser: [String: Assignment] = [:]

    /// An empty projection.
    public init() {}

    /// Re-decides the users an event can affect: one user for a user event, everyone for settings, groups or licenses.
    mutating func apply(_ envelope: EventEnvelope, directory: DirectoryProjection, settings: CompanySettings?) {
        guard let settings else { return }
        switch envelope.event {
        case .directoryUserObserved(let e):
            decide(e.user.id, directory: directory, scope: CompiledScope(settings: settings, context: directory.scopeContext))
        case .directoryUserRemoved(let e):
            decide(e.userId, directory: directory, scope: CompiledScope(settings: settings, context: directory.scopeContext))
        case .settingsChanged, .groupMembersObserved, .licenseCatalogObserved, .directoryReadCompleted:
            let scope = CompiledScope(settings: settings, context: directory.scopeContext)
            byUser = [:]
            for id in directory.users.keys { decide(id, directory: directory, scope: scope) }
        default:
            return
        }
    }

    private mutating func decide(_ id: String, directory: DirectoryProjection, scope: CompiledScope) {
        guard let r = directory.users[id] else { return }
        byUser[id] = scope.decide(r.user, eligibility: r.eligibility).assignment
    }
}

/// R8.7: a deactivation an operator dismissed, and the user's Microsoft 365 state it holds for.
public struct DismissedDeactivation: Codable, Sendable, Hashable {
    public var runId: String
    public var userId: String
    /// The user as last observed when the hold was dismissed, and why they were removed (nil: not removed).
    public var user: DirectoryUser?
    public var removal: IneligibleReason?
    /// The dismissal's log position.
    public var position: Int64
    public var by: String?
    public var reason: String

    /// Whether it still holds for `record`: the user is as they were when the hold was dismissed.
    public func holds(for record: UserRecord?) -> Bool {
        record?.user == user && record?.removal == removal
    }
}
