// Full reads over real HTTP: every user across pages, the delta link, and reads that break off.

import ContactSync
import Emulators
import Foundation
import MicrosoftGraph
import Testing

@Suite("Graph full read")
struct FullReadTests {
    @Test("a full read of 2,500 users follows nextLink across 999-user pages and gets a delta link first")
    func fullReadAcrossPages() async throws {
        let tenant = GraphTenant.synthetic(users: 2500, seed: 7, domain: "fabrikam.onmicrosoft.com")
        let harness = try await GraphHarness.start([tenant])
        defer { Task { await harness.stop() } }
        let client = harness.client(tenant: tenant.domain, secret: tenant.clientSecret)

        let read = try await client.fullRead()

        #expect(read.users.count == 2500)
        #expect(Set(read.users.map(\.id)) == Set(tenant.users.map(\.id)))
        #expect(read.deltaLink?.contains("$deltatoken=") == true)
        let counts = await harness.emulator.control.requestCounts()
        #expect(counts["GET /v1.0/users"] == 3)
        #expect(counts["GET /v1.0/users/delta"] == 1)
        #expect(await client.requestCount() == 5)
        let source = try #require(tenant.users.first { $0.assignedLicenses.count == 1 && $0.givenName != nil })
        let read1 = try #require(read.users.first { $0.id == source.id })
        #expect(read1.userPrincipalName == source.userPrincipalName)
        #expect(read1.givenName == source.givenName)
        #expect(read1.department == source.department)
        #expect(read1.accountEnabled == source.accountEnabled)
        #expect(read1.assignedLicenses.map(\.skuId) == source.assignedLicenses.map(\.skuId))
        #expect(read1.businessPhones == source.businessPhones)
        #expect(read1.usageLocation == source.usageLocation)
    }

    @Test("a full read carries every property the rules need, extension attributes without blanks")
    func fullReadProperties() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let read = try await harness.client().fullRead()
        let adele = try #require(read.users.first { $0.givenName == "Adele" })
        #expect(adele.extensionAttributes == ["extensionAttribute3": "VIP"])
        #expect(adele.jobTitle == "Retail Manager")
        #expect(adele.assignedLicenses == [AssignedLicense(skuId: GraphTenant.businessPremium.skuId)])
        let scanner = try #require(read.users.first { $0.displayName == "Scanner" })
        #expect(scanner.accountEnabled == false)
        #expect(scanner.givenName == nil)
    }

    @Test("a connection dropped mid-read fails with a transport error instead of returning part of the users")
    func droppedMidRead() async throws {
        let tenant = GraphTenant.synthetic(users: 2100, seed: 3, domain: "tailspin.onmicrosoft.com")
        let harness = try await GraphHarness.start([tenant])
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(Fault(.drop, pathContains: "/v1.0/users", count: nil, after: 2))
        let client = harness.client(tenant: tenant.domain, secret: tenant.clientSecret, maxRetries: 2)

        let error = await #expect(throws: DirectoryError.self) { try await client.fullRead() }
        #expect(error?.kind == .transport)
        #expect(error?.message.contains("Contoso") == true)
        #expect(harness.logs.entries.filter { $0.message.contains("retrying") }.count == 2)
    }

    @Test("5xx answers that outlast the retries fail the read with a server error")
    func serverErrorsExhaustRetries() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(
            Fault(.status(code: 500, retryAfter: nil, body: nil), pathContains: "/v1.0/users", count: nil, after: 1))
        let error = await #expect(throws: DirectoryError.self) { try await harness.client(maxRetries: 2).fullRead() }
        #expect(error?.kind == .server)
        #expect(error?.status == 500)
    }

    @Test("a 401 in the middle of a read fails it with an authentication error")
    func unauthorizedMidRead() async throws {
        let tenant = GraphTenant.synthetic(users: 1500, seed: 5, domain: "northwind.onmicrosoft.com")
        let harness = try await GraphHarness.start([tenant])
        defer { Task { await harness.stop() } }
        let client = harness.client(tenant: tenant.domain, secret: tenant.clientSecret)
        let body = #"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#
        await harness.emulator.control.inject(
            Fault(.status(code: 401, retryAfter: nil, body: body), pathContains: "/v1.0/users", count: 1, after: 2))
        let error = await #expect(throws: DirectoryError.self) { try await client.fullRead() }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("InvalidAuthenticationToken") == true)
        // The token was dropped, so the next read asks for a new one and succeeds.
        let read = try await client.fullRead()
        #expect(read.users.count == 1500)
        #expect(await harness.emulator.control.requestCounts()["POST /\(tenant.domain)/oauth2/v2.0/token"] == 2)
    }
}
