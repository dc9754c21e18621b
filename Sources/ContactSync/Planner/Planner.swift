// The planner: (projections, settings) → commands, one per contact, each with the rules and events behind it.

import Foundation

/// Turns a company's current state and settings into the next PSA commands (R2–R10), explaining each.
public enum Planner {
    /// Plans one run: at most one command per contact, in a stable order (users by object id).
    ///
    /// `sites` and `contactTypes` are the PSA's (ConnectWise contact types only; pass `[]` for Autotask, which
    /// turns contact-type rules off). Linear in users + contacts.
    public static func plan(
        state: CompanyState, settings: CompanySettings, settingsVersion: Int, limits: PSAFieldLimits,
        sites: [PSASite], contactTypes: [PSAContactType], connectionDefaultContactType: String?
    ) -> Plan {
        var planner = Run(
            state: state, settings: settings, version: settingsVersion, limits: limits, sites: sites,
            contactTypes: contactTypes, connectionDefaultType: connectionDefaultContactType)
        return planner.plan()
    }

    /// Plans with the sites and contact types the state last observed.
    public static func plan(
        state: CompanyState, settings: CompanySettings, settingsVersion: Int, limits: PSAFieldLimits,
        connectionDefaultContactType: String? = nil
    ) -> Plan {
        plan(
            state: state, settings: settings, settingsVersion: settingsVersion, limits: limits, sites: state.psa.sites,
            contactTypes: state.psa.contactTypes, connectionDefaultContactType: connectionDefaultContactType)
    }

    /// One planning pass, holding the lookups built once per plan.
    private struct Run {
        let state: CompanyState
        let settings: CompanySettings
        let version: Int
        let limits: PSAFieldLimits
        let sitesByName: [String: PSASite]
        let typesByName: [String: PSAContactType]
        let usesContactTypes: Bool
        let connectionDefaultType: String?
        let fallbackSite: PSASite?
        var commands: [Command] = []
        var notes: [PlanNote] = []
        var claimed: Set<Int>
        /// R4.6: contacts whose matched user is gone for good, and that user, so a new user with the email can take them.
        let released: [Int: String]
        /// R4.6: released contacts a new user took in this plan.
        var retaken: Set<Int> = []
        var emailIndex: [String: [Int]] = [:]

        init(
            state: CompanyState, settings: CompanySettings, version: Int, limits: PSAFieldLimits, sites: [PSASite],
            contactTypes: [PSAContactType], connectionDefaultType: String?
        ) {
            self.state = state
            self.settings = settings
            self.version = version
            self.limits = limits
            var byName: [String: PSASite] = [:]
            for s in sites.sorted(by: { ($0.isActive ? 0 : 1, $0.id) < ($1.isActive ? 0 : 1, $1.id) }) {
                let key = Scope.normalized(s.name)
                if byName[key] == nil { byName[key] = s }
            }
            sitesByName = byName
            fallbackSite = sites.first { $0.isPrimary && $0.isActive }
            var types: [String: PSAContactType] = [:]
            for t in contactTypes.sorted(by: { $0.id < $1.id }) where types[Scope.normalized(t.name)] == nil {
                types[Scope.normalized(t.name)] = t
            }
            typesByName = types
            usesContactTypes = !contactTypes.isEmpty
            self.connectionDefaultType = connectionDefaultType
            // R4.6: a match whose user is gone for good no longer holds its contact.
            var released: [Int: String] = [:]
            for (userId, match) in state.matches.byUser {
                guard let removal = state.directory.users[userId]?.removal, removal == .deleted || removal == .notFound else { continue }
                released[match.contactId] = userId
            }
            self.released = released
            claimed = Set(state.matches.byContact.keys).subtracting(released.keys)
        }

