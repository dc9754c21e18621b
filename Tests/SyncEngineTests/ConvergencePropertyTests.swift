// The convergence property (issue 14): whatever happened along the way — Microsoft 365 changes, PSA edits, plans,
// runs, failed and lost writes, holds and approvals — one last fault-free run leaves the PSA as one clean run from
// the final Microsoft 365 state and the same PSA edits would; never two contacts for one person; and every write is
// explained by reasons that the log bears out.
//
// Histories run against the emulators over loopback, alternating Autotask and ConnectWise. The number of histories
// is ROLLCALL_CONVERGENCE_HISTORIES (default 200; `scripts/convergence` runs more), the first seed
// ROLLCALL_CONVERGENCE_SEED (default 1). A seed that fails goes into `regressionSeeds`.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Convergence property")
struct ConvergencePropertyTests {
    /// Seeds that once failed, replayed on every run.
    static let regressionSeeds: [UInt64] = []

    static var seeds: [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["ROLLCALL_CONVERGENCE_HISTORIES"].flatMap(Int.init) ?? 200
        let first = environment["ROLLCALL_CONVERGENCE_SEED"].flatMap(UInt64.init) ?? 1
        return (0..<UInt64(max(count, 0))).map { first + $0 }
    }

    @Test("R6.8, R4.6, R8.5, R8.6: after one last fault-free run the PSA equals a clean run's, with one contact a person, every write truly explained")
    func histories() async throws {
        let seeds = Self.regressionSeeds + Self.seeds
        // Two histories at a time: each drives its own emulators, log and engine.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func launch() {
                let seed = seeds[next]
                next += 1
                group.addTask { try await History(seed: seed).check() }
            }
            while next < min(2, seeds.count) { launch() }
            while try await group.next() != nil {
                if next < seeds.count { launch() }
            }
        }
    }

    @Test("the property can fail: a PSA that differs from the clean run's is reported")
    func oracleCanFail() async throws {
        let history = History(seed: 7)
        let scenario = try await Scenario(psa: history.psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        try await scenario.editInPSA(lidia.id, title: "Not what Microsoft 365 says")
        let problems = try await history.compare(scenario, with: History.Model())
        #expect(problems.contains { $0.contains("Not what Microsoft 365 says") })
    }
}

/// One random history and its checks.
struct History {
    let seed: UInt64
    var psa: SampleMSP.PSA { seed % 2 == 0 ? .autotask : .connectwise }
    /// One history in three writes titles `onChange` (R6.6, R6.8): a title change seen by a plan, a failed write or a
    /// held run must still land. Such histories edit last names in the PSA instead of titles (an `onChange` field
    /// keeps a PSA edit by design), bring nobody back, and leave out of the comparison the contact the PSA had for
    /// Adele before (matched with the title it had then, which a clean run keeps).
    var onChange: Bool { seed % 3 == 0 }

    func settings(_ yaml: String) -> String {
        onChange ? YAML.add(yaml, company: "Contoso", "    fieldPolicy:\n      title: onChange") : yaml
    }

    /// The test's own account of Contoso's tenant and of the edits made to the PSA's own (fixture) contacts.
    struct Model {
        var users: [String: GraphUser] = Dictionary(uniqueKeysWithValues: SampleMSP.contoso().users.map { ($0.id, $0) })
        var softDeleted: [String: GraphUser] = [:]
        var hardDeleted: [GraphUser] = []
        var fixtureTitles: [Int: String] = [:]
        var fixtureLastNames: [Int: String] = [:]
        var fixtureInactive: Set<Int> = []
        var fixtureDeleted: Set<Int> = []
        var hires = 0
        /// Every contact email a user ever had: none may end with two contacts.
        var emails: Set<String> = Set(SampleMSP.contoso().users.map { $0.userPrincipalName.lowercased() })
    }

    static let titles = ["Analyst", "Team Lead", "Head of Sales", "Designer", "Engineer", "Director of Things"]
    static let phones = ["+1 425 555 0400", "+1 (425) 555-0401", "+1 425 555 0402", "+44 20 7946 0000"]
    static let fixtureIds = [30001, 30002]

