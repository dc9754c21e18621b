// `rollcall why`: the story of one contact, user or email, told from the log alone (R12.2).

import Foundation

/// What to explain.
public enum StorySubject: Sendable, Hashable {
    case contact(Int)
    case user(String)
    /// An email, matched trimmed and case-insensitively against users' UPN and mail and contacts' emails.
    case email(String)
}

/// One line of a story: when, at which event, under which rules, and what happened in plain words.
public struct StoryLine: Codable, Sendable, Hashable {
    public var time: Date
    public var position: Int64
    public var ruleIds: [String]
    public var text: String

    /// Makes a line.
    public init(time: Date, position: Int64, ruleIds: [String], text: String) {
        self.time = time
        self.position = position
        self.ruleIds = ruleIds
        self.text = text
    }
}

/// Tells a subject's story from a company's events: observations that mattered, matches, commands, outcomes.
public struct Explainer: Sendable {
    /// The zone the story's times are written in.
    public var timeZone: TimeZone

    /// Makes an explainer writing times in `timeZone` (UTC by default).
    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.timeZone = timeZone
    }

    /// The subject's story in log order, up to and including `until` when given; it ends with what Rollcall is not
    /// doing for the subject as of then, and why (`Standing`): left out by every filter, a field left alone, a held
    /// deactivation.
    public func story(of subject: StorySubject, in events: [EventEnvelope], until: Date? = nil) -> [StoryLine] {
        tell(subject, in: events, until: until).lines
    }

    /// A story with what it was told from: the users and contacts it is about, and the state folded from the events
    /// up to `until` (the state the `why` output names people from).
    public struct Told: Sendable {
        public var lines: [StoryLine]
        public var users: Set<String>
        public var contacts: Set<Int>
        public var state: CompanyState
    }

    /// The subject's story (`story(of:in:until:)`), with the people it is about and the state it ends in.
    public func tell(_ subject: StorySubject, in events: [EventEnvelope], until: Date? = nil, company: String = "") -> Told {
        let events = until.map { t in events.filter { $0.recordedAt <= t } } ?? events
        let (users, contacts) = people(of: subject, in: events)
        var teller = Teller(explainer: self, users: users, contacts: contacts)
        for env in events { teller.tell(env) }
        teller.tellInDoubt()
        let state = CompanyState.fold(company: company, events)
        var lines = teller.lines
        if let last = events.last {
            lines += Standing.lines(users: users, contacts: contacts, state: state, at: last.recordedAt)
        }
        return Told(lines: lines, users: users, contacts: contacts, state: state)
    }

    /// The users and contacts a story is about: the subject, and everyone matched to it (a user ↔ contact pair tells
    /// one story).
    func people(of subject: StorySubject, in events: [EventEnvelope]) -> (users: Set<String>, contacts: Set<Int>) {
        var users = Set<String>()
        var contacts = Set<Int>()
        switch subject {
        case .user(let id): users.insert(id)
        case .contact(let id): contacts.insert(id)
        case .email(let email):
            let e = Scope.normalized(email)
            for env in events {
                switch env.event {
                case .directoryUserObserved(let o):
                    if Scope.normalized(o.user.userPrincipalName) == e || o.user.mail.map(Scope.normalized) == e { users.insert(o.user.id) }
                case .psaContactObserved(let o):
                    if o.contact.emails.contains(where: { Scope.normalized($0) == e }) { contacts.insert(o.contact.id) }
                case .commandSucceeded(let o):
                    if o.contact.emails.contains(where: { Scope.normalized($0) == e }) { contacts.insert(o.contact.id) }
                default: break
                }
            }
        }
        // Follow matches both ways until nothing new joins (a user ↔ contact pair tells one story).
        var grew = true
        while grew {
            grew = false
            for env in events {
                let pair: (String, Int)?
                switch env.event {
                case .contactMatched(let m): pair = (m.match.userId, m.match.contactId)
                case .matchEnded(let m): pair = (m.userId, m.contactId)
                case .commandSucceeded(let s) where s.kind == .create: pair = s.userId.map { ($0, s.contactId) }
                default: pair = nil
                }
                guard let (u, c) = pair else { continue }
                if users.contains(u) != contacts.contains(c) {
                    users.insert(u)
                    contacts.insert(c)
                    grew = true
                }
            }
        }
        return (users, contacts)
    }

    /// `2026-11-29 02:00` in the explainer's zone.
    public func format(_ date: Date) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        let p = c.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(p.year ?? 0)-\(two(p.month))-\(two(p.day)) \(two(p.hour)):\(two(p.minute))"
    }

    fileprivate func clock(_ date: Date) -> String { String(format(date).suffix(5)) }
}

