// What `--json` prints: a stable interface for scripts, described by the schemas in Schemas/output. These views are
// built from the engine's types so that no internal key (an enum's `_1`, a stored field's spelling) leaks out,
// booleans are booleans, and every person carries their UPN and email beside their id.

import ContactSync
import Foundation
import SyncEngine

/// A Microsoft 365 user as `--json` names them.
struct UserJSON: Encodable, Hashable {
    var id: String
    var userPrincipalName: String?
    var mail: String?
    var displayName: String?

    /// The user `id` as the state knows them (only the id when the log never observed them).
    init(_ id: String, state: CompanyState?) {
        let user = state?.directory.users[id]?.user
        self.id = id
        self.userPrincipalName = user?.userPrincipalName
        self.mail = user?.mail
        let name = [user?.givenName, user?.surname].compactMap { $0 }.joined(separator: " ")
        self.displayName = user?.displayName ?? (name.isEmpty ? nil : name)
    }
}

/// A PSA contact as `--json` names it.
struct ContactJSON: Encodable, Hashable {
    var id: Int
    var email: String?
    var name: String?
    var active: Bool?

    /// The contact `id` as the state knows it.
    init(_ id: Int, state: CompanyState?) {
        let contact = state?.psa.contacts[id]?.contact
        self.id = id
        self.email = contact?.primaryEmail
        let name = [contact?.firstName, contact?.lastName].compactMap { $0 }.joined(separator: " ")
        self.name = name.isEmpty ? nil : name
        self.active = contact?.isActive
    }
}

/// A field's change, its values as JSON: `active` as a boolean, the rest as strings, a blank as null.
struct ChangeJSON: Encodable {
    var field: String
    var from: JSONOutput
    var to: JSONOutput
    var note: String?

    init(_ change: FieldChange) {
        field = change.field
        func value(_ text: String?) -> JSONOutput {
            guard let text else { return .null }
            if change.field == "active", let flag = Bool(text) { return .bool(flag) }
            return .string(text)
        }
        from = value(change.from)
        to = value(change.to)
        note = change.note
    }
}

/// One reason of a command: its rule, in words, and the log positions of the events behind it.
struct ReasonJSON: Encodable {
    var rule: String
    var because: String
    var events: [Int64]
}

/// A planned command: what it does to whom, the changes, and why.
struct CommandJSON: Encodable {
    var id: String
    var kind: String
    var user: UserJSON?
    var contact: ContactJSON?
    var changes: [ChangeJSON]
    var rules: [String]
    var reasons: [ReasonJSON]
    /// Whether a run would hold it for approval (R8.4, R8.5).
    var held: Bool

    init(_ command: Command, state: CompanyState?, held: Bool) {
        id = command.id
        kind = command.kind.rawValue
        user = command.userId.map { UserJSON($0, state: state) }
        contact = command.contactId.map { ContactJSON($0, state: state) }
        changes = command.changes.map(ChangeJSON.init)
        rules = command.ruleIds
        reasons = command.reasons.map { ReasonJSON(rule: $0.rule, because: $0.because, events: $0.positions) }
        self.held = held
    }
}

/// A note of a plan (something it will not do, and why).
struct NoteJSON: Encodable {
    var rule: String
    var message: String
    var user: UserJSON?
    var contact: ContactJSON?
}

/// What R8.4 and R8.5 make of a plan's deactivations.
struct HoldJSON: Encodable {
    var held: Bool
    var rule: String?
    var deactivations: Int
    var matchedContacts: Int
    var explanation: String?

    init(_ decision: DeactivationDecision) {
        held = decision.held
        rule = decision.rule
        deactivations = decision.deactivations
        matchedContacts = decision.matchedContacts
        explanation = decision.explanation
    }
}

/// A user the plan leaves out, with every filter and why it did not catch them.
struct SkippedJSON: Encodable {
    struct Miss: Encodable {
        var filter: Int
        var name: String
        var why: String
    }

    var user: UserJSON
    var misses: [Miss]

    init(_ left: LeftOutUser, state: CompanyState) {
        user = UserJSON(left.userId, state: state)
        misses = left.misses.map { Miss(filter: $0.position, name: $0.filter, why: $0.why) }
    }
}

/// One company's plan, as `rollcall plan --json` prints it (Schemas/output/plan.schema.json).
struct PlanJSON: Encodable {
    var company: String
    var plan: String
    var label: String
    var status: String
    var message: String?
    var settingsVersion: Int
    var commands: [CommandJSON]
    var notes: [NoteJSON]
    var wouldHold: HoldJSON?
    var skipped: [SkippedJSON]?

    init(summary: RunSummary, state: CompanyState, threshold: DeactivationThreshold, skipped: [LeftOutUser]?) {
        company = summary.company
        plan = summary.runId
        label = RunNumber.label(summary.runId)
        status = summary.status.rawValue
        message = summary.message
        settingsVersion = state.settingsVersion
        let decision = summary.plan.map { DeactivationSafety.decide($0, threshold: threshold) }
        let held = Set(decision?.heldCommandIds ?? [])
        commands = (summary.plan?.commands ?? []).map { CommandJSON($0, state: state, held: held.contains($0.id)) }
        notes = (summary.plan?.notes ?? []).map { note in
            NoteJSON(
                rule: note.rule, message: note.message, user: note.userId.map { UserJSON($0, state: state) },
                contact: note.contactId.map { ContactJSON($0, state: state) })
        }
        wouldHold = decision.map(HoldJSON.init)
        self.skipped = skipped.map { $0.map { SkippedJSON($0, state: state) } }
    }
}

