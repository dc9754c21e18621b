// The emulator against the reference: same key sets and annotations as the samples, same errors, fixtures that load.

import Emulators
import Foundation
import Testing

@Suite("Graph emulator fidelity")
struct EmulatorFidelityTests {
    func sample(_ name: String) throws -> [String: Any] {
        let text = try #require(ReferenceSamples.all[name])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func keys(_ value: Any?) -> Set<String> { Set((value as? [String: Any])?.keys.map { $0 } ?? []) }
    func items(_ value: Any?) -> [[String: Any]] { ((value as? [String: Any])?["value"] as? [[String: Any]]) ?? [] }

    @Test("GET /users without $select answers the default property set, null when unset, like users-list-default")
    func listDefault() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let bearer = try await harness.bearer()
        let answer = try await harness.raw("/v1.0/users", headers: [("Authorization", "Bearer \(bearer)")])
        let reference = try sample("users-list-default")
        #expect(answer.status == 200)
        #expect(keys(answer.json) == keys(reference))
        #expect(answer.headers["odata-version"] == "4.0")
        let expected = keys(items(reference).first)
        #expect(items(answer.json).count == 3)
        #expect(items(answer.json).allSatisfy { Set($0.keys) == expected })
        let scanner = try #require(items(answer.json).first { $0["displayName"] as? String == "Scanner" })
        #expect(scanner["givenName"] is NSNull)
        #expect((scanner["businessPhones"] as? [Any])?.isEmpty == true)
    }

