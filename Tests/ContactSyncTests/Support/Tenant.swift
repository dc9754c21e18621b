// A tenant in a few lines: a Microsoft 365 directory, a PSA company, and an in-memory engine that runs them.

import ContactSync
import Foundation
import StoredFormat

/// The license catalog the tests use (part numbers of RULES.md R2.2).
enum SKU {
    static let businessPremium = LicenseSku(skuId: "sku-spb", skuPartNumber: "SPB", displayName: "Microsoft 365 Business Premium")
    static let businessStandard = LicenseSku(skuId: "sku-std", skuPartNumber: "O365_BUSINESS_PREMIUM", displayName: "Microsoft 365 Business Standard")
    static let exchangePlan1 = LicenseSku(skuId: "sku-ex1", skuPartNumber: "EXCHANGESTANDARD", displayName: "Exchange Online (Plan 1)")
    static let all = [businessPremium, businessStandard, exchangePlan1]
}

/// One company: the world on both sides, and the log an engine would write while syncing it.
struct Tenant {
    var company = "Contoso"
    var settings: CompanySettings
    var settingsVersion = 0
    var limits = PSAFieldLimits.autotask
    var connectionDefaultType: String?
    /// The Microsoft 365 side as it is now.
    var users: [String: DirectoryUser] = [:]
    var groups: [String: [String]] = [:]
    var catalog = SKU.all
    /// The PSA side as it is now.
    var contacts: [Int: PSAContact] = [:]
    var sites = [PSASite(id: 1, name: "Main", isPrimary: true), PSASite(id: 2, name: "New Site"), PSASite(id: 3, name: "Site 2"), PSASite(id: 4, name: "Site 3")]
    var contactTypes: [PSAContactType] = []
    /// Writes the PSA refuses, by contact id (or -1 for creates).
    var refuse: Set<Int> = []
    /// The log.
    private(set) var events: [EventEnvelope] = []
    var now = Date(timeIntervalSince1970: 1_795_000_000)
    private var nextContactId = 5000
    private var runs = 0
    private var seenUserHash: [String: String] = [:]
    private var seenContactHash: [Int: String] = [:]
    private var pendingRemovals: [(String, RemovalReason)] = []
    private var lastCatalog: [LicenseSku]?
    private var lastSites: [PSASite]?
    private var everSeen: Set<String> = []

    /// A company with the given settings (defaults: no filters, default site Main, update existing).
    init(_ configure: (inout CompanySettings) -> Void = { _ in }) {
        var s = CompanySettings(name: "Contoso", tenant: "contoso.onmicrosoft.com", psaCompanyId: 100, defaultSite: "Main")
        configure(&s)
        settings = s
    }

    // MARK: building the world

    /// Adds (or replaces) a licensed, enabled user; `configure` adjusts it.
    @discardableResult
    mutating func user(_ name: String, licenses: [LicenseSku] = [SKU.businessPremium], _ configure: (inout DirectoryUser) -> Void = { _ in }) -> String {
        var u = DirectoryUser(
            id: "id-\(name)", userPrincipalName: "\(name)@contoso.example", givenName: name.capitalized, surname: "Tester",
            jobTitle: "Engineer", businessPhones: ["+1 555 0100"], mobilePhone: "+1 555 0199", accountEnabled: true,
            assignedLicenses: licenses.map { AssignedLicense(skuId: $0.skuId) })
        configure(&u)
        users[u.id] = u
        return u.id
    }

    /// Changes a user in the directory.
    mutating func edit(_ id: String, _ change: (inout DirectoryUser) -> Void) {
        change(&users[id]!)
    }

    /// Removes a user from the directory; a delta round will report it with `reason`.
    mutating func remove(_ id: String, reason: RemovalReason = .deleted) {
        users[id] = nil
        pendingRemovals.append((id, reason))
    }

    /// Adds a contact to the PSA company; returns its id.
    @discardableResult
    mutating func contact(email: String?, active: Bool = true, site: Int? = 1, _ configure: (inout PSAContact) -> Void = { _ in }) -> Int {
        nextContactId += 1
        var c = PSAContact(id: nextContactId, companyId: settings.psaCompanyId, firstName: "Old", lastName: "Name", emails: email.map { [$0] } ?? [], isActive: active, siteId: site)
        configure(&c)
        contacts[c.id] = c
        return c.id
    }

    /// Changes a contact in the PSA (an edit made by a technician).
    mutating func editContact(_ id: Int, _ change: (inout PSAContact) -> Void) {
        change(&contacts[id]!)
    }

    // MARK: the engine, in memory