/// A run's summary, as `rollcall run --json` and `approve --json` print it (Schemas/output/run.schema.json).
struct RunJSON: Encodable {
    struct Counts: Encodable {
        var planned, created, updated, deactivated, reactivated, matched, held, failed: Int
    }

    struct People: Encodable {
        var users: Int
        var contacts: Int
    }

    struct Requests: Encodable {
        var graph: Int
        var psa: Int
    }

    var company: String
    var run: String
    var label: String
    var status: String
    var dryRun: Bool
    var mode: String
    var counts: Counts
    /// Users and contacts the run wrote, matched or released.
    var actedOn: People
    /// Users and contacts whose changes were new to the log during the run.
    var newToLog: People
    var requests: Requests
    var eventsLogged: Int
    var message: String?
    /// A paused run (R11.6): when it goes on, and the writes it had left.
    var resumeAt: Date?
    var writesLeft: Int?
    /// A dry run's plan (`run --dry-run`).
    var plan: [CommandJSON]?

    init(_ s: RunSummary, state: CompanyState?) {
        company = s.company
        run = s.runId
        label = RunNumber.label(s.runId)
        status = s.status.rawValue
        dryRun = s.dryRun
        mode = s.mode.rawValue
        counts = Counts(
            planned: s.planned, created: s.created, updated: s.updated, deactivated: s.deactivated,
            reactivated: s.reactivated, matched: s.matched, held: s.held, failed: s.failed)
        actedOn = People(users: s.usersActedOn, contacts: s.contactsActedOn)
        newToLog = People(users: s.usersObserved, contacts: s.contactsObserved)
        requests = Requests(graph: s.graphRequests, psa: s.psaRequests)
        eventsLogged = s.eventsAppended
        message = s.message
        resumeAt = s.resumeAt
        writesLeft = s.writesLeft
        plan = s.dryRun ? s.plan.map { $0.commands.map { CommandJSON($0, state: state, held: false) } } : nil
    }
}

/// A story, as `rollcall why --json` prints it (Schemas/output/why.schema.json).
struct WhyJSON: Encodable {
    struct Subject: Encodable {
        var email: String?
        var contact: Int?
        var user: String?
    }

    struct Line: Encodable {
        var time: Date
        var event: Int64
        var rules: [String]
        var text: String
    }

    var company: String
    var subject: Subject
    var until: Date?
    var users: [UserJSON]
    var contacts: [ContactJSON]
    var story: [Line]
}

/// A company's runs, as `rollcall history --json` prints them (Schemas/output/history.schema.json).
struct HistoryJSON: Encodable {
    struct Write: Encodable {
        var at: Date
        var command: String
        var kind: String
        var user: UserJSON?
        var contact: ContactJSON?
        var outcome: String
        var detail: String?
    }

    struct Run: Encodable {
        var run: String
        var label: String
        var startedAt: Date
        var endedAt: Date?
        var trigger: String
        var mode: String
        var dryRun: Bool
        var settingsVersion: Int?
        var outcome: String
        var counts: RunCounts?
        var error: String?
        var resumeAt: Date?
        var writesLeft: Int?
        var writes: [Write]
    }

    var company: String
    var runs: [Run]

    init(company: String, runs: [RunRecord], state: CompanyState) {
        self.company = company
        self.runs = runs.map { r in
            Run(
                run: r.runId, label: RunNumber.label(r.runId), startedAt: r.startedAt, endedAt: r.endedAt,
                trigger: r.trigger.rawValue, mode: r.mode.rawValue, dryRun: r.dryRun, settingsVersion: r.settingsVersion,
                outcome: r.outcome, counts: r.counts, error: r.error, resumeAt: r.resumeAt, writesLeft: r.writesLeft,
                writes: r.writes.map { w in
                    Write(
                        at: w.at, command: w.commandId, kind: w.kind, user: w.userId.map { UserJSON($0, state: state) },
                        contact: w.contactId.map { ContactJSON($0, state: state) }, outcome: w.outcome, detail: w.detail)
                })
        }
    }
}

/// A company's state at a point of its log, as `rollcall replay --json` prints it (Schemas/output/replay.schema.json).
struct ReplayJSON: Encodable {
    struct Match: Encodable {
        var user: UserJSON
        var contact: ContactJSON
        var basis: String
        var run: String
        var label: String
    }

    struct Filter: Encodable {
        var filter: Int
        var name: String?
    }

    struct Assignment: Encodable {
        var user: UserJSON
        var site: String?
        var contactType: String?
        /// The filter that placed the user, counting from 1; absent when the company has no filters (R2.4).
        var filter: Filter?
    }

    var company: String
    var position: Int64
    var settingsVersion: Int
    var matches: [Match]
    var assignments: [Assignment]
    var plan: [CommandJSON]?

    init(company: String, state: CompanyState, plan: Plan?) {
        self.company = company
        position = state.position
        settingsVersion = state.settingsVersion
        matches = state.matches.byUser.values.sorted { $0.contactId < $1.contactId }.map { m in
            Match(
                user: UserJSON(m.userId, state: state), contact: ContactJSON(m.contactId, state: state),
                basis: m.basis.rawValue, run: m.runId, label: RunNumber.label(m.runId))
        }
        let filters = state.settings?.filters ?? []
        assignments = state.assignments.byUser.map { id, a in
            Assignment(
                user: UserJSON(id, state: state), site: a.site, contactType: a.contactType,
                filter: a.filterIndex.map { Filter(filter: $0 + 1, name: $0 < filters.count ? filters[$0].kind.name : nil) })
        }.sorted { ($0.user.userPrincipalName ?? $0.user.id).lowercased() < ($1.user.userPrincipalName ?? $1.user.id).lowercased() }
        self.plan = plan.map { $0.commands.map { CommandJSON($0, state: state, held: false) } }
    }
}
