// What did not happen, and why: a user no filter catches, a field a policy leaves alone, a deactivation waiting for
// approval. Read from the state folded from the log, as `why` and `plan --skipped` tell it.

import Foundation

/// A filter that did not catch a user, and what the user holds instead.
public struct FilterMiss: Codable, Sendable, Hashable {
    /// The filter's place in the company's list, counting from 1.
    public var position: Int
    /// The filter's kind and value (`license EXCHANGESTANDARD`).
    public var filter: String
    /// Why it did not catch the user (`they hold no EXCHANGESTANDARD license`).
    public var why: String

    /// Makes a miss.
    public init(position: Int, filter: String, why: String) {
        self.position = position
        self.filter = filter
        self.why = why
    }

    /// `filter 2, license EXCHANGESTANDARD: they hold no EXCHANGESTANDARD license`.
    public var sentence: String { "filter \(position), \(filter): \(why)" }
}

/// An eligible user that no mapping filter catches (R2.3), so no contact is kept for them.
public struct LeftOutUser: Codable, Sendable, Hashable {
    public var userId: String
    public var userPrincipalName: String
    public var mail: String?
    /// Every filter, in order, with why it did not catch the user.
    public var misses: [FilterMiss]
}

/// Explains the present standing of users and contacts: what Rollcall does not do for them, and why.
public enum Standing {
    /// Why `kind` does not catch `user`, or `nil` when it does (R2.2).
    public static func miss(_ kind: FilterKind, user: DirectoryUser, context: ScopeContext) -> String? {
        guard !Scope.matches(kind, user: user, context: context) else { return nil }
        switch kind {
        case .allLicensed:
            return "they are not licensed"
        case .group(let g):
            return context.groups[Scope.normalized(g)] == nil
                ? "the members of group \(g) are not known yet (no run has read them)" : "they are not a member of group \(g)"
        case .field(let attribute, let value):
            guard let held = Scope.attribute(attribute, of: user), !Scope.isBlank(held) else {
                return "their \(FilterKind.shortAttribute(attribute)) is blank, not \"\(value)\""
            }
            return "their \(FilterKind.shortAttribute(attribute)) is \"\(held)\", not \"\(value)\""
        case .upnDomain(let domain):
            let upn = user.userPrincipalName
            let held = upn.lastIndex(of: "@").map { String(upn[upn.index(after: $0)...]) } ?? upn
            return "their UPN domain is \(held), not \(domain)"
        case .license(let l):
            return context.skuIds(for: l).isEmpty
                ? "the tenant has no license named \(l)" : "they hold no \(l) license"
        }
    }

    /// Every filter of `settings` with why it does not catch `user`; empty when one does or there are no filters.
    public static func misses(of user: DirectoryUser, settings: CompanySettings, context: ScopeContext) -> [FilterMiss] {
        var found: [FilterMiss] = []
        for (i, filter) in settings.filters.enumerated() {
            guard let why = miss(filter.kind, user: user, context: context) else { return [] }
            found.append(FilterMiss(position: i + 1, filter: filter.kind.name, why: why))
        }
        return found
    }

    /// The eligible users no filter catches (R2.3), by UPN.
    public static func leftOut(_ state: CompanyState) -> [LeftOutUser] {
        guard let settings = state.settings, !settings.filters.isEmpty else { return [] }
        let context = state.directory.scopeContext
        return state.directory.users.values.compactMap { record -> LeftOutUser? in
            guard record.eligibility.isEligible else { return nil }
            let misses = misses(of: record.user, settings: settings, context: context)
            guard !misses.isEmpty else { return nil }
            return LeftOutUser(
                userId: record.user.id, userPrincipalName: record.user.userPrincipalName, mail: record.user.mail, misses: misses)
        }.sorted { $0.userPrincipalName.lowercased() < $1.userPrincipalName.lowercased() }
    }

    /// What Rollcall is not doing for these users and contacts as of `state`, each as a story line at the state's last
    /// event: left out by every filter (R2.3), a field its policy leaves alone (R6.6, R6.8, R7.1), a deactivation held
    /// for approval (R8.4).
    public static func lines(users: Set<String>, contacts: Set<Int>, state: CompanyState, at time: Date) -> [StoryLine] {
        guard let settings = state.settings else { return [] }
        var lines: [StoryLine] = []
        func say(_ rules: [String], _ text: String) {
            lines.append(StoryLine(time: time, position: state.position, ruleIds: rules, text: text))
        }
        let context = state.directory.scopeContext
        for userId in users.sorted() {
            guard let record = state.directory.users[userId] else { continue }
            let upn = record.user.userPrincipalName
            guard record.eligibility.isEligible else {
                if state.matches.byUser[userId] == nil {
                    say(["R1.2"], "now: Microsoft 365 user \(upn) is not synced: they are ineligible (\(ineligibility(record.eligibility)))")
                }
                continue
            }
            let misses = misses(of: record.user, settings: settings, context: context)
            if !misses.isEmpty {
                say(["R2.3"], "now: Microsoft 365 user \(upn) is left out: no filter catches them — "
                    + misses.map(\.sentence).joined(separator: "; "))
                continue
            }
            guard let match = state.matches.byUser[userId], let contact = state.psa.contacts[match.contactId]?.contact else {
                continue
            }
            if !settings.updateExisting {
                say(["R7.1"], "now: PSA contact \(contact.id) is not updated from \(upn): updateExisting is off")
                continue
            }
            for field in SyncedField.allCases {
                guard let microsoft = Planner.microsoftValue(field, of: record.user, useEmail: settings.useEmail) else { continue }
                let psa = Planner.psaValue(field, of: contact)
                guard !Planner.same(field, microsoft, psa) else { continue }
                switch settings.policy(for: field) {
                case .onCreateOnly:
                    say(["R6.6"], "now: \(field.label) is onCreateOnly, so Microsoft 365's \"\(microsoft)\" is left alone; PSA contact \(contact.id) keeps \(psa.map { "\"\($0)\"" } ?? "a blank \(field.label)")")
                case .onChange where match.written[field] == microsoft:
                    say(["R6.6", "R6.8"], "now: \(field.label) is onChange and Microsoft 365 still holds \"\(microsoft)\", the value Rollcall last wrote or matched with, so PSA contact \(contact.id) keeps its own \(psa.map { "\"\($0)\"" } ?? "blank")")
                default:
                    break
                }
            }
        }
        // Held deactivations of these contacts (R8.4), whichever run holds them.
        let held = state.heldRuns.sorted { $0.key < $1.key }
        for contactId in contacts.sorted() {
            for (runId, commandIds) in held where commandIds.contains(where: { Self.commandTouches($0, contactId) }) {
                say(["R8.4"], "now: the deactivation of PSA contact \(contactId) is held for approval by \(RunNumber.label(runId)); release it with `rollcall approve --company \"\(settings.name)\" --run \(runId)`")
            }
        }
        return lines
    }

    /// Whether a command id names `contactId` (`deactivate:<contactId>` and the like).
    static func commandTouches(_ commandId: String, _ contactId: Int) -> Bool {
        commandId.split(separator: ":").last.map { $0 == "\(contactId)" } ?? false
    }

    static func ineligibility(_ e: Eligibility) -> String {
        if case .ineligible(let r) = e { return r.rawValue }
        return "eligible"
    }
}
