// End to end over HTTP on loopback, for both PSAs: the help article's scenario and the daily life after it.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("The article's scenario, end to end")
struct ArticleScenarioTests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]

    @Test("first run places every licensed, enabled user on its highest filter, once", arguments: psas)
    func firstRun(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.status == .completed)
        #expect(summary.created == 10)
        let contacts = await scenario.contacts("Fabrikam")
        #expect(contacts.count == 10)
        let site: [String: Int] = Dictionary(uniqueKeysWithValues: contacts.map { ($0.email!.lowercased(), $0.siteId ?? 0) })
        func at(_ first: String, _ last: String) -> Int? { site[Scenario.upn(first, last, "Fabrikam")] }
        #expect(at("Miriam", "Graham") == 2002)   // Management → New Site
        #expect(at("Nestor", "Wilke") == 2002)
        #expect(at("Pradeep", "Gupta") == 2002)   // department IT → New Site
        #expect(at("Christie", "Cline") == 2002)  // IT wins over Exchange Plan 1
        #expect(at("Debra", "Berger") == 2003)    // Exchange Online (Plan 1) → Site 2
        #expect(at("Delia", "Dennis") == 2001)    // Business Premium → Main
        #expect(at("Johanna", "Lorenz") == 2004)  // all licensed → Site 3
        #expect(at("Mallory", "Cortez") == nil)   // unlicensed: never synced
        #expect(Set(contacts.map { $0.email!.lowercased() }).count == contacts.count)
        if psa == .connectwise {
            let johanna = contacts.first { $0.email == Scenario.upn("Johanna", "Lorenz", "Fabrikam") }
            #expect(johanna?.typeIds == [7])      // the filter's contact type, Staff (R10.1)
            let delia = contacts.first { $0.email == Scenario.upn("Delia", "Dennis", "Fabrikam") }
            #expect(delia?.typeIds == [1])        // the connection default, Employee
        }
    }

    @Test("matching reactivates an inactive contact, leaves unmatched ones alone, and an idle run writes nothing", arguments: psas)
    func matchAndIdle(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let first = try await scenario.run("Contoso")
        #expect(first.created == 7)
        #expect(first.matched == 1)
        let adele = await scenario.contact("Contoso", email: Scenario.upn("Adele", "Vance", "Contoso"))
        #expect(adele.count == 1)
        #expect(adele.first?.id == 30001)
        #expect(adele.first?.active == true)          // R9.1
        #expect(adele.first?.title == "Sales Manager") // R6.2 in the same write
        let frontDesk = await scenario.contact("Contoso", email: "frontdesk@contoso.com")
        #expect(frontDesk.first?.active == true)      // R8.2: never matched, never touched
        #expect(frontDesk.first?.firstName == "Front")

        let writes = await scenario.psaWrites()
        let before = await scenario.requests()
        let eventsBefore = try await scenario.store.count()
        let idle = try await scenario.run("Contoso")
        #expect(idle.status == .completed)
        #expect(await scenario.psaWrites() == writes)
        let after = await scenario.requests()
        let appended = try await scenario.store.events(EventQuery(after: Int64(eventsBefore))).collect()
        #expect(appended.count <= 5, "idle run appended \(appended.map { $0.type + " " + String(decoding: $0.payload, as: UTF8.self).prefix(300) })")
        #expect((after.graph - before.graph) + (after.psa - before.psa) <= 6)   // token included
    }

    @Test("a leaver is deactivated, a new hire created, a license removal deactivates, a PSA edit is overwritten", arguments: psas)
    func dailyLife(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        let tenant = SampleMSP.contosoTenant
        try await graph.softDelete(Scenario.userId("Contoso", 1), in: tenant)              // Alex leaves
        try await graph.removeLicenses(Scenario.userId("Contoso", 2), in: tenant)          // Megan loses her license
        try await graph.upsertUser(GraphUser(
            id: "c0099999-0000-4000-8000-000000099999", userPrincipalName: "nina.new@contoso.com", givenName: "Nina",
            surname: "New", mail: "nina.new@contoso.com", jobTitle: "Analyst",
            assignedLicenses: [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)]), in: tenant)
        let lidia = await scenario.contact("Contoso", email: Scenario.upn("Lidia", "Holloway", "Contoso")).first!
        try await scenario.editInPSA(lidia.id, title: "Typed in the PSA")

        let second = try await scenario.run("Contoso")
        #expect(second.status == .completed)
        #expect(second.deactivated == 2)
        #expect(second.created == 1)
        #expect(await scenario.contact("Contoso", email: Scenario.upn("Alex", "Wilber", "Contoso")).first?.active == false)
        #expect(await scenario.contact("Contoso", email: Scenario.upn("Megan", "Bowen", "Contoso")).first?.active == false)
        #expect(await scenario.contact("Contoso", email: "nina.new@contoso.com").first?.active == true)
        // R6.2: Microsoft 365 is the source of truth for a value it holds.
        #expect(await scenario.contact("Contoso", email: Scenario.upn("Lidia", "Holloway", "Contoso")).first?.title == "Product Manager")
        #expect(try await scenario.store.verify().isIntact)
    }
}