    /// Appends one event with the next position, a minute after the last.
    mutating func append(_ event: DomainEvent) {
        now += 60
        let pos = Int64(events.count + 1)
        events.append(EventEnvelope(position: pos, stream: StreamName.stream(for: event, company: company), recordedAt: now, eventId: "e\(pos)", event: event))
    }

    /// Records the settings when they changed, as the engine does.
    mutating func recordSettings() {
        if let e = SettingsChanged.next(for: settings, after: state.settings, version: settingsVersion) {
            settingsVersion = e.version
            append(.settingsChanged(e))
        }
    }

    /// Observes both sides: changed snapshots only, removals, groups, catalog, sites, and a read completion.
    mutating func observe(mode: DirectoryReadMode = .delta, complete: Bool = true, runId: String? = nil) {
        if catalog != lastCatalog {
            append(.licenseCatalogObserved(LicenseCatalogObserved(skus: catalog, runId: runId)))
            lastCatalog = catalog
        }
        for id in users.keys.sorted() {
            let u = users[id]!
            if seenUserHash[id] != u.contentHash {
                append(.directoryUserObserved(try! DirectoryUserObserved(user: u, runId: runId)))
                seenUserHash[id] = u.contentHash
            }
        }
        if mode == .delta && complete {
            for (id, reason) in pendingRemovals {
                append(.directoryUserRemoved(DirectoryUserRemoved(userId: id, reason: reason, runId: runId)))
                seenUserHash[id] = nil
            }
            pendingRemovals = []
        }
        for f in settings.filters {
            if case .group(let g) = f.kind {
                let members = groups[g] ?? []
                append(.groupMembersObserved(GroupMembersObserved(group: g, membership: GroupMembership(groupId: "gid-\(g)", displayName: g, userIds: members), runId: runId)))
            }
        }
        if complete {
            everSeen.formUnion(users.keys)
            let missing = mode == .full ? everSeen.subtracting(users.keys).sorted() : nil
            if mode == .full { pendingRemovals = [] }
            append(.directoryReadCompleted(DirectoryReadCompleted(mode: mode, complete: true, deltaLink: "delta-\(events.count)", usersSeen: users.count, notFoundUserIds: missing, runId: runId)))
        } else {
            append(.directoryReadFailed(DirectoryReadFailed(mode: mode, kind: "transport", error: "the connection was cut off after page 2", usersSeen: 0, runId: runId)))
        }
        if sites != lastSites {
            append(.psaSitesObserved(PsaSitesObserved(sites: sites, runId: runId)))
            append(.psaContactTypesObserved(PsaContactTypesObserved(types: contactTypes, runId: runId)))
            lastSites = sites
        }
        for id in contacts.keys.sorted() where seenContactHash[id] != contacts[id]!.contentHash {
            append(.psaContactObserved(try! PsaContactObserved(contact: contacts[id]!, runId: runId)))
            seenContactHash[id] = contacts[id]!.contentHash
        }
        for id in seenContactHash.keys.sorted() where contacts[id] == nil {
            append(.psaContactMissing(PsaContactMissing(contactId: id, runId: runId)))
            seenContactHash[id] = nil
        }
        append(.psaReadCompleted(PsaReadCompleted(mode: .full, contactsSeen: contacts.count, runId: runId)))
    }

    /// The projections folded from the whole log.
    var state: CompanyState { CompanyState.fold(company: company, events) }

    /// The plan for the current log and settings.
    func plan() -> Plan {
        Planner.plan(state: state, settings: settings, settingsVersion: settingsVersion, limits: limits, sites: sites, contactTypes: contactTypes, connectionDefaultContactType: connectionDefaultType)
    }