        mutating func plan() -> Plan {
            guard settings.enabled else {
                notes.append(PlanNote(rule: "R11.5", message: "company \"\(settings.name)\" is disabled: nothing is planned"))
                return Plan(commands: [], notes: notes, matchedCount: state.matchedCount, settingsVersion: version)
            }
            for (id, r) in state.psa.contacts where !r.missing {
                for email in r.contact.emails { emailIndex[Scope.normalized(email), default: []].append(id) }
            }
            let scope = CompiledScope(settings: settings, context: state.directory.scopeContext)
            // Users gone for good whose contact is released go last, once every new user has had its chance to take
            // the contact back (R4.6); commands are then put back in user order.
            var gone: [String] = []
            for userId in state.directory.users.keys.sorted() {
                if let match = state.matches.byUser[userId], released[match.contactId] == userId {
                    gone.append(userId)
                    continue
                }
                let record = state.directory.users[userId]!
                planUser(record, scope.decide(record.user, eligibility: record.eligibility))
            }
            if !gone.isEmpty {
                for userId in gone where !retaken.contains(state.matches.byUser[userId]!.contactId) {
                    let record = state.directory.users[userId]!
                    planUser(record, scope.decide(record.user, eligibility: record.eligibility))
                }
                commands = commands.enumerated().sorted { a, b in
                    (a.element.userId ?? "", a.offset) < (b.element.userId ?? "", b.offset)
                }.map(\.element)
            }
            markRetries()
            return Plan(commands: commands, notes: notes, matchedCount: state.matchedCount, settingsVersion: version)
        }

        /// R6.8: a write that failed before and is planned again says so.
        private mutating func markRetries() {
            guard !state.failedWrites.isEmpty else { return }
            for i in commands.indices where commands[i].write != nil {
                guard let failed = state.failedWrites[commands[i].id] else { continue }
                commands[i].reasons.append(Reason(
                    rule: "R6.8",
                    because: "a retry: \(RunNumber.label(failed.runId)) failed to write it (\(failed.error))",
                    positions: []))
            }
        }

        private mutating func planUser(_ record: UserRecord, _ decision: ScopeDecision) {
            let userId = record.user.id
            if let match = state.matches.byUser[userId] {
                if let contact = state.psa.contacts[match.contactId] {
                    if !contact.missing {
                        planMatched(record, decision, contact: contact, match: match, newMatch: nil)
                        return
                    }
                    commands.append(Command(
                        id: "endMatch:\(contact.contact.id)", kind: .endMatch, userId: userId, contactId: contact.contact.id,
                        write: nil,
                        reasons: [Reason(rule: "R4.4", because: "its PSA contact \(contact.contact.id) was observed deleted",
                                         positions: [contact.missingPosition ?? contact.position, match.position])],
                        settingsVersion: version))
                } else {
                    return  // matched to a contact never observed: wait for the PSA read to show it
                }
            }
            guard case .assigned(let assignment) = decision else { return }
            let email = Scope.contactEmail(record.user, useEmail: settings.useEmail)
            let candidates = (emailIndex[Scope.normalized(email)] ?? []).filter { !claimed.contains($0) }
            if candidates.isEmpty {
                planCreate(record, assignment, email: email)
                return
            }
            let ranked = candidates.compactMap { state.psa.contacts[$0]?.contact }.sorted { a, b in
                let pa = (a.isActive ? 0 : 1, Scope.normalized(a.primaryEmail ?? "") == Scope.normalized(email) ? 0 : 1, a.id)
                let pb = (b.isActive ? 0 : 1, Scope.normalized(b.primaryEmail ?? "") == Scope.normalized(email) ? 0 : 1, b.id)
                return pa < pb
            }
            let chosen = ranked[0]
            claimed.insert(chosen.id)
            if released[chosen.id] != nil { retaken.insert(chosen.id) }
            var ambiguity: String?
            if ranked.count > 1 {
                let others = ranked.dropFirst().map { String($0.id) }.joined(separator: ", ")
                ambiguity = "\(ranked.count) contacts have email \(email): chose \(chosen.id)"
                    + " (\(chosen.isActive ? "active" : "inactive")"
                    + "\(Scope.normalized(chosen.primaryEmail ?? "") == Scope.normalized(email) ? ", primary email" : "")"
                    + ", lowest id among equals) over \(others)"
                notes.append(PlanNote(userId: record.user.id, contactId: chosen.id, rule: "R4.2", message: ambiguity!))
            }
            let decisionRecord = MatchDecision(
                userId: record.user.id, contactId: chosen.id, email: email, candidates: ranked.map(\.id), ambiguity: ambiguity)
            planMatched(record, decision, contact: state.psa.contacts[chosen.id]!, match: nil, newMatch: decisionRecord)
        }

