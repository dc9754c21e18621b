// End to end over loopback, for both PSAs: the log a crash leaves (writes attempted with no outcome) and a run
// cancelled mid-apply; the next run never makes a duplicate contact and leaves no write without an outcome.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Crash safety end to end")
struct CrashSafetyE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]
    static let nina = "c0099999-0000-4000-8000-000000099999"

    /// Adds Nina New to Contoso's tenant.
    static func hireNina(_ scenario: Scenario) async throws {
        try await scenario.running.graph.upsertUser(GraphUser(
            id: nina, userPrincipalName: "nina.new@contoso.com", givenName: "Nina", surname: "New",
            mail: "nina.new@contoso.com", jobTitle: "Analyst",
            assignedLicenses: [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)]), in: scenario.tenant("Contoso"))
    }

    /// Appends what a run that died between committing its attempt and hearing the PSA leaves: a start, the command's
    /// plan and its attempt, no outcome and no end. Returns the crashed run's id.
    static func crashedRun(_ scenario: Scenario, command: Command) async throws -> String {
        let log = scenario.engine.log(for: "Contoso")
        let state = try await log.currentState()
        let runId = RunNumber.nextId(dryRun: false, lastRun: state.lastRunNumber, lastPlan: state.lastPlanNumber)
        try await log.append([
            .runStarted(RunStarted(runId: runId, trigger: .manual, mode: .delta, settingsVersion: state.settingsVersion)),
            .commandPlanned(CommandPlanned(runId: runId, command: command)),
            .commandAttempted(CommandAttempted(
                runId: runId, commandId: command.id, userId: command.userId, contactId: command.contactId, write: command.write!)),
        ], idPrefix: "Contoso/\(runId)/crash", correlationId: runId)
        return runId
    }

    /// Every attempted write has an outcome, nothing is in doubt, and the log's hash chain holds.
    static func expectSettled(_ scenario: Scenario) async throws {
        let events = try await scenario.events("Contoso")
        var open = Set<String>()
        for envelope in events {
            switch envelope.event {
            case .commandAttempted(let a): open.insert("\(a.runId)/\(a.commandId)")
            case .commandSucceeded(let s): open.remove("\(s.runId)/\(s.commandId)")
            case .commandFailed(let f): open.remove("\(f.runId)/\(f.commandId)")
            default: break
            }
        }
        #expect(open.isEmpty, "writes with no outcome: \(open.sorted())")
        #expect(try await scenario.engine.log(for: "Contoso").currentState().inDoubt.isEmpty)
        #expect(try await scenario.store.verify().isIntact)
    }

    @Test("crash after an attempted create: no duplicate contact, whether or not the PSA got it",
          arguments: psas, [true, false])
    func createInDoubt(psa: SampleMSP.PSA, reachedPSA: Bool) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await Self.hireNina(scenario)
        let dry = try await scenario.run("Contoso", RunOptions(dryRun: true))
        let create = try #require(dry.plan?.commands.first { $0.userId == Self.nina && $0.kind == .create })
        _ = try await Self.crashedRun(scenario, command: create)
        var reached: Int?
        if reachedPSA {
            reached = await scenario.addInPSA("Contoso", first: "Nina", last: "New", email: "nina.new@contoso.com")
        }

        let next = try await scenario.run("Contoso")
        #expect(next.status == .completed)
        #expect(next.created == (reachedPSA ? 0 : 1))
        let ninas = await scenario.contact("Contoso", email: "nina.new@contoso.com")
        #expect(ninas.count == 1)
        if let reached { #expect(ninas.first?.id == reached) }
        #expect(ninas.first?.title == "Analyst")
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.matches.byUser[Self.nina]?.contactId == ninas.first?.id)
        try await Self.expectSettled(scenario)
        try await scenario.run("Contoso")
        #expect(await scenario.contact("Contoso", email: "nina.new@contoso.com").count == 1)
    }

    @Test("crash after an attempted update: the contact is read again and ends as Microsoft 365 says",
          arguments: psas, [true, false])
    func updateInDoubt(psa: SampleMSP.PSA, reachedPSA: Bool) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Head of Product"
        }
        let dry = try await scenario.run("Contoso", RunOptions(dryRun: true))
        let update = try #require(dry.plan?.commands.first { $0.contactId == lidia.id && $0.kind == .update })
        let crashed = try await Self.crashedRun(scenario, command: update)
        if reachedPSA { try await scenario.editInPSA(lidia.id, title: "Head of Product") }

        let next = try await scenario.run("Contoso")
        #expect(next.status == .completed)
        #expect(next.updated == (reachedPSA ? 0 : 1))
        let after = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(after.id == lidia.id)
        #expect(after.title == "Head of Product")
        #expect(await scenario.contacts("Contoso").count == 9)
        let failed = try await scenario.events("Contoso").contains {
            if case .commandFailed(let f) = $0.event { f.runId == crashed && f.kind == "inDoubt" } else { false }
        }
        #expect(failed)
        try await Self.expectSettled(scenario)
    }

    @Test("a run cancelled mid-apply, run again: exactly one contact per user", arguments: psas)
    func cancelledRun(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        await scenario.psaControl.inject(Fault(.delay(seconds: 0.25), count: nil))
        let run = Task { try await scenario.run("Contoso") }
        var attempted = false
        for _ in 0..<400 where !attempted {
            attempted = try await scenario.store.events(EventQuery(company: "Contoso", types: [CommandAttempted.eventType])).collect().count > 0
            if !attempted { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(attempted)
        run.cancel()
        let outcome = await run.result
        if case .success(let summary) = outcome { #expect(summary.status != .completed || summary.created == 7) }
        await scenario.psaControl.clearFaults()
        await scenario.psaControl.delayedRequestsLanded()   // writes the emulator was still delaying land, as a slow PSA's would

        let ended = try await scenario.events("Contoso", run: "1").contains {
            if case .runFailed(let f) = $0.event { f.kind == "cancelled" } else { false }
        }
        #expect(ended, "the cancelled run records its end")

        let next = try await scenario.run("Contoso")
        #expect(next.status == .completed)
        let contacts = await scenario.contacts("Contoso")
        #expect(contacts.count == 9)
        let emails = contacts.compactMap { $0.email?.lowercased() }
        #expect(Set(emails).count == emails.count)
        for index in 0..<8 {
            let users = try await scenario.engine.log(for: "Contoso").currentState().directory.users
            let upn = try #require(users[Scenario.userId("Contoso", index)]?.user.userPrincipalName)
            #expect(await scenario.contact("Contoso", email: upn).count == 1, "\(upn)")
        }
        try await Self.expectSettled(scenario)
    }
}