    /// One run: settings, observe, plan, hold (R8.4), apply; returns the plan and the safety decision.
    @discardableResult
    mutating func run(mode: DirectoryReadMode = .delta, complete: Bool = true, trigger: RunTrigger = .manual) -> (plan: Plan, safety: DeactivationDecision) {
        runs += 1
        let runId = "run-\(runs)"
        recordSettings()
        append(.runStarted(RunStarted(runId: runId, trigger: trigger, mode: mode, settingsVersion: settingsVersion)))
        guard settings.enabled else {  // R11.5: the engine observes nothing and writes nothing
            append(.runCompleted(RunCompleted(runId: runId, counts: RunCounts())))
            let plan = self.plan()
            return (plan, DeactivationSafety.decide(plan, threshold: settings.deactivationThreshold))
        }
        observe(mode: mode, complete: complete, runId: runId)
        let plan = self.plan()
        for c in plan.commands { append(.commandPlanned(CommandPlanned(runId: runId, command: c))) }
        let safety = DeactivationSafety.decide(plan, threshold: settings.deactivationThreshold)
        if safety.held { append(.deactivationsHeld(DeactivationsHeld(runId: runId, decision: safety))) }
        var counts = RunCounts(planned: plan.commands.count, held: safety.heldCommandIds.count)
        for c in plan.commands {
            if let m = c.match {
                append(.contactMatched(ContactMatched(runId: runId, commandId: c.id, match: m, reasons: c.reasons, settingsVersion: c.settingsVersion)))
            }
            if c.kind == .endMatch, let contactId = c.contactId, let userId = c.userId {
                append(.matchEnded(MatchEnded(runId: runId, commandId: c.id, userId: userId, contactId: contactId, reasons: c.reasons, settingsVersion: c.settingsVersion)))
            }
            guard let write = c.write, !safety.heldCommandIds.contains(c.id) else { continue }
            if apply(write, command: c, runId: runId) { counts.succeeded += 1 } else { counts.failed += 1 }
        }
        append(.runCompleted(RunCompleted(runId: runId, counts: counts)))
        return (plan, safety)
    }

    /// Approves a held run's deactivations and applies them, as `rollcall approve` would.
    mutating func approve(runId: String) {
        guard let held = state.heldRuns[runId] else { return }
        append(.deactivationsApproved(DeactivationsApproved(runId: runId, commandIds: held, approvedBy: "tech@msp.example")))
        let planned = events.compactMap { e -> Command? in
            if case .commandPlanned(let p) = e.event, p.runId == runId, held.contains(p.command.id) { return p.command }
            return nil
        }
        for c in planned { _ = apply(c.write!, command: c, runId: runId) }
    }

    private mutating func apply(_ write: PSAWrite, command c: Command, runId: String) -> Bool {
        append(.commandAttempted(CommandAttempted(runId: runId, commandId: c.id, userId: c.userId, contactId: c.contactId, write: write)))
        let key = c.contactId ?? -1
        if refuse.contains(key) {
            append(.commandFailed(CommandFailed(runId: runId, commandId: c.id, userId: c.userId, contactId: c.contactId, status: 500, kind: "rejected", error: "the PSA refused the write", retryable: false)))
            return false
        }
        let result: PSAContact
        switch write {
        case .create(let n):
            nextContactId += 1
            result = PSAContact(
                id: nextContactId, companyId: settings.psaCompanyId, firstName: n.fields.firstName, lastName: n.fields.lastName,
                title: n.fields.title, phone: n.fields.phone, mobile: n.fields.mobile, emails: n.fields.email.map { [$0] } ?? [],
                isActive: true, siteId: n.siteId, typeIds: n.typeIds)
        case .update(let id, let u):
            var x = contacts[id]!
            if let v = u.fields.firstName { x.firstName = v }
            if let v = u.fields.lastName { x.lastName = v }
            if let v = u.fields.title { x.title = v }
            if let v = u.fields.phone { x.phone = v }
            if let v = u.fields.mobile { x.mobile = v }
            if let v = u.fields.email { x.emails = [v] + x.emails.dropFirst() }
            if let v = u.isActive { x.isActive = v }
            if let v = u.siteId { x.siteId = v }
            for t in u.addTypeIds where !x.typeIds.contains(t) { x.typeIds.append(t) }
            result = x
        }
        contacts[result.id] = result
        seenContactHash[result.id] = result.contentHash  // the answer is an observation
        append(.commandSucceeded(CommandSucceeded(runId: runId, commandId: c.id, kind: c.kind, userId: c.userId, contact: result, status: 200, responseBody: "{\"itemId\":\(result.id)}")))
        return true
    }

    // MARK: reading the outcome

    /// The contact matched to a user, as the projections say.
    func contactOf(_ userId: String) -> PSAContact? {
        let s = state
        return s.matches.byUser[userId].flatMap { contacts[$0.contactId] }
    }

    /// The commands of a plan that concern a contact.
    static func commands(_ plan: Plan, contact: Int) -> [Command] { plan.commands.filter { $0.contactId == contact } }
    /// The commands of a plan that concern a user.
    static func commands(_ plan: Plan, user: String) -> [Command] { plan.commands.filter { $0.userId == user } }
}

extension DirectoryUser {
    /// The snapshot's content hash, as the log would store it.
    fileprivate var contentHash: String { try! ContentHash.of(self) }
}

extension PSAContact {
    /// The snapshot's content hash, as the log would store it.
    fileprivate var contentHash: String { try! ContentHash.of(self) }
}