    @Test("GET /users with $select answers exactly those properties and names them in @odata.context")
    func listSelect() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let bearer = try await harness.bearer()
        let answer = try await harness.raw(
            "/v1.0/users?$select=id,mail,assignedLicenses&$top=2", headers: [("Authorization", "Bearer \(bearer)")])
        let reference = try sample("users-list-select-assignedLicenses")
        let json = try #require(answer.json as? [String: Any])
        #expect((json["@odata.context"] as? String)?.hasSuffix("$metadata#users(id,mail,assignedLicenses)") == true)
        #expect(items(json).allSatisfy { Set($0.keys) == keys(items(reference).first) })
        let license = (items(json).first?["assignedLicenses"] as? [[String: Any]])?.first
        let referenceLicense = (items(reference).first?["assignedLicenses"] as? [[String: Any]])?.first
        #expect(keys(license) == keys(referenceLicense))
        let next = try #require(json["@odata.nextLink"] as? String)
        #expect(next.contains("$skiptoken=") && next.contains("$select=id,mail,assignedLicenses") && next.contains("$top=2"))
        let second = try await harness.raw(next, headers: [("Authorization", "Bearer \(bearer)")])
        #expect(items(second.json).count == 1)
        #expect((second.json as? [String: Any])?["@odata.nextLink"] == nil)
    }

    @Test("a delta round trip has the shapes of users-delta-01 to -05: nextLink or deltaLink, unset omitted, @removed")
    func deltaShapes() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        await harness.emulator.configure(deltaPageSize: 2)
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let first = try await harness.raw("/v1.0/users/delta?$select=displayName,givenName,surname", headers: auth)
        #expect(keys(first.json) == keys(try sample("users-delta-01-initial-page")))
        let allowed = keys(items(try sample("users-delta-01-initial-page")).first)
        #expect(items(first.json).allSatisfy { Set($0.keys).isSubset(of: allowed) && $0["id"] != nil })
        let next = try #require((first.json as? [String: Any])?["@odata.nextLink"] as? String)
        let last = try await harness.raw(next, headers: auth)
        #expect(keys(last.json) == keys(try sample("users-delta-03-final-page-deltalink")))
        let scanner = try #require(items(last.json).first { $0["displayName"] as? String == "Scanner" })
        #expect(Set(scanner.keys) == ["displayName", "id"])
        let link = try #require((last.json as? [String: Any])?["@odata.deltaLink"] as? String)

        let idle = try await harness.raw(link, headers: auth)
        #expect(keys(idle.json) == keys(try sample("users-delta-04-deltalink-no-changes")))
        #expect(items(idle.json).isEmpty)

        try await harness.emulator.updateUser("11111111-0000-4000-8000-000000000001", in: GraphHarness.domain) {
            $0.displayName = "MOD Administrator"
        }
        try await harness.emulator.softDelete("11111111-0000-4000-8000-000000000002", in: GraphHarness.domain)
        let changed = try await harness.raw(link, headers: auth)
        let reference = try sample("users-delta-05-deltalink-changes-removed")
        #expect(keys(changed.json) == keys(reference))
        let removed = try #require(items(changed.json).first { $0["@removed"] != nil })
        let referenceRemoved = try #require(items(reference).first { $0["@removed"] != nil })
        #expect(Set(removed.keys) == Set(referenceRemoved.keys))
        #expect((removed["@removed"] as? [String: Any])?["reason"] as? String == "changed")
        let updated = try #require(items(changed.json).first { $0["@removed"] == nil })
        #expect(Set(updated.keys) == keys(items(reference).first))

        let minimal = try await harness.raw(link, headers: auth + [("Prefer", "return=minimal")])
        let minimalUser = try #require(items(minimal.json).first { $0["@removed"] == nil })
        #expect(Set(minimalUser.keys) == ["id", "displayName"])
    }

    @Test("an expired delta link answers 410 with a Location to start over and a syncStateNotFound error")
    func expiredLink() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let start = try await harness.raw("/v1.0/users/delta?$deltatoken=latest", headers: auth)
        #expect(items(start.json).isEmpty)
        let link = try #require((start.json as? [String: Any])?["@odata.deltaLink"] as? String)
        try await harness.emulator.expireDeltaLinks(in: GraphHarness.tenantId)
        let gone = try await harness.raw(link, headers: auth)
        #expect(gone.status == 410)
        #expect(gone.headers["location"]?.hasSuffix("/v1.0/users/delta?$deltatoken=") == true)
        #expect(((gone.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "syncStateNotFound")
    }

    @Test("subscribedSkus items have the reference's keys, id is tenantId_skuId, and $filter is refused")
    func subscribedSkus() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let answer = try await harness.raw("/v1.0/subscribedSkus", headers: auth)
        let reference = try sample("subscribedSkus")
        #expect(keys(answer.json) == keys(reference))
        let sku = try #require(items(answer.json).first { $0["skuPartNumber"] as? String == "SPB" })
        #expect(Set(sku.keys) == keys(items(reference).first))
        #expect(keys(sku["prepaidUnits"]) == keys(items(reference).first?["prepaidUnits"]))
        #expect(sku["id"] as? String == "\(GraphHarness.tenantId)_\(GraphTenant.businessPremium.skuId)")
        #expect(sku["consumedUnits"] as? Int == 1)
        let filtered = try await harness.raw("/v1.0/subscribedSkus?$filter=skuPartNumber%20eq%20'SPB'", headers: auth)
        #expect(filtered.status == 400)
    }

    @Test("transitiveMembers items carry @odata.type; the cast to users needs ConsistencyLevel and $count")
    func transitiveMembers() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let group = "22222222-0000-4000-8000-000000000001"
        let all = try await harness.raw("/v1.0/groups/\(group)/transitiveMembers", headers: auth)
        let reference = items(try sample("group-transitiveMembers")).first
        #expect(items(all.json).allSatisfy { $0["@odata.type"] != nil && $0["id"] != nil })
        #expect(items(all.json).contains { $0["@odata.type"] as? String == reference?["@odata.type"] as? String })
        #expect(items(all.json).contains { $0["@odata.type"] as? String == "#microsoft.graph.group" })
        #expect(items(all.json).count == 3)
        let cast = "/v1.0/groups/\(group)/transitiveMembers/microsoft.graph.user?$count=true&$select=id"
        let refused = try await harness.raw(cast, headers: auth)
        #expect(refused.status == 400)
        let counted = try await harness.raw(cast, headers: auth + [("ConsistencyLevel", "eventual")])
        #expect((counted.json as? [String: Any])?["@odata.count"] as? Int == 2)
    }

    @Test("the token endpoint answers like the reference, and a bad scope with the AADSTS error shape")
    func tokenShapes() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let form = "client_id=\(GraphTenant.demoClientId)&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=s3cret-value&grant_type=client_credentials"
        let headers = [("Content-Type", "application/x-www-form-urlencoded")]
        let good = try await harness.raw("/\(GraphHarness.domain)/oauth2/v2.0/token", method: "POST", headers: headers, body: form)
        #expect(keys(good.json) == keys(try sample("token-response")))
        let badScope = form.replacingOccurrences(of: "graph.microsoft.com", with: "foo.microsoft.com")
        let bad = try await harness.raw("/\(GraphHarness.tenantId)/oauth2/v2.0/token", method: "POST", headers: headers, body: badScope)
        #expect(bad.status == 400)
        #expect(keys(bad.json).isSuperset(of: keys(try sample("token-error-invalid_scope"))))
        #expect((bad.json as? [String: Any])?["error_codes"] as? [Int] == [70011])
    }

    @Test("errors follow the reference: 501 for a $select outside collections, 400 for $top=1000 and unadvanced endsWith")
    func errorShapes() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let notImplemented = try await harness.raw("/v1.0/users?$select=skills", headers: auth)
        #expect(notImplemented.status == 501)
        let reference = try sample("error-501-not-implemented")
        #expect(keys((notImplemented.json as? [String: Any])?["error"]) == keys(reference["error"]))
        let top = try await harness.raw("/v1.0/users?$top=1000", headers: auth)
        #expect(top.status == 400)
        let endsWith = try await harness.raw("/v1.0/users?$filter=endsWith(mail,'contoso.onmicrosoft.com')", headers: auth)
        #expect(endsWith.status == 400)
        let advancedError = try sample("error-400-advanced-query-missing")["error"] as? [String: Any]
        #expect(((endsWith.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == advancedError?["code"] as? String)
        let advanced = try await harness.raw(
            "/v1.0/users?$filter=endsWith(mail,'contoso.onmicrosoft.com')&$count=true", headers: auth + [("ConsistencyLevel", "eventual")])
        #expect(items(advanced.json).count == 2)
        #expect((advanced.json as? [String: Any])?["@odata.count"] as? Int == 2)
        let noToken = try await harness.raw("/v1.0/users")
        #expect(noToken.status == 401)
        let countRefused = try await harness.raw("/v1.0/users/$count", headers: auth)
        #expect(countRefused.status == 400)
        let count = try await harness.raw("/v1.0/users/$count", headers: auth + [("ConsistencyLevel", "eventual")])
        #expect(count.text == "3")
        let skip = try await harness.raw("/v1.0/users?$skip=1", headers: auth)
        #expect(skip.status == 400)
        let ordered = try await harness.raw("/v1.0/users?$orderby=displayName%20desc&$top=2&$select=displayName", headers: auth)
        #expect(items(ordered.json).compactMap { $0["displayName"] as? String } == ["Scanner", "Diego Siciliani"])
        let rest = try await harness.raw(try #require((ordered.json as? [String: Any])?["@odata.nextLink"] as? String), headers: auth)
        #expect(items(rest.json).compactMap { $0["displayName"] as? String } == ["Adele Vance"])
        let orderedFilter = try await harness.raw("/v1.0/users?$orderby=displayName&$filter=department%20eq%20'HR'", headers: auth)
        #expect(orderedFilter.status == 400)
    }

    @Test("a separate-process emulator is driven over HTTP: tenants, faults and request counts under /admin/graph")
    func adminOverHTTP() async throws {
        let harness = try await GraphHarness.start([])
        defer { Task { await harness.stop() } }
        let json = String(decoding: try JSONEncoder().encode(GraphHarness.smallTenant()), as: UTF8.self)
        let added = try await harness.raw(
            "/admin/graph/tenants", method: "POST", headers: [("Content-Type", "application/json")], body: json)
        #expect(added.status == 200)
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let fault = String(decoding: try JSONEncoder().encode(GraphEmulator.throttling(retryAfter: "3")), as: UTF8.self)
        _ = try await harness.raw("/admin/graph/faults", method: "POST", headers: [("Content-Type", "application/json")], body: fault)
        let throttled = try await harness.raw("/v1.0/subscribedSkus", headers: auth)
        #expect(throttled.status == 429)
        #expect(throttled.headers["retry-after"] == "3")
        #expect(((throttled.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "TooManyRequests")
        let served = try await harness.raw("/v1.0/subscribedSkus", headers: auth)
        #expect(served.status == 200)
        let counts = try await harness.raw("/admin/graph/requests")
        let json2 = try #require(counts.json as? [String: Any])
        #expect(json2["total"] as? Int == 3)
        #expect((json2["byRoute"] as? [String: Int])?["GET /v1.0/subscribedSkus"] == 2)
    }
}