/// Walks the log once, keeping what it needs to say what changed.
private struct Teller {
    let explainer: Explainer
    let users: Set<String>
    let contacts: Set<Int>
    var lines: [StoryLine] = []
    var lastUser: [String: DirectoryUser] = [:]
    var removed: Set<String> = []
    var lastContact: [Int: PSAContact] = [:]
    var planned: [String: Command] = [:]
    var recordedAt: [Int64: Date] = [:]
    var settingsVersion = 0
    /// R12.3: who asked for each run, and who saved each settings version (when the log knows).
    var origins: [String: RunOrigin] = [:]
    var settingsBy: [Int: String] = [:]
    /// Attempts with no outcome yet, keyed `runId/commandId`.
    var attempts: [String: (EventEnvelope, CommandAttempted)] = [:]

    init(explainer: Explainer, users: Set<String>, contacts: Set<Int>) {
        self.explainer = explainer
        self.users = users
        self.contacts = contacts
    }

    mutating func say(_ env: EventEnvelope, _ rules: [String], _ text: String) {
        lines.append(StoryLine(time: env.recordedAt, position: env.position, ruleIds: rules, text: text))
    }

    func concerns(user: String?, contact: Int?) -> Bool {
        (user.map(users.contains) ?? false) || (contact.map(contacts.contains) ?? false)
    }

