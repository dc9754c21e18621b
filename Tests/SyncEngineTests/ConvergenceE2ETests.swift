// End to end over loopback, for both PSAs: nothing is lost between runs (R6.8), a returning person takes back their
// contact (R4.6), a wrong PSA company changes nobody (R8.6), and a stale hold is not approved.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Convergence end to end")
struct ConvergenceE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]
    static let lidia = 3

    static func onChangeTitle(_ yaml: String) -> String {
        YAML.add(yaml, company: "Contoso", "    fieldPolicy:\n      title: onChange")
    }

    /// The fault that fails the next write to one contact with a 400.
    static func failingWrite(_ scenario: Scenario, contactId: Int) -> Fault {
        let path = scenario.psa == .autotask
            ? "Companies/\(SampleMSP.contosoCompanyId)/Contacts" : "company/contacts/\(contactId)"
        return Fault(.status(code: 400, retryAfter: nil, body: nil), pathContains: path, count: 1)
    }

    @Test("R6.8 e2e: an onChange change that plan showed is written by the next run", arguments: psas)
    func planThenRun(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa, editYAML: Self.onChangeTitle)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", Self.lidia), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Marketing Lead"
        }
        let plan = try await scenario.run("Contoso", RunOptions(dryRun: true))
        let planned = try #require(plan.plan?.commands.first { $0.userId == Scenario.userId("Contoso", Self.lidia) })
        #expect(planned.changes.contains { $0.field == "title" && $0.to == "Marketing Lead" })
        #expect(planned.ruleIds.contains("R6.6"))

        let run = try await scenario.run("Contoso")
        #expect(run.updated == 1)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.title == "Marketing Lead")
        let idle = try await scenario.run("Contoso")
        #expect(idle.updated == 0)
    }

    @Test("R6.8 e2e: a write that failed is planned again, says it is a retry, and lands", arguments: psas)
    func failedWriteRetried(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa, editYAML: Self.onChangeTitle)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", Self.lidia), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Marketing Lead"
        }
        await scenario.psaControl.inject(Self.failingWrite(scenario, contactId: lidia.id))
        let failed = try await scenario.run("Contoso")
        #expect(failed.failed == 1)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.title == lidia.title)

        let plan = try await scenario.run("Contoso", RunOptions(mode: .full, dryRun: true))
        let retry = try #require(plan.plan?.commands.first { $0.contactId == lidia.id })
        #expect(retry.reasons.contains { $0.rule == "R6.8" && $0.because.contains("retry") && $0.because.contains("run \(failed.runId)") })
        let run = try await scenario.run("Contoso")
        #expect(run.updated == 1)
        #expect(run.failed == 0)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.title == "Marketing Lead")
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.failedWrites.isEmpty)
        #expect(state.matches.byUser[Scenario.userId("Contoso", Self.lidia)]?.written[.title] == "Marketing Lead")
    }

    @Test("R6.8 e2e: onChange keeps a PSA edit while Microsoft's value is the one last written", arguments: psas)
    func onChangeKeepsPSAEdit(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa, editYAML: Self.onChangeTitle)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        try await scenario.editInPSA(lidia.id, title: "Typed in the PSA")
        _ = try await scenario.run("Contoso", RunOptions(dryRun: true))
        let run = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(run.updated == 0)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.title == "Typed in the PSA")
    }

    @Test("R4.6 e2e: a user deleted for good and created again takes back its contact, which is reactivated", arguments: psas)
    func returningPerson(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        let tenant = scenario.tenant("Contoso")
        let oldId = Scenario.userId("Contoso", Self.lidia)
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        var user = try await graph.user(oldId, in: tenant)
        try await graph.hardDelete(oldId, in: tenant)
        let gone = try await scenario.run("Contoso")
        #expect(gone.deactivated == 1)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.active == false)

        user.id = "c0088888-0000-4000-8000-000000088888"
        user.jobTitle = "Head of Product"
        try await graph.upsertUser(user, in: tenant)
        let plan = try await scenario.run("Contoso", RunOptions(dryRun: true))
        let command = try #require(plan.plan?.commands.first { $0.userId == user.id })
        #expect(command.kind == .reactivate)
        #expect(command.contactId == lidia.id)
        #expect(command.ruleIds.contains("R4.6"))
        #expect(command.ruleIds.contains("R9.1"))
        #expect(command.ruleIds.contains("R6.2"))
        #expect(!command.ruleIds.contains("R5.1"))

        let back = try await scenario.run("Contoso")
        #expect(back.created == 0)
        #expect(back.reactivated == 1)
        let now = await scenario.contact("Contoso", email: user.userPrincipalName)
        #expect(now.count == 1)
        #expect(now.first?.id == lidia.id)
        #expect(now.first?.active == true)
        #expect(now.first?.title == "Head of Product")
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.matches.byContact[lidia.id] == user.id)
        #expect(state.matches.byUser[oldId] == nil)

        // `why` tells both reasons of the reactivation, and why the contact changed hands.
        let story = Explainer().story(of: .contact(lidia.id), in: try await scenario.events("Contoso"))
        let done = try #require(story.last { $0.text.contains("reactivated") })
        #expect(done.text.contains("eligible and in scope again"))
        #expect(done.text.contains("Microsoft 365 holds a different title"))
        #expect(done.text.contains("takes it back"))
        #expect(done.ruleIds.contains("R4.6"))
    }

    @Test("R8.6 e2e: a psaCompanyId the PSA lacks is refused by name and changes nobody", arguments: psas)
    func unknownCompany(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "psaCompanyId", "999") }
        defer { Task { await scenario.stop() } }
        let before = await scenario.psaWrites()
        let plan = try await scenario.run("Contoso", RunOptions(dryRun: true))
        #expect(plan.status == .failed)
        #expect(plan.message?.contains("no company 999") == true, "\(plan.message ?? "")")
        let run = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(run.status == .failed)
        #expect(run.message?.contains("psaCompanyId") == true)
        #expect(await scenario.psaWrites() == before)
    }

    @Test("R8.6 e2e: a complete read that finds none of the matched contacts changes nobody", arguments: psas)
    func noneOfTheMatched(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let matched = try await scenario.engine.log(for: "Contoso").currentState().matches.byUser.count
        #expect(matched > 0)
        for contact in await scenario.contacts("Contoso") { #expect(await scenario.deleteInPSA(contact.id)) }
        let refused = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(refused.status == .failed)
        #expect(refused.message?.contains("none of the \(matched) contacts") == true, "\(refused.message ?? "")")
        #expect(refused.message?.contains("--accept-missing-contacts") == true)
        let events = try await scenario.events("Contoso", run: refused.runId)
        #expect(!events.contains { if case .psaContactMissing = $0.event { true } else { false } })
        #expect(try await scenario.engine.log(for: "Contoso").currentState().matches.byUser.count == matched)

        let accepted = try await scenario.run("Contoso", RunOptions(mode: .full, acceptMissingContacts: true))
        #expect(accepted.status == .completed)
        #expect(accepted.created == matched)
    }

    @Test("R8.5 e2e: approving a hold whose users are eligible again says so and writes nothing", arguments: psas)
    func staleApproval(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "deactivationThreshold", "{ count: 2, percent: 10 }") }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        let tenant = scenario.tenant("Contoso")
        var skus: [[GraphAssignedLicense]] = []
        for index in 1...3 { skus.append(try await graph.user(Scenario.userId("Contoso", index), in: tenant).assignedLicenses) }
        for index in 1...3 { try await graph.removeLicenses(Scenario.userId("Contoso", index), in: tenant) }
        let held = try await scenario.run("Contoso")
        #expect(held.status == .held)
        for index in 1...3 {
            let licenses = skus[index - 1]
            try await graph.updateUser(Scenario.userId("Contoso", index), in: tenant) { $0.assignedLicenses = licenses }
        }
        try await scenario.run("Contoso")
        let writes = await scenario.psaWrites()
        let count = try await scenario.events("Contoso").count
        do {
            _ = try await scenario.engine.approve(company: "Contoso", runId: held.runId, by: "tech@msp.example")
            Issue.record("a stale hold was approved")
        } catch let error as EngineError {
            #expect(error.message.contains("no longer wanted"), "\(error.message)")
            #expect(error.message.contains("Nothing was approved"))
        }
        #expect(await scenario.psaWrites() == writes)
        #expect(try await scenario.events("Contoso").count == count)
        #expect(await scenario.contacts("Contoso").filter(\.active).count == 9)
    }
}
