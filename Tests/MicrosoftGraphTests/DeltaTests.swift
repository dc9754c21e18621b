// Delta rounds over real HTTP: exactly the changes made, expiry and fallback, duplicates, and what an idle round costs.

import ContactSync
import Emulators
import Foundation
import MicrosoftGraph
import Testing

@Suite("Graph delta rounds")
struct DeltaTests {
    let adele = "11111111-0000-4000-8000-000000000001"
    let diego = "11111111-0000-4000-8000-000000000002"
    let scanner = "11111111-0000-4000-8000-000000000003"

    @Test("a delta round after adds, edits, license removal, disable, soft and hard delete records exactly those changes")
    func roundRecordsExactlyTheChanges() async throws {
        let tenant = GraphTenant.synthetic(users: 1200, seed: 11, domain: "contoso.onmicrosoft.com")
        let harness = try await GraphHarness.start([tenant])
        defer { Task { await harness.stop() } }
        let client = harness.client(tenant: tenant.tenantId, secret: tenant.clientSecret)
        let first = try await client.fullRead()
        let link = try #require(first.deltaLink)
        let enabled = tenant.users.filter { $0.accountEnabled == true && !$0.assignedLicenses.isEmpty && $0.givenName != nil }
        let edited = enabled[0], unlicensed = enabled[1], disabled = enabled[2], softDeleted = enabled[3], hardDeleted = enabled[4]
        let added = GraphUser(
            id: "99999999-0000-4000-8000-000000000001", userPrincipalName: "new.hire@contoso.onmicrosoft.com",
            displayName: "New Hire", givenName: "New", surname: "Hire", mail: "new.hire@contoso.onmicrosoft.com",
            assignedLicenses: [.init(skuId: GraphTenant.businessPremium.skuId)], department: "Sales")

        try await harness.emulator.upsertUser(added, in: tenant.tenantId)
        try await harness.emulator.updateUser(edited.id, in: tenant.domain) { $0.jobTitle = "Chief Mixer"; $0.mobilePhone = nil }
        try await harness.emulator.removeLicenses(unlicensed.id, in: tenant.tenantId)
        try await harness.emulator.disable(disabled.id, in: tenant.tenantId)
        try await harness.emulator.softDelete(softDeleted.id, in: tenant.tenantId)
        try await harness.emulator.hardDelete(hardDeleted.id, in: tenant.tenantId)

        let round = try await client.deltaRound(from: link)

        #expect(round.changes.count == 6)
        #expect(round.deltaLink != link)
        var patches: [String: DirectoryUserPatch] = [:]
        var removals: [String: RemovalReason] = [:]
        for change in round.changes {
            switch change {
            case .upsert(let patch): patches[patch.id] = patch
            case .removed(let id, let reason): removals[id] = reason
            }
        }
        #expect(removals == [softDeleted.id: .softDeleted, hardDeleted.id: .deleted])
        let new = try #require(patches[added.id])
        #expect(new.values.userPrincipalName == added.userPrincipalName)
        #expect(new.values.department == "Sales")
        #expect(new.present.isSuperset(of: ["id", "userPrincipalName", "displayName", "assignedLicenses", "department"]))
        #expect(!new.present.contains("jobTitle"))
        let edit = try #require(patches[edited.id])
        let expectedEdit: Set<String> = edited.mobilePhone == nil ? ["id", "jobTitle"] : ["id", "jobTitle", "mobilePhone"]
        #expect(edit.present == expectedEdit)
        #expect(edit.values.jobTitle == "Chief Mixer")
        #expect(edit.values.mobilePhone == nil)
        #expect(patches[unlicensed.id]?.present == ["id", "assignedLicenses"])
        #expect(patches[unlicensed.id]?.values.assignedLicenses == [])
        #expect(patches[disabled.id]?.present == ["id", "accountEnabled"])
        #expect(patches[disabled.id]?.values.accountEnabled == false)

        // Merged over the first snapshot, the patch gives the user as Graph now has it.
        let before = try #require(first.users.first { $0.id == edited.id })
        let after = before.applying(edit)
        #expect(after.jobTitle == "Chief Mixer")
        #expect(after.displayName == before.displayName)

        let idle = try await client.deltaRound(from: round.deltaLink)
        #expect(idle.changes.isEmpty)
    }

