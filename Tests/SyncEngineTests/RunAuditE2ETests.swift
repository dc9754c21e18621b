// End to end over loopback, for both PSAs: deactivation (R8.1–R8.3), reactivation (R9), runs (R11) and audit (R12).

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("R8, R9, R11 and R12 end to end")
struct RunAuditE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]

    @Test("R8.2 e2e: a contact never matched is never touched, even when it carries an ineligible user's email", arguments: psas)
    func unmatchedUntouched(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let joni = await scenario.addInPSA("Contoso", first: "Joni", last: "Sherman", email: Scenario.upn("Joni", "Sherman", "Contoso"))
        try await scenario.run("Contoso")
        try await scenario.running.graph.removeLicenses(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso"))
        try await scenario.run("Contoso", RunOptions(mode: .full))
        let contacts = await scenario.contacts("Contoso")
        #expect(contacts.first { $0.id == joni }?.active == true)       // Joni is unlicensed but was never matched
        #expect(contacts.first { $0.id == 30002 }?.active == true)      // the front desk
        #expect(contacts.first { $0.id == 30002 }?.firstName == "Front")
        let touched = try await scenario.events("Contoso").compactMap { envelope -> Int? in
            if case .commandAttempted(let a) = envelope.event { return a.contactId } else { return nil }
        }
        #expect(!touched.contains(joni))
        #expect(!touched.contains(30002))
    }

    @Test("R8.3 e2e: contacts are never deleted", arguments: psas)
    func neverDeleted(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let before = await scenario.contacts("Contoso").count
        let graph = scenario.running.graph
        try await graph.hardDelete(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso"))
        try await graph.softDelete(Scenario.userId("Contoso", 2), in: scenario.tenant("Contoso"))
        let second = try await scenario.run("Contoso")
        #expect(second.deactivated == 2)
        #expect(await scenario.contacts("Contoso").count == before)
        let deletes = await scenario.psaControl.requestCounts().filter { $0.key.hasPrefix("DELETE") && $0.key.lowercased().contains("contacts/") && !$0.key.contains("communications") && !$0.key.contains("typeAssociations") }
        #expect(deletes.isEmpty, "\(deletes)")
    }

    @Test("R9.1 e2e: a returning user reactivates their contact, updated in the same write", arguments: psas)
    func reactivate(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        let tenant = scenario.tenant("Contoso")
        try await graph.disable(Scenario.userId("Contoso", 1), in: tenant)
        #expect(try await scenario.run("Contoso").deactivated == 1)
        try await graph.updateUser(Scenario.userId("Contoso", 1), in: tenant) {
            $0.accountEnabled = true
            $0.jobTitle = "Marketing Lead"
        }
        let third = try await scenario.run("Contoso")
        #expect(third.reactivated == 1)
        let alex = try #require(await scenario.only("Contoso", "Alex", "Wilber"))
        #expect(alex.active)
        #expect(alex.title == "Marketing Lead")
        let commands = try await scenario.events("Contoso", run: third.runId).compactMap { envelope -> Command? in
            if case .commandPlanned(let p) = envelope.event { return p.command } else { return nil }
        }
        #expect(commands.count == 1)                // one write: reactivation and the new title together
        #expect(commands.first?.kind == .reactivate)
    }

    @Test("R11.3 e2e: a full run re-reads both sides, and sees a contact deleted in the PSA", arguments: psas)
    func fullRun(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let megan = try #require(await scenario.only("Contoso", "Megan", "Bowen"))
        #expect(await scenario.deleteInPSA(megan.id))
        let delta = try await scenario.run("Contoso")
        let deltaEvents = try await scenario.events("Contoso", run: delta.runId)
        #expect(deltaEvents.of(PsaContactMissing.eventType).isEmpty)
        let full = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(full.mode == .full)
        let events = try await scenario.events("Contoso", run: full.runId)
        let reads = events.compactMap { envelope -> DirectoryReadMode? in
            if case .directoryReadCompleted(let d) = envelope.event { return d.mode } else { return nil }
        }
        #expect(reads == [.full])
        #expect(events.contains { if case .psaReadCompleted(let r) = $0.event { r.mode == .full } else { false } })
        #expect(events.contains { if case .psaContactMissing(let m) = $0.event { m.contactId == megan.id } else { false } })
        #expect(full.usersObserved == 0)            // nothing changed in Microsoft 365: nothing new appended
    }

    @Test("R11.2 e2e: a PSA edit made while a run writes is seen by the next incremental run", arguments: psas)
    func editDuringRun(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) { $0.jobTitle = "CPO" }
        // The run's write lands more than a second after the technician's edit, so it is stamped later.
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        let writePath = psa == .autotask ? "Companies/\(SampleMSP.contosoCompanyId)/Contacts" : "contacts/\(lidia.id)"
        await scenario.psaControl.inject(Fault(.delay(seconds: 1.2), pathContains: writePath, count: 1))
        let second = Task { try await scenario.run("Contoso") }
        var attempted = false
        for _ in 0..<400 where !attempted {
            attempted = try await scenario.events("Contoso", run: "2").contains { $0.event.typeName == CommandAttempted.eventType }
            if !attempted { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(attempted)
        try await scenario.editInPSA(30002, title: "Edited mid-run")
        #expect(try await second.value.status == .completed)
        try await scenario.run("Contoso")
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.psa.contacts[30002]?.contact.title == "Edited mid-run")
    }

    @Test("R11.4 e2e: a second run of a company while one is going refuses, and nothing is written twice", arguments: psas)
    func overlappingRuns(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        await scenario.psaControl.inject(Fault(.delay(seconds: 0.3), count: 3))   // keeps the first run busy
        @Sendable func attempt() async -> Result<RunSummary, any Error> {
            do { return .success(try await scenario.run("Contoso", RunOptions(lockWait: .zero))) } catch { return .failure(error) }
        }
        async let first = attempt()
        async let second = attempt()
        let results = await [first, second]
        let done = results.compactMap { try? $0.get() }
        let refused = results.compactMap { result -> RunLockError? in
            if case .failure(let error) = result { return error as? RunLockError } else { return nil }
        }
        #expect(done.count == 1)
        #expect(refused.count == 1)
        #expect(refused.first?.company == "Contoso")
        #expect(done.first?.created == 7)
        #expect(await scenario.contacts("Contoso").count == 9)
        let creates = try await scenario.events("Contoso").filter {
            if case .commandSucceeded(let s) = $0.event { s.kind == .create } else { false }
        }
        #expect(creates.count == 7)
    }

    @Test("R11.4 e2e: a second run waits for the first, then finds nothing to do", arguments: psas)
    func waitingRun(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        await scenario.psaControl.inject(Fault(.delay(seconds: 0.2), count: 2))
        async let first = scenario.run("Contoso", RunOptions(lockWait: .seconds(30)))
        async let second = scenario.run("Contoso", RunOptions(lockWait: .seconds(30)))
        let (a, b) = try await (first, second)
        #expect(a.created + b.created == 7)
        #expect(Set([a.runId, b.runId]) == ["1", "2"])
        #expect(await scenario.contacts("Contoso").count == 9)
    }

    @Test("R11.5 e2e: a disabled company observes nothing and writes nothing", arguments: psas)
    func disabledCompany(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "enabled", "false") }
        defer { Task { await scenario.stop() } }
        let before = await scenario.requests()
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .skipped)
        let after = await scenario.requests()
        #expect(after.graph == before.graph)
        #expect(after.psa == before.psa)
        #expect(try await scenario.events("Contoso").isEmpty)
        #expect(await scenario.contacts("Contoso").count == 2)
    }

    @Test("R12.1 e2e: every PSA write is planned, attempted and succeeded in the log, naming rules, positions and settings version",
          arguments: psas)
    func audit(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await scenario.running.graph.disable(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso"))
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) { $0.jobTitle = "CPO" }
        try await scenario.run("Contoso")
        let events = try await scenario.events("Contoso")
        let positions = Set(events.map(\.position))
        let settingsVersion = try await scenario.engine.log(for: "Contoso").currentState().settingsVersion
        #expect(settingsVersion == 1)
        var planned: [String: (Int64, Command)] = [:]
        var attempted: [String: Int64] = [:]
        var succeeded: [String: Int64] = [:]
        for envelope in events {
            switch envelope.event {
            case .commandPlanned(let p): planned["\(p.runId)/\(p.command.id)"] = (envelope.position, p.command)
            case .commandAttempted(let a): attempted["\(a.runId)/\(a.commandId)"] = envelope.position
            case .commandSucceeded(let s): succeeded["\(s.runId)/\(s.commandId)"] = envelope.position
            default: break
            }
        }
        #expect(succeeded.count == 7 + 1 + 2)       // creates, Adele's reactivation; then one deactivation and one update
        #expect(Set(succeeded.keys) == Set(planned.keys))
        for (key, done) in succeeded {
            let (at, command) = try #require(planned[key])
            let tried = try #require(attempted[key], "\(key) has no CommandAttempted")
            #expect(at < tried && tried < done)
            #expect(!command.ruleIds.isEmpty)
            #expect(!command.positions.isEmpty, "\(key) names no observation")
            #expect(command.positions.allSatisfy { positions.contains($0) && $0 < at })
            #expect(command.settingsVersion == settingsVersion)
        }
        if psa == .autotask { #expect(await scenario.psaWrites() == succeeded.count) }   // one HTTP write per command
    }

    @Test("R12.2 e2e: why a contact is inactive is told from the log alone", arguments: psas)
    func why(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await scenario.running.graph.removeLicenses(Scenario.userId("Contoso", 2), in: scenario.tenant("Contoso"))
        try await scenario.run("Contoso")
        let megan = try #require(await scenario.only("Contoso", "Megan", "Bowen"))
        #expect(megan.active == false)
        // A fresh store on the same file: nothing but the log.
        let store = try EventStore(path: scenario.database)
        var events: [EventEnvelope] = []
        for try await envelope in CompanyLog(store: store, company: "Contoso").envelopes() { events.append(envelope) }
        let story = Explainer().story(of: .contact(megan.id), in: events)
        let deactivation = story.filter { $0.ruleIds.contains("R8.1") }
        #expect(!deactivation.isEmpty, "\(story.map(\.text))")
        #expect(deactivation.contains { $0.text.contains("lost its last license") }, "\(story.map(\.text))")
        #expect(story.map(\.position) == story.map(\.position).sorted())
        let byEmail = Explainer().story(of: .email(Scenario.upn("Megan", "Bowen", "Contoso").uppercased()), in: events)
        #expect(byEmail.contains { $0.ruleIds.contains("R8.1") })
    }
}
