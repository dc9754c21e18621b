// End to end over loopback, for both PSAs: eligibility (R1) and scope and assignment (R2), seen from the PSA and the log.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("R1 and R2 end to end")
struct EligibilityScopeE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]

    @Test("R1.1 e2e: only enabled, licensed users get contacts", arguments: psas)
    func onlyEligible(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .completed)
        #expect(await scenario.contact("Contoso", email: Scenario.upn("Joni", "Sherman", "Contoso")).isEmpty)  // unlicensed
        #expect(await scenario.contact("Contoso", email: Scenario.upn("Lee", "Gu", "Contoso")).isEmpty)        // disabled
        for (first, last) in [("Adele", "Vance"), ("Alex", "Wilber"), ("Megan", "Bowen"), ("Lidia", "Holloway"),
                              ("Patti", "Fernandez"), ("Diego", "Siciliani"), ("Grady", "Archie"), ("Isaiah", "Langer")] {
            #expect(await scenario.only("Contoso", first, last)?.active == true, "\(first) \(last)")
        }
        #expect(await scenario.contacts("Contoso").count == 9)   // eight users and the front desk
    }

    @Test("R1.2/R8.1 e2e: disabled, unlicensed, soft- and hard-deleted users' contacts are deactivated, the reason kept",
          arguments: psas)
    func ineligibleDeactivated(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        let tenant = scenario.tenant("Contoso")
        try await graph.disable(Scenario.userId("Contoso", 1), in: tenant)          // Alex
        try await graph.removeLicenses(Scenario.userId("Contoso", 2), in: tenant)   // Megan
        try await graph.softDelete(Scenario.userId("Contoso", 3), in: tenant)       // Lidia
        try await graph.hardDelete(Scenario.userId("Contoso", 4), in: tenant)       // Patti
        let second = try await scenario.run("Contoso")
        #expect(second.status == .completed)
        #expect(second.deactivated == 4)
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.active == false)
        #expect(await scenario.only("Contoso", "Megan", "Bowen")?.active == false)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.active == false)
        #expect(await scenario.only("Contoso", "Patti", "Fernandez")?.active == false)
        #expect(await scenario.only("Contoso", "Diego", "Siciliani")?.active == true)
        #expect(await scenario.only("Contoso", "Adele", "Vance")?.active == true)

        let planned = try await scenario.events("Contoso", run: second.runId).compactMap { envelope -> Command? in
            if case .commandPlanned(let p) = envelope.event { return p.command } else { return nil }
        }
        func reason(_ index: Int) -> String? {
            planned.first { $0.userId == Scenario.userId("Contoso", index) }?.reasons.first { $0.rule == "R1.2" }?.because
        }
        #expect(reason(1)?.contains("(disabled)") == true)
        #expect(reason(2)?.contains("(unlicensed)") == true)
        #expect(reason(3)?.contains("(softDeleted)") == true)
        #expect(reason(4)?.contains("(deleted)") == true)
    }

    @Test("R1.3 e2e: a Graph read that fails after retries deactivates nobody and writes nothing", arguments: psas)
    func failedReadChangesNobody(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        try await graph.softDelete(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso"))
        await graph.control.inject(GraphEmulator.unavailable(retryAfter: "0", count: nil))
        let writes = await scenario.psaWrites()

        let failed = try await scenario.run("Contoso")
        #expect(failed.status == .failed)
        #expect(await scenario.psaWrites() == writes)
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.active == true)
        let events = try await scenario.events("Contoso", run: failed.runId)
        #expect(events.of(DirectoryReadFailed.eventType).count == 1)
        #expect(events.of(RunFailed.eventType).count == 1)
        #expect(events.of(CommandPlanned.eventType).isEmpty)
        #expect(events.of(CommandAttempted.eventType).isEmpty)

        // Once Graph answers again the leaver is seen, so the failed run only postponed it.
        await graph.control.clearFaults()
        let recovered = try await scenario.run("Contoso")
        #expect(recovered.status == .completed)
        #expect(recovered.deactivated == 1)
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.active == false)
    }

    @Test("R1.2 e2e: a user missing from a complete read is ineligible (notFound)", arguments: psas)
    func missingFromCompleteRead(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        try await graph.hardDelete(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso"))
        try await graph.expireDeltaLinks(in: scenario.tenant("Contoso"))   // the deletion is never told by delta
        let second = try await scenario.run("Contoso")
        #expect(second.status == .completed)
        #expect(second.deactivated == 1)
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.active == false)
        let reasons = second.plan?.commands.first { $0.userId == Scenario.userId("Contoso", 1) }?.reasons ?? []
        #expect(reasons.contains { $0.rule == "R1.2" && $0.because.contains("(notFound)") }, "\(reasons)")
    }

    @Test("R1.3 e2e: a full read that breaks mid-way marks nobody missing", arguments: psas)
    func brokenFullRead(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        await graph.control.inject(GraphEmulator.unavailable(retryAfter: "0", pathContains: "/users", count: nil))
        let writes = await scenario.psaWrites()
        let failed = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(failed.status == .failed)
        #expect(await scenario.psaWrites() == writes)
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.directory.users.values.allSatisfy { $0.removal == nil })
        #expect(await scenario.contacts("Contoso").filter(\.active).count == 9)
    }

    @Test("R2.2 e2e: a group filter follows membership changes", arguments: psas)
    func groupFilter(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        #expect(await scenario.only("Fabrikam", "Delia", "Dennis")?.siteId == 2001)
        #expect(await scenario.only("Fabrikam", "Miriam", "Graham")?.siteId == 2002)
        try await scenario.running.graph.setGroupMembers(
            "0d1e2f30-0000-4000-8000-0000000000aa",
            members: [Scenario.userId("Fabrikam", 0), Scenario.userId("Fabrikam", 6)], in: scenario.tenant("Fabrikam"))
        let second = try await scenario.run("Fabrikam")
        #expect(second.status == .completed)
        #expect(await scenario.only("Fabrikam", "Delia", "Dennis")?.siteId == 2002)      // joined Management
        #expect(await scenario.only("Fabrikam", "Nestor", "Wilke")?.siteId == 2004)      // left it: all licensed
        #expect(await scenario.only("Fabrikam", "Miriam", "Graham")?.siteId == 2002)
    }

    @Test("R2.2 e2e: a field filter compares trimmed and case-insensitively", arguments: psas)
    func fieldFilter(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.filters(yaml, company: "Fabrikam", [#"{ field: department, equals: "  it ", site: New Site }"#, "{ allLicensed: true, site: Main }"])
        }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        #expect(await scenario.only("Fabrikam", "Pradeep", "Gupta")?.siteId == 2002)
        #expect(await scenario.only("Fabrikam", "Christie", "Cline")?.siteId == 2002)
        #expect(await scenario.only("Fabrikam", "Miriam", "Graham")?.siteId == 2001)
    }

    @Test("R2.2 e2e: an upnDomain filter selects by the UPN's domain, case-insensitively", arguments: psas)
    func upnDomainFilter(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.filters(yaml, company: "Contoso", ["{ upnDomain: CONTOSO.com, site: Main }"])
        }
        defer { Task { await scenario.stop() } }
        try await scenario.running.graph.upsertUser(GraphUser(
            id: "c0088888-0000-4000-8000-000000088888", userPrincipalName: "guest@partner.example", givenName: "Gus",
            surname: "Guest", mail: "guest@partner.example",
            assignedLicenses: [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)]), in: scenario.tenant("Contoso"))
        let summary = try await scenario.run("Contoso")
        #expect(summary.created == 7)
        #expect(await scenario.contact("Contoso", email: "guest@partner.example").isEmpty)
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.siteId == 1001)
    }

    @Test("R2.2 e2e: a license filter accepts a part number or a skuId", arguments: psas, ["EXCHANGESTANDARD", GraphTenant.exchangeStandard.skuId])
    func licenseFilter(psa: SampleMSP.PSA, license: String) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.filters(yaml, company: "Fabrikam", ["{ license: \(license), site: Site 2 }"])
        }
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.status == .completed)
        let contacts = await scenario.contacts("Fabrikam")
        #expect(Set(contacts.compactMap { $0.email?.lowercased() }) == Set([
            Scenario.upn("Christie", "Cline", "Fabrikam"), Scenario.upn("Debra", "Berger", "Fabrikam"),
            Scenario.upn("Cameron", "White", "Fabrikam"),
        ]))
        #expect(contacts.allSatisfy { $0.siteId == 2003 })
    }

    @Test("R2.2/R2.3 e2e: allLicensed selects every eligible user and nobody else", arguments: psas)
    func allLicensed(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.filters(yaml, company: "Fabrikam", ["{ allLicensed: true, site: Site 3 }"])
        }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        let contacts = await scenario.contacts("Fabrikam")
        #expect(contacts.count == 10)
        #expect(contacts.allSatisfy { $0.siteId == 2004 })
        #expect(await scenario.contact("Fabrikam", email: Scenario.upn("Mallory", "Cortez", "Fabrikam")).isEmpty)
    }

    @Test("R2.4 e2e: with no filters every eligible user goes to the default site", arguments: psas)
    func noFilters(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.set(YAML.filters(yaml, company: "Fabrikam", []), company: "Fabrikam", "defaultSite", "Site 2")
        }
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.created == 10)
        let contacts = await scenario.contacts("Fabrikam")
        #expect(contacts.count == 10)
        #expect(contacts.allSatisfy { $0.siteId == 2003 })
        if psa == .connectwise { #expect(contacts.allSatisfy { $0.typeIds == [1] }) }   // the default contact type
    }

    @Test("R2.5 e2e: a user matching several filters is placed once, on the first", arguments: psas)
    func firstFilterWins(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        try await scenario.run("Fabrikam", RunOptions(mode: .full))
        let christie = await scenario.contact("Fabrikam", email: Scenario.upn("Christie", "Cline", "Fabrikam"))
        #expect(christie.count == 1)                 // IT and Exchange Plan 1: one contact
        #expect(christie.first?.siteId == 2002)      // IT comes first
        let emails = await scenario.contacts("Fabrikam").compactMap { $0.email?.lowercased() }
        #expect(Set(emails).count == emails.count)
    }

    @Test("R2.6 e2e: a matched user that leaves scope is deactivated, unless deactivateOutOfScope is false",
          arguments: psas, [true, false])
    func outOfScope(psa: SampleMSP.PSA, deactivate: Bool) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.set(YAML.filters(yaml, company: "Contoso", ["{ upnDomain: contoso.com, site: Main }"]),
                     company: "Contoso", "deactivateOutOfScope", "\(deactivate)")
        }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let alex = try #require(await scenario.only("Contoso", "Alex", "Wilber"))
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso")) {
            $0.userPrincipalName = "alex.wilber@contoso-partners.example"
        }
        let second = try await scenario.run("Contoso")
        #expect(second.status == .completed)
        #expect(second.deactivated == (deactivate ? 1 : 0))
        let after = await scenario.contacts("Contoso").first { $0.id == alex.id }
        #expect(after?.active == !deactivate)
        #expect(await scenario.only("Contoso", "Megan", "Bowen")?.active == true)
    }
}