    /// Runs the history, the last run and the clean run, and records every broken property as a test issue.
    func check() async throws {
        var rng = GraphSeededGenerator(seed: seed)
        var model = Model()
        var steps: [String] = []
        let scenario = try await Scenario(psa: psa, editYAML: settings)
        defer { Task { await scenario.stop() } }
        let tenant = scenario.tenant("Contoso")
        let graph = scenario.running.graph
        let stepCount = 3 + Int(rng.next() % 6)
        for _ in 0..<stepCount {
            let changes = 1 + Int(rng.next() % 3)
            for _ in 0..<changes {
                steps.append(try await Self.changeMicrosoft(&model, graph: graph, tenant: tenant, rehires: !onChange, rng: &rng))
            }
            if rng.next() % 3 == 0 { steps.append(try await Self.editPSA(&model, scenario, titles: !onChange, rng: &rng)) }
            steps.append(try await Self.act(scenario, rng: &rng))
        }
        // The last run: no faults; a hold it makes is approved.
        await scenario.psaControl.clearFaults()
        let last = try await scenario.run("Contoso", RunOptions(mode: .full))
        steps.append("last run \(last.runId): \(last.status.rawValue)")
        if last.status == .held {
            let approved = try await scenario.engine.approve(company: "Contoso", runId: last.runId, by: "property")
            steps.append("approve \(last.runId): \(approved.status.rawValue)")
        }
        let story = "seed \(seed) (\(psa)):\n  " + steps.joined(separator: "\n  ")
        var problems = try await compare(scenario, with: model)
        problems += try await Self.explanations(scenario)
        for problem in problems { Issue.record("\(problem)\n\(story)") }
    }

    // MARK: The history's steps