    mutating func tell(_ env: EventEnvelope) {
        recordedAt[env.position] = env.recordedAt
        switch env.event {
        case .settingsChanged(let e):
            settingsVersion = e.version
            if let by = e.changedBy { settingsBy[e.version] = by }
        case .runStarted(let e):
            if let origin = e.origin { origins[e.runId] = origin }
        case .directoryUserObserved(let e) where users.contains(e.user.id):
            let u = e.user
            let now = Eligibility.of(u, removal: nil)
            defer { lastUser[u.id] = u; removed.remove(u.id) }
            guard let before = lastUser[u.id] else {
                say(env, ["R1.1"], "Microsoft 365 user \(u.userPrincipalName) first observed, \(describe(now))")
                return
            }
            let was = Eligibility.of(before, removal: removed.contains(u.id) ? .deleted : nil)
            if was != now {
                say(env, now.isEligible ? ["R1.1"] : ["R1.2"], "Microsoft 365 user \(u.userPrincipalName) became \(describe(now))")
            }
            let changed = userChanges(before, u)
            if !changed.isEmpty { say(env, ["R6.1"], "Microsoft 365 user \(u.userPrincipalName) changed: \(changed)") }
        case .directoryUserRemoved(let e) where users.contains(e.userId):
            removed.insert(e.userId)
            let phrase = e.reason == .deleted ? IneligibleReason.deleted.phrase : IneligibleReason.softDeleted.phrase
            say(env, ["R1.2"], "\(name(e.userId)) \(phrase)")
        case .directoryReadCompleted(let e) where e.complete && e.mode == .full:
            guard let missing = e.notFoundUserIds.map(Set.init) else { return }
            for id in users.sorted() where lastUser[id] != nil && !removed.contains(id) && missing.contains(id) {
                removed.insert(id)
                say(env, ["R1.2", "R1.3"], "\(name(id)) \(IneligibleReason.notFound.phrase)")
            }
        case .psaContactObserved(let e) where contacts.contains(e.contact.id):
            observe(env, e.contact, how: "observed in the PSA")
        case .psaContactMissing(let e) where contacts.contains(e.contactId):
            say(env, ["R4.4"], "PSA contact \(e.contactId) was observed deleted")
        case .contactMatched(let e) where concerns(user: e.match.userId, contact: e.match.contactId):
            var rules = ["R4.1"]
            var text = "matched \(name(e.match.userId)) to PSA contact \(e.match.contactId) by \(RunNumber.label(e.runId)) on email \(e.match.email)"
            if let a = e.match.ambiguity {
                rules.append("R4.2")
                text += "; \(a)"
            }
            say(env, rules, text + "; settings v\(e.settingsVersion)")
        case .matchEnded(let e) where concerns(user: e.userId, contact: e.contactId):
            say(env, ["R4.4"], "match of \(name(e.userId)) with PSA contact \(e.contactId) ended by \(RunNumber.label(e.runId)): the contact was deleted")
        case .commandPlanned(let e):
            planned["\(e.runId)/\(e.command.id)"] = e.command
            guard concerns(user: e.command.userId, contact: e.command.contactId), e.command.write != nil else { return }
            let c = e.command
            let asked = origins[e.runId].map { "; asked for via \($0.text)" } ?? ""
            let saved = settingsBy[c.settingsVersion].map { " (saved by \($0))" } ?? ""
            say(env, c.ruleIds, "\(RunNumber.label(e.runId)) planned to \(Self.verb(c.kind, past: false)) \(subject(c))\(changes(c)); \(because(c)); settings v\(c.settingsVersion)\(saved)\(asked)")
        case .deactivationsHeld(let e):
            let mine = e.commandIds.filter { planned["\(e.runId)/\($0)"].map { concerns(user: $0.userId, contact: $0.contactId) } ?? false }
            guard !mine.isEmpty else { return }
            say(env, ["R8.4"], "\(RunNumber.label(e.runId)) held its \(e.deactivations) deactivations (of \(e.matchedContacts) matched contacts) for an operator's approval")
        case .deactivationsApproved(let e):
            let mine = e.commandIds.filter { planned["\(e.runId)/\($0)"].map { concerns(user: $0.userId, contact: $0.contactId) } ?? false }
            guard !mine.isEmpty else { return }
            say(env, ["R8.4"], "the held deactivations of \(RunNumber.label(e.runId)) were approved\(e.approvedBy.map { " by \($0)" } ?? "")")
        case .deactivationsDismissed(let e):
            let mine = e.commandIds.filter { planned["\(e.runId)/\($0)"].map { concerns(user: $0.userId, contact: $0.contactId) } ?? false }
            guard !mine.isEmpty else { return }
            say(env, ["R8.7"], "the held deactivations of \(RunNumber.label(e.runId)) were dismissed\(e.dismissedBy.map { " by \($0)" } ?? ""): \(e.reason); the contact stays active until its user changes in Microsoft 365")
        case .commandAttempted(let e) where concerns(user: e.userId, contact: e.contactId):
            attempts["\(e.runId)/\(e.commandId)"] = (env, e)
        case .commandSucceeded(let e) where concerns(user: e.userId, contact: e.contactId):
            attempts["\(e.runId)/\(e.commandId)"] = nil
            let c = planned["\(e.runId)/\(e.commandId)"]
            let what = c.map(subject) ?? "PSA contact \(e.contactId)"
            var text = "\(what) \(Self.verb(e.kind, past: true)) on \(explainer.format(env.recordedAt)) by \(RunNumber.label(e.runId))"
            if e.kind == .create { text = "PSA contact \(e.contactId) created for \(name(e.userId ?? "")) on \(explainer.format(env.recordedAt)) by \(RunNumber.label(e.runId))" }
            if let c { text += " because \(because(c)); settings v\(c.settingsVersion)" }
            say(env, (c?.ruleIds ?? []) + (e.kind == .create ? ["R5.3"] : []) + ["R12.1"], text)
            lastContact[e.contact.id] = e.contact
        case .commandFailed(let e) where concerns(user: e.userId, contact: e.contactId):
            attempts["\(e.runId)/\(e.commandId)"] = nil
            let c = planned["\(e.runId)/\(e.commandId)"]
            let verb = c.map { Self.verb($0.kind, past: false) } ?? "write"
            say(env, (c?.ruleIds ?? []) + ["R12.1"],
                "\(RunNumber.label(e.runId)) failed to \(verb) \(c.map(subject) ?? "the contact")\(e.status.map { " (HTTP \($0))" } ?? ""): \(e.error)\(e.retryable ? "; it will be tried again" : "")")
        default:
            return
        }
    }

    /// Writes sent with no outcome recorded: a crash in between leaves them in doubt until the next run re-reads.
    mutating func tellInDoubt() {
        for (env, a) in attempts.values.sorted(by: { $0.0.position < $1.0.position }) {
            let c = planned["\(a.runId)/\(a.commandId)"]
            let what = c.map(subject) ?? a.contactId.map { "PSA contact \($0)" } ?? "a PSA contact"
            lines.append(StoryLine(
                time: env.recordedAt, position: env.position, ruleIds: (c?.ruleIds ?? []) + ["R12.1"],
                text: "\(RunNumber.label(a.runId)) sent a write to \(Self.verb(c?.kind ?? .update, past: false)) \(what) but recorded no outcome;"
                    + " it is in doubt until the next run re-reads the contact"))
        }
        lines.sort { $0.position < $1.position }
    }

