// Throttling, token and consent behaviour of the client over real HTTP.

import ContactSync
import Emulators
import Foundation
import MicrosoftGraph
import Testing

@Suite("Graph throttling and authentication")
struct ThrottlingAndAuthTests {
    @Test("a 429 storm with fractional, whole and missing Retry-After is ridden out, every retry logged")
    func rideOutThrottling() async throws {
        let tenant = GraphTenant.synthetic(users: 2000, seed: 9, domain: "adatum.onmicrosoft.com")
        let harness = try await GraphHarness.start([tenant])
        defer { Task { await harness.stop() } }
        let control = harness.emulator.control
        await control.inject(GraphEmulator.throttling(retryAfter: "0.05", pathContains: "/v1.0/users", count: 3, after: 1))
        await control.inject(GraphEmulator.throttling(retryAfter: nil, pathContains: "/v1.0/users", count: 2))
        await control.inject(GraphEmulator.unavailable(retryAfter: "0", pathContains: "/v1.0/users"))
        let client = harness.client(tenant: tenant.domain, secret: tenant.clientSecret, maxRetries: 6)

        let read = try await client.fullRead()

        #expect(read.users.count == 2000)
        let retries = harness.logs.entries.filter { $0.level == .warning && $0.message.contains("retrying") }
        #expect(retries.count == 6)
        #expect(retries.contains { "\($0.metadata["reason"] ?? "")".contains("Retry-After 0.05") })
        #expect(retries.contains { "\($0.metadata["reason"] ?? "")" == "HTTP 429" })
        #expect(retries.contains { "\($0.metadata["reason"] ?? "")".contains("HTTP 503") })
        #expect(retries.allSatisfy { $0.metadata["client-request-id"] != nil })
        #expect(await client.requestCount() == 1 + 1 + (6 + 1) + 2)
    }

    @Test("throttling that outlasts the retries fails with a throttled error")
    func throttlingExhaustsRetries() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(
            Fault(.status(code: 429, retryAfter: "0.01", body: nil), pathContains: "/subscribedSkus", count: nil))
        let client = harness.client(maxRetries: 3)
        let error = await #expect(throws: DirectoryError.self) { try await client.licenseCatalog() }
        #expect(error?.kind == .throttled)
        #expect(await harness.emulator.control.requestCounts()["GET /v1.0/subscribedSkus"] == 4)
    }

    @Test("the token is fetched once and reused for later requests")
    func tokenIsCached() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        _ = try await client.licenseCatalog()
        _ = try await client.fullRead()
        _ = try await client.groupMembers("Management")
        let tokens = await harness.emulator.control.requestCounts()["POST /\(GraphHarness.tenantId)/oauth2/v2.0/token"]
        #expect(tokens == 1)
    }

    @Test("concurrent reads on a fresh client share one token request")
    func concurrentReadsShareAToken() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        async let catalog = client.licenseCatalog()
        async let read = client.fullRead()
        async let members = client.groupMembers("Board")
        let (skus, users, board) = try await (catalog, read, members)
        #expect(skus.count == 2 && users.users.count == 3 && board.userIds.count == 2)
        #expect(await harness.emulator.control.requestCounts()["POST /\(GraphHarness.tenantId)/oauth2/v2.0/token"] == 1)
    }

    @Test("a refused secret is an authentication error naming the company, never showing the secret")
    func wrongSecret() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client(secret: "not-the-secret-123", company: "Contoso Ltd")
        let error = await #expect(throws: DirectoryError.self) { try await client.fullRead() }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("Contoso Ltd") == true)
        #expect(error?.message.contains("AADSTS7000215") == true)
        #expect(error?.message.contains("not-the-secret-123") == false)
        #expect(!harness.logs.text.contains("not-the-secret-123"))
    }

    @Test("a tenant that has not consented to the app is an authentication error that says how to consent")
    func unconsentedTenant() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client(clientId: "00000000-1111-2222-3333-444444444444", company: "Contoso")
        let error = await #expect(throws: DirectoryError.self) { try await client.licenseCatalog() }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("consent") == true)
        #expect(error?.message.contains("AADSTS700016") == true)
    }

    @Test("an unknown tenant is an authentication error that names it")
    func unknownTenant() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let error = await #expect(throws: DirectoryError.self) {
            try await harness.client(tenant: "nowhere.onmicrosoft.com").licenseCatalog()
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("nowhere.onmicrosoft.com") == true)
    }

    @Test("the configuration's description hides the secret")
    func configurationHidesSecret() {
        let configuration = GraphConfiguration(
            tenant: "t", clientId: "c", clientSecret: "very-secret", companyName: "Contoso")
        #expect(!"\(configuration)".contains("very-secret"))
    }
}

@Suite("Graph licenses and groups")
struct LicenseAndGroupTests {
    @Test("the license catalog lists each subscribed SKU with its part number and friendly name")
    func licenseCatalog() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let catalog = try await harness.client().licenseCatalog()
        #expect(catalog.map(\.skuPartNumber).sorted() == ["EXCHANGESTANDARD", "SPB"])
        #expect(catalog.first { $0.skuPartNumber == "SPB" }?.displayName == "Microsoft 365 Business Premium")
        #expect(catalog.first { $0.skuPartNumber == "SPB" }?.skuId == GraphTenant.businessPremium.skuId)
    }

    @Test("group members are transitive users only, each once, found by display name or by id")
    func transitiveMembers() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let byName = try await client.groupMembers("Management")
        #expect(byName.groupId == "22222222-0000-4000-8000-000000000001")
        #expect(Set(byName.userIds) == ["11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"])
        #expect(byName.userIds.count == 2)
        let byId = try await client.groupMembers("22222222-0000-4000-8000-000000000002")
        #expect(byId.displayName == "Board")
        #expect(byId.userIds.count == 2)
    }

    @Test("a group that does not exist is groupNotFound, by name and by id")
    func missingGroup() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let byName = await #expect(throws: DirectoryError.self) { try await client.groupMembers("Sales Team's Friends") }
        #expect(byName?.kind == .groupNotFound)
        #expect(byName?.message.contains("Sales Team's Friends") == true)
        let byId = await #expect(throws: DirectoryError.self) {
            try await client.groupMembers("33333333-0000-4000-8000-000000000009")
        }
        #expect(byId?.kind == .groupNotFound)
    }

    @Test("group changes after the first lookup are seen on the next call")
    func membershipChanges() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        _ = try await client.groupMembers("Board")
        try await harness.emulator.setGroupMembers(
            "22222222-0000-4000-8000-000000000002", members: ["11111111-0000-4000-8000-000000000003"], in: GraphHarness.domain)
        let after = try await client.groupMembers("Board")
        #expect(after.userIds == ["11111111-0000-4000-8000-000000000003"])
    }
}