        private mutating func planMatched(
            _ record: UserRecord, _ decision: ScopeDecision, contact cr: ContactRecord, match: MatchRecord?,
            newMatch: MatchDecision?
        ) {
            let contact = cr.contact
            let matchPositions = match.map { [$0.position] } ?? []
            var reasons: [Reason] = []
            if let m = newMatch {
                reasons.append(Reason(
                    rule: "R4.1", because: "contact \(m.contactId) has the user's email \(m.email)",
                    positions: [record.position, cr.position]))
                if let a = m.ambiguity { reasons.append(Reason(rule: "R4.2", because: a, positions: [cr.position])) }
                if let goneUser = released[m.contactId], let old = state.matches.byUser[goneUser] {
                    let who = state.directory.users[goneUser].map { "Microsoft 365 user \($0.user.userPrincipalName)" } ?? "user \(goneUser)"
                    let how = state.directory.users[goneUser]?.removal == .deleted ? "was deleted" : "is missing from a complete read"
                    reasons.append(Reason(
                        rule: "R4.6",
                        because: "contact \(m.contactId) was matched to \(who), who \(how) for good: a new user with its email takes it back",
                        positions: [old.position] + (state.directory.users[goneUser]?.removalPosition.map { [$0] } ?? [])))
                }
            }
            guard settings.updateExisting else {
                if let m = newMatch {
                    reasons.append(Reason(rule: "R4.5", because: "matching happens even with updateExisting off"))
                    reasons.append(Reason(rule: "R7.1", because: "updateExisting is off: the matched contact is not modified"))
                    commands.append(Command(
                        id: "contact:\(contact.id)", kind: .match, userId: record.user.id, contactId: contact.id, write: nil,
                        match: m, reasons: reasons, settingsVersion: version))
                }
                return
            }
            var update = ContactUpdate()
            var changes: [FieldChange] = []
            switch decision {
            case .assigned(let assignment):
                // R9.1 first: a reactivation is the chief reason of its write, and R6 applies in the same write.
                if !contact.isActive {
                    update.isActive = true
                    changes.append(FieldChange(field: "active", from: "false", to: "true"))
                    reasons.append(Reason(
                        rule: "R9.1", because: "its Microsoft 365 user is eligible and in scope again",
                        positions: [record.eligibilitySince, cr.position]))
                }
                fieldChanges(record, contact: cr, written: match?.written, reasons: &reasons, changes: &changes, update: &update)
                if let site = resolveSite(assignment, userId: record.user.id), site.id != contact.siteId {
                    update.siteId = site.id
                    changes.append(FieldChange(field: "site", from: contact.siteId.map(siteName), to: site.name))
                    reasons.append(Reason(
                        rule: "R6.4", because: "the user is assigned to site \"\(site.name)\" (\(assignmentPhrase(assignment)))",
                        positions: [record.position] + (state.settingsPosition.map { [$0] } ?? [])))
                }
                if let type = resolveType(assignment), !contact.typeIds.contains(type.id) {
                    update.addTypeIds = [type.id]
                    changes.append(FieldChange(field: "contactType", from: nil, to: type.name))
                    reasons.append(Reason(rule: "R6.5", because: "the assigned contact type \"\(type.name)\" is missing; types are only added"))
                    reasons.append(Reason(rule: "R10.1", because: typeSourcePhrase(assignment)))
                }
            case .ineligible(let why):
                planDeactivation(record, contact: cr, reason: why, matchPositions: matchPositions, reasons: &reasons,
                                 changes: &changes, update: &update)
            case .outOfScope:
                planDeactivation(record, contact: cr, reason: .outOfScope, matchPositions: matchPositions, reasons: &reasons,
                                 changes: &changes, update: &update)
            }
            if update.isEmpty {
                if let m = newMatch {
                    commands.append(Command(
                        id: "contact:\(contact.id)", kind: .match, userId: record.user.id, contactId: contact.id, write: nil,
                        match: m, reasons: reasons, settingsVersion: version))
                }
                return
            }
            let kind: Command.Kind =
                update.isActive == false ? .deactivate
                : update.isActive == true ? .reactivate
                : !update.fields.isEmpty ? .update
                : update.siteId != nil ? .moveSite : .addContactType
            commands.append(Command(
                id: "contact:\(contact.id)", kind: kind, userId: record.user.id, contactId: contact.id,
                write: .update(contactId: contact.id, update), match: newMatch, changes: changes, reasons: reasons,
                settingsVersion: version))
        }