    mutating func observe(_ env: EventEnvelope, _ c: PSAContact, how: String) {
        defer { lastContact[c.id] = c }
        guard let before = lastContact[c.id] else {
            say(env, [], "PSA contact \(c.id) (\(c.primaryEmail ?? "no email")) first \(how), \(c.isActive ? "active" : "inactive")")
            return
        }
        if before.isActive != c.isActive {
            say(env, [], "PSA contact \(c.id) \(how) \(c.isActive ? "active" : "inactive") (was \(before.isActive ? "active" : "inactive"))")
        }
        let changed = SyncedField.allCases.compactMap { f -> String? in
            let a = Planner.psaValue(f, of: before), b = Planner.psaValue(f, of: c)
            return a == b ? nil : "\(f.label) \(a ?? "blank") → \(b ?? "blank")"
        }
        if !changed.isEmpty { say(env, ["R6.2"], "PSA contact \(c.id) changed in the PSA: \(changed.joined(separator: ", "))") }
    }

    func name(_ userId: String) -> String {
        lastUser[userId].map { "Microsoft 365 user \($0.userPrincipalName)" } ?? "Microsoft 365 user \(userId)"
    }

    func describe(_ e: Eligibility) -> String {
        switch e {
        case .eligible: "eligible (enabled and licensed)"
        case .ineligible(let r): "ineligible (\(r.rawValue))"
        }
    }

    func userChanges(_ a: DirectoryUser, _ b: DirectoryUser) -> String {
        var parts: [String] = []
        for f in SyncedField.allCases where f != .email {
            let x = Planner.microsoftValue(f, of: a, useEmail: false), y = Planner.microsoftValue(f, of: b, useEmail: false)
            if x != y { parts.append("\(f.label) \(x ?? "blank") → \(y ?? "blank")") }
        }
        if a.userPrincipalName != b.userPrincipalName { parts.append("UPN \(a.userPrincipalName) → \(b.userPrincipalName)") }
        if a.mail != b.mail { parts.append("mail \(a.mail ?? "blank") → \(b.mail ?? "blank")") }
        if a.assignedLicenses != b.assignedLicenses { parts.append("licenses \(a.assignedLicenses.count) → \(b.assignedLicenses.count)") }
        for attr in FilterKind.fieldAttributes where attr != "jobTitle" {
            let x = Scope.attribute(attr, of: a), y = Scope.attribute(attr, of: b)
            if x != y { parts.append("\(attr) \(x ?? "blank") → \(y ?? "blank")") }
        }
        return parts.joined(separator: ", ")
    }

    func subject(_ c: Command) -> String {
        if let id = c.contactId { return "PSA contact \(id)" }
        return "a PSA contact for \(name(c.userId ?? ""))"
    }

    func changes(_ c: Command) -> String {
        let parts = c.changes.map { ch in
            "\(ch.field) \(ch.from ?? "blank") → \(ch.to ?? "blank")\(ch.note.map { " (\($0))" } ?? "")"
        }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }

    /// "its Microsoft 365 user lost its last license (observed 01:58, event 8812); rule R8.1"
    /// Every reason, each with its rule: "its Microsoft 365 user is eligible and in scope again (observed 01:58,
    /// event 8812; R9.1); and Microsoft 365 holds a different title (…; R6.2)".
    func because(_ c: Command) -> String {
        guard !c.reasons.isEmpty else { return "no reason was recorded" }
        var said = Set<String>()
        let parts = c.reasons.compactMap { reason -> String? in
            guard said.insert(reason.because).inserted else { return nil }
            var where_ = ""
            if let p = reason.positions.max(), let t = recordedAt[p] {
                where_ = "observed \(explainer.clock(t)), event \(p); "
            }
            return "\(reason.because) (\(where_)rule \(reason.rule))"
        }
        return parts.joined(separator: "; and ")
    }

    static func verb(_ kind: Command.Kind, past: Bool) -> String {
        switch kind {
        case .create: past ? "created" : "create"
        case .update: past ? "updated" : "update"
        case .deactivate: past ? "deactivated" : "deactivate"
        case .reactivate: past ? "reactivated" : "reactivate"
        case .moveSite: past ? "moved to its assigned site" : "move to its assigned site"
        case .addContactType: past ? "given its contact type" : "give its contact type to"
        case .match: past ? "matched" : "match"
        case .endMatch: past ? "unmatched" : "unmatch"
        }
    }
}
