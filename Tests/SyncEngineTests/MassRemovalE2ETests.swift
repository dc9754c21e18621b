// End to end over loopback, for both PSAs: a mass license removal holds its deactivations until approved (R8.4).

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("R8.4 mass removal end to end")
struct MassRemovalE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]

    /// The users of a tenant that are eligible (R1.1).
    static func eligible(_ tenant: GraphTenant) -> [GraphUser] {
        tenant.users.filter { $0.accountEnabled == true && !$0.assignedLicenses.isEmpty }
    }

    @Test("R8.4 e2e: removing licenses of more than 10 and 10% holds every deactivation until approved; creates still apply",
          arguments: psas)
    func massRemoval(psa: SampleMSP.PSA) async throws {
        let tenant = GraphTenant.synthetic(users: 130, seed: 84, domain: SampleMSP.contosoTenant)
        let eligible = Self.eligible(tenant)
        let scenario = try await Scenario(psa: psa, tenants: [tenant, SampleMSP.fabrikam()])
        defer { Task { await scenario.stop() } }
        // The synced contacts (the sample's own, such as the inactive Adele, match nobody of this tenant).
        func synced() async -> [HeldContact] {
            await scenario.contacts("Contoso").filter { $0.email?.lowercased().hasSuffix("@" + SampleMSP.contosoTenant) == true }
        }
        let first = try await scenario.run("Contoso")
        #expect(first.status == .completed)
        #expect(first.created == eligible.count)

        let leavers = Array(eligible.prefix(eligible.count / 10 + 3))   // more than 10 and more than 10 %
        #expect(leavers.count > 10)
        let graph = scenario.running.graph
        for user in leavers { try await graph.removeLicenses(user.id, in: SampleMSP.contosoTenant) }
        try await graph.upsertUser(GraphUser(
            id: "0000beef-0000-4000-8000-00000000beef", userPrincipalName: "new.hire@contoso.onmicrosoft.com",
            givenName: "New", surname: "Hire", assignedLicenses: [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)]),
            in: SampleMSP.contosoTenant)

        let held = try await scenario.run("Contoso")
        #expect(held.status == .held)
        #expect(held.held == leavers.count)
        #expect(held.deactivated == 0)
        #expect(held.created == 1)                 // creates still apply
        #expect(held.message?.contains("approve") == true)
        #expect(await synced().allSatisfy(\.active))
        let heldEvents = try await scenario.events("Contoso", run: held.runId).compactMap { envelope -> DeactivationsHeld? in
            if case .deactivationsHeld(let h) = envelope.event { return h } else { return nil }
        }
        #expect(heldEvents.count == 1)
        #expect(heldEvents.first?.deactivations == leavers.count)

        // An ordinary run meanwhile still holds them.
        let meanwhile = try await scenario.run("Contoso")
        #expect(meanwhile.deactivated == 0)
        #expect(await synced().allSatisfy(\.active))

        let approved = try await scenario.engine.approve(company: "Contoso", runId: held.runId, by: "tech@msp.example")
        #expect(approved.status == .completed)
        #expect(approved.deactivated == leavers.count)
        let leaverEmails = Set(leavers.map { $0.userPrincipalName.lowercased() })
        let contacts = await synced()
        #expect(contacts.count == eligible.count + 1)
        let inactive = Set(contacts.filter { !$0.active }.compactMap { $0.email?.lowercased() })
        #expect(inactive == leaverEmails)
        await #expect(throws: EngineError.self) { try await scenario.engine.approve(company: "Contoso", runId: held.runId) }
    }

    @Test("R8.4 e2e: a lowered threshold in rollcall.yaml holds a small removal", arguments: psas)
    func loweredThreshold(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "deactivationThreshold", "{ count: 2, percent: 10 }") }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let graph = scenario.running.graph
        for index in [1, 2, 3] { try await graph.removeLicenses(Scenario.userId("Contoso", index), in: scenario.tenant("Contoso")) }
        let held = try await scenario.run("Contoso")
        #expect(held.status == .held)
        #expect(held.held == 3)
        #expect(await scenario.contacts("Contoso").filter(\.active).count == 9)
        let approved = try await scenario.engine.approve(company: "Contoso", runId: held.runId)
        #expect(approved.deactivated == 3)
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.active == false)
        #expect(await scenario.only("Contoso", "Megan", "Bowen")?.active == false)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.active == false)
        #expect(await scenario.only("Contoso", "Patti", "Fernandez")?.active == true)
    }

    @Test("R8.4 e2e: a removal at the threshold is not held", arguments: psas)
    func atThreshold(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "deactivationThreshold", "{ count: 2, percent: 10 }") }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        for index in [1, 2] { try await scenario.running.graph.removeLicenses(Scenario.userId("Contoso", index), in: scenario.tenant("Contoso")) }
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .completed)
        #expect(summary.deactivated == 2)
    }
}