        private mutating func planDeactivation(
            _ record: UserRecord, contact cr: ContactRecord, reason: IneligibleReason, matchPositions: [Int64],
            reasons: inout [Reason], changes: inout [FieldChange], update: inout ContactUpdate
        ) {
            if reason == .outOfScope && !settings.deactivateOutOfScope { return }
            guard cr.contact.isActive else { return }
            // R8.7: a dismissed deactivation is not planned again while the user is as they were when it was dismissed.
            if let dismissal = state.dismissed[cr.contact.id], dismissal.userId == record.user.id, dismissal.holds(for: record) {
                notes.append(PlanNote(
                    userId: record.user.id, contactId: cr.contact.id, rule: "R8.7",
                    message: "the deactivation of contact \(cr.contact.id) was dismissed\(dismissal.by.map { " by \($0)" } ?? "") (\(dismissal.reason)); it is planned again once \(record.user.userPrincipalName) changes in Microsoft 365"))
                return
            }
            update.isActive = false
            changes.append(FieldChange(field: "active", from: "true", to: "false"))
            let since = reason == .outOfScope ? max(record.position, state.settingsPosition ?? 0) : record.eligibilitySince
            reasons.append(Reason(rule: "R8.1", because: "its Microsoft 365 user \(reason.phrase)", positions: [since]))
            reasons.append(Reason(
                rule: reason == .outOfScope ? "R2.6" : "R1.2",
                because: reason == .outOfScope ? "a matched user out of scope is treated as ineligible" : "the user is ineligible (\(reason.rawValue))",
                positions: [since]))
            reasons.append(Reason(
                rule: "R8.2", because: "contact \(cr.contact.id) is matched to user \(record.user.userPrincipalName)",
                positions: matchPositions + [cr.position]))
        }

        /// R6.2, R6.6, R6.8: the fields to write. `written` is what Rollcall last wrote to (or saw when it matched) the
        /// contact, `nil` for a match made by this plan, which writes no `onChange` field.
        private func fieldChanges(
            _ record: UserRecord, contact cr: ContactRecord, written: [SyncedField: String]?, reasons: inout [Reason],
            changes: inout [FieldChange], update: inout ContactUpdate
        ) {
            let user = record.user
            for field in SyncedField.allCases {
                let policy = settings.policy(for: field)
                if policy == .onCreateOnly { continue }
                guard let raw = Planner.microsoftValue(field, of: user, useEmail: settings.useEmail) else { continue }  // R6.3
                let (value, note) = Planner.cut(raw, to: Planner.limit(field, limits))
                // R6.8: "changed" means the Microsoft value differs from the one last written or matched with.
                let last = written?[field]
                if policy == .onChange, written == nil || last == raw || last == value { continue }
                let current = Planner.psaValue(field, of: cr.contact)
                if Planner.same(field, value, current) { continue }
                // R6.9: an email the contact already carries in any of its email fields is not rewritten.
                if field == .email, cr.contact.emails.contains(where: { Scope.normalized($0) == Scope.normalized(value) }) { continue }
                Planner.set(field, value, in: &update.fields)
                changes.append(FieldChange(field: field.label, from: current, to: value, note: note))
                reasons.append(Reason(
                    rule: policy == .onChange ? "R6.6" : "R6.2",
                    because: policy == .onChange
                        ? "\(field.label) changed in Microsoft 365 since Rollcall last wrote it"
                            + (last.map { " (\"\($0)\")" } ?? " (it never wrote one)")
                        : "Microsoft 365 holds a different \(field.label)",
                    positions: [record.fieldChangedAt[field] ?? record.position, cr.position]))
                if note != nil {
                    reasons.append(Reason(rule: "R6.7", because: "\(field.label) is longer than the PSA allows: \(note!)"))
                }
            }
        }

