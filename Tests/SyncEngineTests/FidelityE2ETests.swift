// End to end over loopback: what a technician reads is true to what happened. Summaries count what a run acted on
// (not only what was new to the log), plans are numbered apart from runs, filters are counted from 1 and named, an
// unknown group is refused like an unknown license, and `why` tells what did not happen too.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Fidelity of summaries, numbering and why, end to end")
struct FidelityE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]
    static let lidia = 3

    @Test("a run's summary counts the users and contacts it acted on, though a plan logged their changes first", arguments: psas)
    func summaryCountsActedOn(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let first = try await scenario.run("Contoso")
        #expect(first.usersActedOn == first.created + first.reactivated)
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", Self.lidia), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Marketing Lead"
        }
        let plan = try await scenario.run("Contoso", RunOptions(dryRun: true))
        #expect(plan.usersObserved == 1)
        #expect(plan.usersActedOn == 1)
        #expect(plan.contactsActedOn == 1)

        let run = try await scenario.run("Contoso")
        #expect(run.updated == 1)
        #expect(run.usersObserved == 0, "the plan already logged Lidia's change")
        #expect(run.usersActedOn == 1)
        #expect(run.contactsActedOn == 1)
        let idle = try await scenario.run("Contoso")
        #expect(idle.usersActedOn == 0 && idle.contactsActedOn == 0)
    }

    @Test("plans are numbered apart from runs: plan 1, run 1, plan 2, run 2")
    func plansNumberedApart() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        let ids = [
            try await scenario.run("Contoso", RunOptions(dryRun: true)).runId,
            try await scenario.run("Contoso").runId,
            try await scenario.run("Contoso", RunOptions(dryRun: true)).runId,
            try await scenario.run("Contoso").runId,
        ]
        #expect(ids == ["plan-1", "1", "plan-2", "2"])
        #expect(ids.map(RunNumber.label) == ["plan 1", "run 1", "plan 2", "run 2"])
        let started = try await scenario.events("Contoso").compactMap { envelope -> String? in
            if case .runStarted(let r) = envelope.event { return r.runId } else { return nil }
        }
        #expect(started == ids)
    }

    @Test("filters are counted from 1 and named by kind and value in plan reasons")
    func filtersNamedInReasons() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        let plan = try #require(try await scenario.run("Fabrikam", RunOptions(dryRun: true)).plan)
        let debra = Scenario.userId("Fabrikam", 4)
        let because = plan.commands.filter { $0.userId == debra }.flatMap(\.reasons).map(\.because).joined(separator: "; ")
        #expect(because.contains("first matching filter is filter 3, license EXCHANGESTANDARD"), "\(because)")
    }

    @Test("R2.2: a filter naming a group the tenant lacks is refused as settings, naming the filter and listing the groups",
          arguments: psas)
    func unknownGroupRefused(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.filters(yaml, company: "Fabrikam", ["{ allLicensed: true, site: Main }", "{ group: Managment, site: New Site }"])
        }
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.status == .badSettings)
        let message = summary.message ?? ""
        #expect(message.contains("filter 2, group Managment: names group \"Managment\""), "\(message)")
        #expect(message.contains("Its groups are: Management"), "\(message)")
        #expect(await scenario.contacts("Fabrikam").isEmpty, "nothing was written")
        let failed = try await scenario.events("Fabrikam").compactMap { envelope -> RunFailed? in
            if case .runFailed(let f) = envelope.event { return f } else { return nil }
        }
        #expect(failed.map(\.kind) == ["settings"])
    }

    @Test("R2.3: why tells that a user no filter catches is left out, filter by filter; plan --skipped lists them")
    func whyLeftOut() async throws {
        let scenario = try await Scenario(psa: .autotask) { yaml in
            YAML.filters(yaml, company: "Fabrikam", ["{ group: Management, site: New Site }", "{ license: EXCHANGESTANDARD, site: Site 2 }"])
        }
        defer { Task { await scenario.stop() } }
        _ = try await scenario.run("Fabrikam")
        let events = try await scenario.events("Fabrikam")
        let story = Explainer().story(of: .email(Scenario.upn("Johanna", "Lorenz", "Fabrikam")), in: events)
        let leftOut = try #require(story.last)
        #expect(leftOut.ruleIds == ["R2.3"])
        #expect(leftOut.text.contains("is left out: no filter catches them"), "\(leftOut.text)")
        #expect(leftOut.text.contains("filter 1, group Management: they are not a member of group Management"), "\(leftOut.text)")
        #expect(leftOut.text.contains("filter 2, license EXCHANGESTANDARD: they hold no EXCHANGESTANDARD license"), "\(leftOut.text)")

        let state = CompanyState.fold(company: "Fabrikam", events)
        let skipped = Standing.leftOut(state).map(\.userPrincipalName)
        #expect(skipped.contains(Scenario.upn("Johanna", "Lorenz", "Fabrikam")))
        #expect(!skipped.contains(Scenario.upn("Miriam", "Graham", "Fabrikam")), "caught by filter 1")
        #expect(!skipped.contains(Scenario.upn("Mallory", "Cortez", "Fabrikam")), "unlicensed: ineligible, not left out by filters")
        let caught = Explainer().story(of: .email(Scenario.upn("Miriam", "Graham", "Fabrikam")), in: events)
        #expect(!caught.contains { $0.ruleIds.contains("R2.3") })
    }

    @Test("R6.6: why tells that an onCreateOnly field is left alone")
    func whyOnCreateOnly() async throws {
        let scenario = try await Scenario(psa: .autotask) { yaml in
            YAML.add(yaml, company: "Contoso", "    fieldPolicy:\n      title: onCreateOnly")
        }
        defer { Task { await scenario.stop() } }
        _ = try await scenario.run("Contoso")
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", Self.lidia), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Marketing Lead"
        }
        let run = try await scenario.run("Contoso")
        #expect(run.updated == 0)
        let story = Explainer().story(of: .email(Scenario.upn("Lidia", "Holloway", "Contoso")), in: try await scenario.events("Contoso"))
        let alone = try #require(story.last)
        #expect(alone.ruleIds == ["R6.6"])
        #expect(alone.text.contains("title is onCreateOnly, so Microsoft 365's \"Marketing Lead\" is left alone"), "\(alone.text)")
        #expect(alone.text.contains("keeps \"Product Manager\""), "\(alone.text)")
    }

    /// Contoso after a run that held two deactivations (its threshold lowered to one), and that run's summary.
    static func heldContoso() async throws -> (Scenario, RunSummary) {
        let scenario = try await Scenario(psa: .autotask) { yaml in
            YAML.set(yaml, company: "Contoso", "deactivationThreshold", "{ count: 1, percent: 1 }")
        }
        _ = try await scenario.run("Contoso")
        for index in [1, 2] {
            try await scenario.running.graph.removeLicenses(Scenario.userId("Contoso", index), in: scenario.tenant("Contoso"))
        }
        return (scenario, try await scenario.run("Contoso"))
    }

    @Test("R8.4: why tells that a contact's deactivation waits for approval, and how to release it")
    func whyHeld() async throws {
        let (scenario, held) = try await Self.heldContoso()
        defer { Task { await scenario.stop() } }
        #expect(held.status == .held)
        let story = Explainer().story(of: .email(Scenario.upn("Alex", "Wilber", "Contoso")), in: try await scenario.events("Contoso"))
        let waiting = try #require(story.last)
        #expect(waiting.ruleIds == ["R8.4"])
        #expect(waiting.text.contains("is held for approval by run \(held.runId)"), "\(waiting.text)")
        #expect(waiting.text.contains("rollcall approve --company \"Contoso\" --run \(held.runId)"), "\(waiting.text)")

        _ = try await scenario.engine.approve(company: "Contoso", runId: held.runId)
        let after = Explainer().story(of: .email(Scenario.upn("Alex", "Wilber", "Contoso")), in: try await scenario.events("Contoso"))
        #expect(!after.contains { $0.text.contains("is held for approval") }, "released once approved")
    }

    @Test("R12.3: an approval is an event that names who approved, and why tells it")
    func approvalNamesThePerson() async throws {
        let (scenario, held) = try await Self.heldContoso()
        defer { Task { await scenario.stop() } }
        #expect(held.status == .held)
        _ = try await scenario.engine.approve(company: "Contoso", runId: held.runId, by: "alice@msp.example")
        let events = try await scenario.events("Contoso")
        let approvals = events.compactMap { envelope -> DeactivationsApproved? in
            if case .deactivationsApproved(let a) = envelope.event { return a } else { return nil }
        }
        #expect(approvals.map(\.approvedBy) == ["alice@msp.example"])
        let story = Explainer().story(of: .email(Scenario.upn("Alex", "Wilber", "Contoso")), in: events)
        #expect(story.contains { $0.ruleIds == ["R8.4"] && $0.text.contains("were approved by alice@msp.example") })
    }
}