@Suite("Graph emulator fixtures")
struct GraphFixtureTests {
    @Test("a tenant loads from YAML and from JSON, optional lists left out")
    func loadsYAMLAndJSON() throws {
        let yaml = """
        tenantId: 0c7e5a9d-1111-4222-8333-944455556666
        domain: wingtip.onmicrosoft.com
        clientId: app-1
        clientSecret: hush
        skus:
          - skuId: cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46
            skuPartNumber: SPB
        users:
          - id: u-1
            userPrincipalName: ann@wingtip.onmicrosoft.com
            givenName: Ann
            accountEnabled: true
            assignedLicenses:
              - skuId: cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46
        """
        let tenant = try GraphTenant.parseYAML(yaml)
        #expect(tenant.users.first?.givenName == "Ann")
        #expect(tenant.users.first?.assignedLicenses.first?.disabledPlans == [])
        #expect(tenant.groups.isEmpty)
        #expect(tenant.skus.first?.capabilityStatus == "Enabled")
        let json = try JSONEncoder().encode(tenant)
        #expect(try GraphTenant.parseJSON(json) == tenant)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("graph-fixture-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try GraphTenant.load(from: file) == tenant)
    }

    @Test("a synthetic tenant is the same for the same seed and varied: unlicensed, disabled, several SKUs, groups")
    func syntheticTenant() {
        let a = GraphTenant.synthetic(users: 500, seed: 1, domain: "a.onmicrosoft.com")
        let b = GraphTenant.synthetic(users: 500, seed: 1, domain: "a.onmicrosoft.com")
        let c = GraphTenant.synthetic(users: 500, seed: 2, domain: "a.onmicrosoft.com")
        #expect(a == b)
        #expect(a.users.map(\.id) != c.users.map(\.id))
        #expect(Set(a.users.map(\.id)).count == 500)
        #expect(Set(a.users.map(\.userPrincipalName)).count == 500)
        #expect(a.users.contains { $0.assignedLicenses.isEmpty })
        #expect(a.users.contains { $0.accountEnabled == false })
        #expect(Set(a.users.compactMap(\.department)).count > 5)
        let used = Set(a.users.flatMap { $0.assignedLicenses.map(\.skuId) })
        #expect(Set(a.skus.map(\.skuId)) == used)
        #expect(a.groups.first { $0.displayName == "Management" }?.members.isEmpty == false)
    }
}