        private mutating func planCreate(_ record: UserRecord, _ assignment: Assignment, email: String) {
            let user = record.user
            var fields = ContactFields()
            var changes: [FieldChange] = []
            let taken = emailIndex[Scope.normalized(email)] ?? []
            var reasons = [Reason(
                rule: "R5.1",
                because: taken.isEmpty
                    ? "no contact of the PSA company has the user's email \(email)"
                    : "every contact with the user's email \(email) (\(taken.sorted().map(String.init).joined(separator: ", "))) is matched to another user",
                positions: [record.position])]
            if settings.useEmail {
                reasons.append(Reason(rule: Scope.isBlank(user.mail) ? "R3.2" : "R3.1", because: Scope.isBlank(user.mail)
                    ? "useEmail is on but mail is blank: the UPN is used" : "useEmail is on: the contact email is mail"))
            }
            for field in SyncedField.allCases {
                guard let raw = Planner.microsoftValue(field, of: user, useEmail: settings.useEmail) else { continue }
                let (value, note) = Planner.cut(raw, to: Planner.limit(field, limits))
                Planner.set(field, value, in: &fields)
                changes.append(FieldChange(field: field.label, from: nil, to: value, note: note))
                if let note { reasons.append(Reason(rule: "R6.7", because: "\(field.label) is longer than the PSA allows: \(note)")) }
            }
            var siteId: Int?
            if assignment.site != nil || fallbackSite != nil {
                guard let site = resolveSite(assignment, userId: user.id) else { return }
                siteId = site.id
                changes.append(FieldChange(field: "site", from: nil, to: site.name))
                reasons.append(Reason(
                    rule: assignment.filterIndex == nil ? "R2.4" : "R2.5",
                    because: "the user is assigned to site \"\(site.name)\" (\(assignmentPhrase(assignment)))",
                    positions: [record.position] + (state.settingsPosition.map { [$0] } ?? [])))
            }
            var typeIds: [Int] = []
            if let type = resolveType(assignment) {
                typeIds = [type.id]
                changes.append(FieldChange(field: "contactType", from: nil, to: type.name))
                reasons.append(Reason(rule: "R10.1", because: typeSourcePhrase(assignment)))
            }
            commands.append(Command(
                id: "create:\(user.id)", kind: .create, userId: user.id, contactId: nil,
                write: .create(NewContact(fields: fields, siteId: siteId, typeIds: typeIds)), changes: changes,
                reasons: reasons, settingsVersion: version))
        }

        /// The assigned site, or `nil` with a note when the PSA company has no site of that name.
        private mutating func resolveSite(_ assignment: Assignment, userId: String) -> PSASite? {
            guard let name = assignment.site else { return fallbackSite }
            if let site = sitesByName[Scope.normalized(name)] { return site }
            let known = sitesByName.values.map(\.name).sorted().joined(separator: ", ")
            notes.append(PlanNote(
                userId: userId, rule: assignment.filterIndex == nil ? "R2.4" : "R2.1",
                message: "the user is assigned to site \"\(name)\", which PSA company \(settings.psaCompanyId) does not have"
                    + " (sites: \(known)); it is left where it is until the settings name an existing site"))
            return nil
        }

        private func resolveType(_ assignment: Assignment) -> PSAContactType? {
            guard usesContactTypes, let name = assignment.contactType ?? connectionDefaultType else { return nil }
            return typesByName[Scope.normalized(name)]
        }

        private func siteName(_ id: Int) -> String {
            sitesByName.values.first { $0.id == id }?.name ?? "site \(id)"
        }

        private func assignmentPhrase(_ a: Assignment) -> String {
            guard let i = a.filterIndex else { return "no filters: the company's default site" }
            return "first matching filter is \(MappingFilter.label(i, settings.filters[i]))"
        }

        private func typeSourcePhrase(_ a: Assignment) -> String {
            if let i = a.filterIndex, settings.filters[i].contactType != nil { return "\(MappingFilter.label(i, settings.filters[i])) sets the contact type" }
            if settings.contactType != nil { return "the company sets the contact type" }
            return "the PSA connection's default contact type"
        }
    }
}