    @Test("changes made through the admin HTTP endpoints show in the next round")
    func adminEndpointChanges() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let link = try #require(try await client.fullRead().deltaLink)
        let patch = try await harness.raw("/admin/graph/tenants/\(GraphHarness.domain)/users/\(diego)", method: "PATCH",
            headers: [("Content-Type", "application/json")], body: #"{"department":"People","jobTitle":"HR Lead"}"#)
        #expect(patch.status == 200)
        let delete = try await harness.raw("/admin/graph/tenants/\(GraphHarness.tenantId)/users/\(scanner)", method: "DELETE")
        #expect(delete.status == 200)
        let missing = try await harness.raw("/admin/graph/tenants/\(GraphHarness.tenantId)/users/nobody/disable", method: "POST")
        #expect(missing.status == 404)

        let round = try await client.deltaRound(from: link)
        #expect(round.changes.contains(.removed(id: scanner, reason: .deleted)))
        let diegoPatch = round.changes.compactMap { change -> DirectoryUserPatch? in
            if case .upsert(let patch) = change, patch.id == diego { return patch }
            return nil
        }.first
        #expect(diegoPatch?.present == ["id", "department", "jobTitle"])
        #expect(diegoPatch?.values.department == "People")
    }

    @Test("an expired delta link throws resyncRequired, and the full read that follows starts a working link")
    func expiredLinkFallsBackToFullRead() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let link = try #require(try await client.fullRead().deltaLink)
        try await harness.emulator.expireDeltaLinks()

        let error = await #expect(throws: DirectoryError.self) { try await client.deltaRound(from: link) }
        #expect(error?.kind == .resyncRequired)
        #expect(error?.status == 410)

        let again = try await client.fullRead()
        #expect(again.users.count == 3)
        try await harness.emulator.disable(adele, in: GraphHarness.tenantId)
        let round = try await client.deltaRound(from: try #require(again.deltaLink))
        #expect(round.changes.count == 1)
    }

    @Test("a 400 resyncRequired answer also asks for a full read")
    func resyncRequiredCode() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let link = try #require(try await client.fullRead().deltaLink)
        await harness.emulator.control.inject(GraphEmulator.resyncRequired())
        let error = await #expect(throws: DirectoryError.self) { try await client.deltaRound(from: link) }
        #expect(error?.kind == .resyncRequired)
    }

    @Test("a user sent twice in one round, over several pages, comes back once with both patches merged")
    func duplicatesWithinARound() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        await harness.emulator.configure(deltaPageSize: 1, duplicateDeltaEntries: true)
        let client = harness.client()
        let link = try #require(try await client.fullRead().deltaLink)
        try await harness.emulator.updateUser(adele, in: GraphHarness.tenantId) { $0.department = "Stores" }
        try await harness.emulator.updateUser(diego, in: GraphHarness.tenantId) { $0.city = "Oslo" }

        let round = try await client.deltaRound(from: link)
        #expect(round.changes.count == 2)
        #expect(await harness.emulator.control.requestCounts()["GET /v1.0/users/delta"] == 1 + 4)
    }

    @Test("a round that opens with an empty page carrying a nextLink is read to its end")
    func emptyFirstPage() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let link = try #require(try await client.fullRead().deltaLink)
        await harness.emulator.configure(emptyFirstDeltaPage: true)
        try await harness.emulator.hardDelete(scanner, in: GraphHarness.tenantId)
        let round = try await client.deltaRound(from: link)
        #expect(round.changes == [.removed(id: scanner, reason: .deleted)])
        #expect(await harness.emulator.control.requestCounts()["GET /v1.0/users/delta"] == 1 + 2)
    }

    @Test("an idle delta round of a 10,000-user tenant costs one Graph request, plus one per 999 members of a named group")
    func idleRoundCost() async throws {
        let tenant = GraphTenant.synthetic(users: 10_000, seed: 42, domain: "litware.onmicrosoft.com")
        let management = try #require(tenant.groups.first { $0.displayName == "Management" })
        let harness = try await GraphHarness.start([tenant])
        defer { Task { await harness.stop() } }
        let client = harness.client(tenant: tenant.domain, secret: tenant.clientSecret)
        let read = try await client.fullRead()
        #expect(read.users.count == 10_000)
        let first = try await client.groupMembers("Management")
        #expect(first.userIds.count == management.members.count)
        #expect(management.members.count > 999)

        await harness.emulator.control.resetCounts()
        let round = try await client.deltaRound(from: try #require(read.deltaLink))
        #expect(round.changes.isEmpty)
        #expect(await harness.emulator.control.requestCount() == 1)

        let members = try await client.groupMembers("Management")
        let pages = (management.members.count + 998) / 999
        #expect(members.userIds.count == management.members.count)
        #expect(await harness.emulator.control.requestCount() == 1 + pages)
    }
}