    static func changeMicrosoft(
        _ model: inout Model, graph: GraphEmulator, tenant: String, rehires: Bool, rng: inout GraphSeededGenerator
    ) async throws -> String {
        let ids = model.users.keys.sorted()
        let pick = ids.isEmpty ? nil : ids[Int(rng.next() % UInt64(ids.count))]
        switch rng.next() % 10 {
        case 0, 1:
            guard let id = pick else { return "no user to change" }
            let title = titles[Int(rng.next() % UInt64(titles.count))]
            try await graph.updateUser(id, in: tenant) { $0.jobTitle = title }
            model.users[id]?.jobTitle = title
            return "title of \(id) = \(title)"
        case 2:
            guard let id = pick else { return "no user to change" }
            let phone = phones[Int(rng.next() % UInt64(phones.count))]
            let mobile = rng.next() % 2 == 0
            try await graph.updateUser(id, in: tenant) { if mobile { $0.mobilePhone = phone } else { $0.businessPhones = [phone] } }
            if mobile { model.users[id]?.mobilePhone = phone } else { model.users[id]?.businessPhones = [phone] }
            return "\(mobile ? "mobile" : "phone") of \(id) = \(phone)"
        case 3:
            guard let id = pick, let user = model.users[id] else { return "no user to change" }
            let licensed = !user.assignedLicenses.isEmpty
            let licenses = licensed ? [] : [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)]
            try await graph.updateUser(id, in: tenant) { $0.assignedLicenses = licenses }
            model.users[id]?.assignedLicenses = licenses
            return "\(licensed ? "unlicense" : "license") \(id)"
        case 4:
            guard let id = pick, let user = model.users[id] else { return "no user to change" }
            let enabled = !(user.accountEnabled ?? true)
            try await graph.updateUser(id, in: tenant) { $0.accountEnabled = enabled }
            model.users[id]?.accountEnabled = enabled
            return "\(enabled ? "enable" : "disable") \(id)"
        case 5:
            if let restore = model.softDeleted.keys.sorted().first, rng.next() % 2 == 0 {
                try await graph.restore(restore, in: tenant)
                model.users[restore] = model.softDeleted.removeValue(forKey: restore)
                return "restore \(restore)"
            }
            guard let id = pick else { return "no user to delete" }
            try await graph.softDelete(id, in: tenant)
            model.softDeleted[id] = model.users.removeValue(forKey: id)
            return "soft-delete \(id)"
        case 6:
            guard let id = pick else { return "no user to delete" }
            try await graph.hardDelete(id, in: tenant)
            model.hardDeleted.append(model.users.removeValue(forKey: id)!)
            return "hard-delete \(id)"
        case 7:
            // A returning person: a user deleted for good comes back as a new user with the same address (R4.6).
            guard rehires, !model.hardDeleted.isEmpty else { return "nobody to bring back" }
            var user = model.hardDeleted.removeFirst()
            model.hires += 1
            user.id = String(format: "c1%06d-0000-4000-8000-%012d", model.hires, model.hires)
            try await graph.upsertUser(user, in: tenant)
            model.users[user.id] = user
            return "rehire \(user.userPrincipalName) as \(user.id)"
        default:
            model.hires += 1
            let n = model.hires
            let upn = "new.hire\(n)@contoso.com"
            let user = GraphUser(
                id: String(format: "c1%06d-0000-4000-8000-%012d", n, n), userPrincipalName: upn, displayName: "New Hire\(n)",
                givenName: "New", surname: "Hire\(n)", mail: upn, jobTitle: titles[n % titles.count], businessPhones: [phones[n % phones.count]],
                accountEnabled: true, assignedLicenses: [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)],
                department: "Sales")
            try await graph.upsertUser(user, in: tenant)
            model.users[user.id] = user
            model.emails.insert(upn)
            return "hire \(upn)"
        }
    }

    static func editPSA(
        _ model: inout Model, _ scenario: Scenario, titles: Bool, rng: inout GraphSeededGenerator
    ) async throws -> String {
        let contacts = await scenario.contacts("Contoso")
        guard !contacts.isEmpty else { return "no contact to edit" }
        let contact = contacts[Int(rng.next() % UInt64(contacts.count))]
        let fixture = fixtureIds.contains(contact.id)
        switch rng.next() % 4 {
        case 0, 1:
            let typed = "Typed in the PSA \(rng.next() % 100)"
            guard titles else {
                try await scenario.editInPSA(contact.id, lastName: typed)
                if fixture { model.fixtureLastNames[contact.id] = typed }
                return "PSA: last name of \(contact.id) = \(typed)"
            }
            try await scenario.editInPSA(contact.id, title: typed)
            if fixture { model.fixtureTitles[contact.id] = typed }
            return "PSA: title of \(contact.id) = \(typed)"
        case 2:
            try await scenario.deactivateInPSA(contact.id)
            if fixture { model.fixtureInactive.insert(contact.id) }
            return "PSA: deactivate \(contact.id)"
        default:
            // One deletion at a time, and never the last matched contacts (that is R8.6's case, tested on its own).
            guard contacts.filter(\.active).count > 3 else { return "PSA: nothing deleted" }
            _ = await scenario.deleteInPSA(contact.id)
            if fixture { model.fixtureDeleted.insert(contact.id) }
            return "PSA: delete \(contact.id)"
        }
    }

    static func act(_ scenario: Scenario, rng: inout GraphSeededGenerator) async throws -> String {
        switch rng.next() % 8 {
        case 0:
            let plan = try await scenario.run("Contoso", RunOptions(dryRun: true))
            return "plan \(plan.runId): \(plan.planned) commands"
        case 1, 2:
            // A write fails: refused (a 400), or lost (the connection drops, so the write is in doubt).
            let lost = rng.next() % 2 == 0
            let path = scenario.psa == .autotask ? "Companies/\(SampleMSP.contosoCompanyId)/Contacts" : "company/contacts/"
            let effect: Fault.Effect = lost ? .drop : .status(code: 400, retryAfter: nil, body: nil)
            await scenario.psaControl.inject(Fault(effect, pathContains: path, count: 1, after: Int(rng.next() % 3)))
            let run = try await scenario.run("Contoso")
            await scenario.psaControl.clearFaults()
            return "run \(run.runId) with a \(lost ? "lost" : "refused") write: \(run.status.rawValue), \(run.failed) failed"
        case 3:
            let run = try await scenario.run("Contoso", RunOptions(mode: .full))
            return "full run \(run.runId): \(run.status.rawValue)"
        default:
            let run = try await scenario.run("Contoso")
            var line = "run \(run.runId): \(run.status.rawValue)"
            if run.status == .held, rng.next() % 2 == 0 {
                let approved = try await scenario.engine.approve(company: "Contoso", runId: run.runId, by: "property")
                line += "; approve: \(approved.status.rawValue)"
            }
            return line
        }
    }

    // MARK: The checks

    /// What one contact looks like, less its id.
    static func shape(_ c: HeldContact) -> String {
        "\(c.email?.lowercased() ?? "-")|\(c.firstName)|\(c.lastName ?? "-")|\(c.title ?? "-")|\(c.phone ?? "-")|\(c.mobile ?? "-")"
            + "|site \(c.siteId.map(String.init) ?? "-")|types \(c.typeIds.sorted())|\(c.active ? "active" : "inactive")"
    }

    /// The history's PSA against a clean run from the final Microsoft 365 state and the same PSA edits: the active
    /// contacts must be the same, and no email may be on two contacts.
    func compare(_ scenario: Scenario, with model: Model) async throws -> [String] {
        var problems: [String] = []
        let contacts = await scenario.contacts("Contoso")
        for email in model.emails.sorted() {
            let holders = contacts.filter { $0.email?.lowercased() == email }
            if holders.count > 1 { problems.append("\(holders.count) contacts for \(email): \(holders.map(\.id))") }
        }
        var contoso = SampleMSP.contoso()
        contoso.users = model.users.values.sorted { $0.id < $1.id }
        var autotask = SampleMSP.autotask()
        var connectwise = SampleMSP.connectwise()
        autotask.contacts.removeAll { model.fixtureDeleted.contains($0.id) }
        connectwise.contacts.removeAll { model.fixtureDeleted.contains($0.id) }
        for i in autotask.contacts.indices {
            let id = autotask.contacts[i].id
            if let title = model.fixtureTitles[id] { autotask.contacts[i].title = title }
            if let name = model.fixtureLastNames[id] { autotask.contacts[i].lastName = name }
            if model.fixtureInactive.contains(id) { autotask.contacts[i].isActive = 0 }
        }
        for i in connectwise.contacts.indices {
            let id = connectwise.contacts[i].id
            if let title = model.fixtureTitles[id] { connectwise.contacts[i].title = title }
            if let name = model.fixtureLastNames[id] { connectwise.contacts[i].lastName = name }
            if model.fixtureInactive.contains(id) { connectwise.contacts[i].inactiveFlag = true }
        }
        let clean = try await Scenario(
            psa: psa, tenants: [contoso, SampleMSP.fabrikam()], autotask: autotask, connectwise: connectwise, editYAML: settings)
        defer { Task { await clean.stop() } }
        let first = try await clean.run("Contoso")
        if first.status == .held { _ = try await clean.engine.approve(company: "Contoso", runId: first.runId) }
        // By email, not id: a clean PSA without a deleted fixture contact may give its id to a new contact.
        let adele = Scenario.upn("Adele", "Vance", "Contoso")
        let compared = { (c: HeldContact) in c.active && !(onChange && c.email?.lowercased() == adele) }
        let expected = await clean.contacts("Contoso").filter(compared).map(Self.shape).sorted()
        let actual = contacts.filter(compared).map(Self.shape).sorted()
        if expected != actual {
            let missing = Set(expected).subtracting(actual).sorted()
            let extra = Set(actual).subtracting(expected).sorted()
            problems.append("the PSA differs from a clean run's:\n    missing \(missing)\n    extra   \(extra)")
        }
        return problems
    }

    /// Every write has a plan with reasons, each plan is what the planner makes from the log just before it was
    /// recorded, and its reasons hold in that state.
    static func explanations(_ scenario: Scenario) async throws -> [String] {
        let log = scenario.engine.log(for: "Contoso")
        let events = try await scenario.events("Contoso")
        var problems: [String] = []
        var planned: [String: Command] = [:]
        var firstDecision: [String: Int64] = [:]
        var recorded: [String: [Command]] = [:]
        for envelope in events {
            let runId: String?
            switch envelope.event {
            case .contactMatched(let e): runId = e.runId
            case .matchEnded(let e): runId = e.runId
            case .commandPlanned(let e):
                runId = e.runId
                planned["\(e.runId)/\(e.command.id)"] = e.command
                recorded[e.runId, default: []].append(e.command)
            case .commandSucceeded(let e):
                runId = nil
                if (planned["\(e.runId)/\(e.commandId)"]?.reasons ?? []).isEmpty {
                    problems.append("run \(e.runId) wrote \(e.commandId) with no planned reason")
                }
            default: runId = nil
            }
            if let runId, firstDecision[runId] == nil { firstDecision[runId] = envelope.position }
        }
        let limits: PSAFieldLimits = scenario.psa == .autotask ? .autotask : .connectwise
        let defaultType = scenario.psa == .connectwise ? "Employee" : nil
        for (runId, position) in firstDecision.sorted(by: { $0.value < $1.value }) {
            let state = try await log.state(through: position - 1)
            guard let settings = state.settings else { continue }
            let plan = Planner.plan(
                state: state, settings: settings, settingsVersion: state.settingsVersion, limits: limits,
                connectionDefaultContactType: defaultType)
            let again = Dictionary(plan.commands.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for command in recorded[runId] ?? [] {
                guard let replanned = again[command.id] else {
                    problems.append("run \(runId) planned \(command.id), which the log before it does not call for")
                    continue
                }
                if replanned != command {
                    problems.append("run \(runId) planned \(command.id) as \(command.ruleIds) \(command.changes), the log before it gives \(replanned.ruleIds) \(replanned.changes)")
                }
                problems += truth(of: command, in: state, run: runId)
            }
        }
        return problems
    }

    /// Checks a command's reasons against the state it was planned from, without the planner.
    static func truth(of c: Command, in state: CompanyState, run: String) -> [String] {
        var problems: [String] = []
        let user = c.userId.flatMap { state.directory.users[$0] }
        let contact = c.contactId.flatMap { state.psa.contacts[$0]?.contact }
        func wrong(_ rule: String, _ why: String) { problems.append("run \(run), \(c.id): \(rule) is false: \(why)") }
        for rule in c.ruleIds {
            switch rule {
            case "R5.1":
                guard let user, let settings = state.settings else { break }
                let email = Scope.normalized(Scope.contactEmail(user.user, useEmail: settings.useEmail))
                for (id, r) in state.psa.contacts where !r.missing && r.contact.emails.map(Scope.normalized).contains(email) {
                    let holder = state.matches.byContact[id]
                    let gone = holder.flatMap { state.directory.users[$0]?.removal }.map { $0 == .deleted || $0 == .notFound } ?? false
                    if holder == nil || holder == user.user.id || gone { wrong(rule, "contact \(id) has \(email) and is free") }
                }
            case "R9.1":
                if contact?.isActive != false { wrong(rule, "the contact is not inactive") }
                if user?.eligibility.isEligible != true { wrong(rule, "the user is not eligible") }
            case "R8.1":
                if contact?.isActive != true { wrong(rule, "the contact is not active") }
                if user?.eligibility.isEligible == true, state.assignments.byUser[c.userId ?? ""] != nil {
                    wrong(rule, "the user is eligible and in scope")
                }
            case "R6.2", "R6.6":
                for change in c.changes {
                    guard let field = SyncedField(rawValue: change.field), let contact else { continue }
                    if Planner.psaValue(field, of: contact) != change.from { wrong(rule, "\(field) was not \(change.from ?? "blank")") }
                    if change.from == change.to { wrong(rule, "\(field) does not change") }
                }
            case "R6.8":
                if state.failedWrites[c.id] == nil { wrong(rule, "no earlier write of \(c.id) failed") }
            case "R4.6":
                let previous = c.contactId.flatMap { state.matches.byContact[$0] }
                let removal = previous.flatMap { state.directory.users[$0]?.removal }
                if removal != .deleted && removal != .notFound { wrong(rule, "the contact's user is not gone for good") }
            default:
                break
            }
        }
        return problems
    }
}

extension Scenario {
    /// Sets a contact inactive in the PSA behind Rollcall's back.
    func deactivateInPSA(_ contactId: Int) async throws {
        switch psa {
        case .autotask: _ = try await running.autotask.editContact(id: contactId, ["isActive": .int(0)])
        case .connectwise: try await running.connectwise.editContact(id: contactId) { $0.inactiveFlag = true }
        }
    }
}