extension Planner {
    /// The Microsoft value of a synced field (R6.1, R3), trimmed and without control characters; `nil` when blank (R6.3).
    public static func microsoftValue(_ field: SyncedField, of user: DirectoryUser, useEmail: Bool) -> String? {
        let raw: String? =
            switch field {
            case .firstName: user.givenName
            case .lastName: user.surname
            case .title: user.jobTitle
            case .phone: user.businessPhones.first
            case .mobile: user.mobilePhone
            case .email: Scope.contactEmail(user, useEmail: useEmail)
            }
        guard let raw else { return nil }
        // A PSA field is one line of text: control characters (NUL, BEL, ESC, line breaks…) are never written.
        // Tabs and line breaks become spaces so that words stay apart.
        // Control characters (Unicode's Cc: U+0000–U+001F, U+007F–U+009F) are encoded in UTF-8 as bytes below 0x20,
        // 0x7F, or 0xC2 0x80–0x9F: a value without those bytes needs no look at its scalars.
        let mayHaveControl = raw.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }
        let printable = mayHaveControl && raw.unicodeScalars.contains(where: Self.isControl)
            ? String(String.UnicodeScalarView(raw.unicodeScalars.compactMap { scalar -> Unicode.Scalar? in
                guard Self.isControl(scalar) else { return scalar }
                return ["\t", "\n", "\r"].contains(scalar) ? " " : nil
            }))
            : raw
        guard !Scope.isBlank(printable) else { return nil }
        return Scope.trimmed(printable)
    }

    /// Unicode's control characters (general category Cc), by code point rather than a property look-up.
    @inline(__always)
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The PSA value of a synced field (the primary email for `email`).
    public static func psaValue(_ field: SyncedField, of c: PSAContact) -> String? {
        switch field {
        case .firstName: c.firstName
        case .lastName: c.lastName
        case .title: c.title
        case .phone: c.phone
        case .mobile: c.mobile
        case .email: c.primaryEmail
        }
    }

    /// R6.7: a value cut to `limit` characters, with the note the plan shows when it was cut.
    public static func cut(_ value: String, to limit: Int) -> (String, String?) {
        guard value.utf8.count > limit, value.count > limit else { return (value, nil) }
        let cut = String(value.prefix(limit)).trimmingCharacters(in: .whitespaces)
        return (cut, "cut from \(value.count) to \(cut.count) characters")
    }

    static func limit(_ field: SyncedField, _ l: PSAFieldLimits) -> Int {
        switch field {
        case .firstName: l.firstName
        case .lastName: l.lastName
        case .title: l.title
        case .phone: l.phone
        case .mobile: l.mobile
        case .email: l.email
        }
    }

    static func same(_ field: SyncedField, _ value: String, _ current: String?) -> Bool {
        guard let current else { return false }
        switch field {
        case .email: return Scope.normalized(value) == Scope.normalized(current)  // R3.3
        case .phone, .mobile: return phoneKey(value) == phoneKey(current)  // R6.10
        default: return Scope.trimmed(value) == Scope.trimmed(current)
        }
    }

    /// A phone number as R6.10 compares it: without spaces, dashes, dots and brackets, a leading `+` kept.
    public static func phoneKey(_ number: String) -> String {
        String(Scope.trimmed(number).unicodeScalars.filter {
            !($0.properties.isWhitespace || "-.()[]\u{2010}\u{2011}\u{2012}\u{2013}".unicodeScalars.contains($0))
        }.map(Character.init))
    }

    /// The value a set of fields gives a synced field, if any.
    public static func value(_ field: SyncedField, in fields: ContactFields) -> String? {
        switch field {
        case .firstName: fields.firstName
        case .lastName: fields.lastName
        case .title: fields.title
        case .phone: fields.phone
        case .mobile: fields.mobile
        case .email: fields.email
        }
    }

    static func set(_ field: SyncedField, _ value: String, in fields: inout ContactFields) {
        switch field {
        case .firstName: fields.firstName = value
        case .lastName: fields.lastName = value
        case .title: fields.title = value
        case .phone: fields.phone = value
        case .mobile: fields.mobile = value
        case .email: fields.email = value
        }
    }
}
