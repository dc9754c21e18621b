// Requests as standard Graph clients send them, which the real service accepts (../shared/reference/graph/README.md
// §4): a user by id or by user principal name, a user's direct and transitive groups, and casts written short
// (`graph.user`) or whole (`microsoft.graph.user`) on members, transitiveMembers, memberOf and transitiveMemberOf.

import Emulators
import Foundation
import Testing

extension EmulatorFidelityTests {
    static let management = "22222222-0000-4000-8000-000000000001"
    static let board = "22222222-0000-4000-8000-000000000002"
    static let adele = "11111111-0000-4000-8000-000000000001"
    static let diego = "11111111-0000-4000-8000-000000000002"

    @Test("GET /users/{id | userPrincipalName} answers one user with the default properties, or $select's; 404 for none",
          arguments: [adele, "adele@contoso.onmicrosoft.com", "adele%40contoso.onmicrosoft.com", "ADELE@Contoso.onmicrosoft.com"])
    func userByIdOrName(_ key: String) async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let answer = try await harness.raw("/v1.0/users/\(key)", headers: auth)
        #expect(answer.status == 200)
        let user = try #require(answer.json as? [String: Any])
        #expect(user["id"] as? String == Self.adele)
        #expect((user["@odata.context"] as? String)?.hasSuffix("/v1.0/$metadata#users/$entity") == true)
        let listed = keys(items(try sample("users-list-default")).first)
        #expect(Set(user.keys).subtracting(["@odata.context"]) == listed)

        let selected = try await harness.raw("/v1.0/users/\(key)?$select=id,displayName", headers: auth)
        #expect(Set((selected.json as? [String: Any])?.keys.map { $0 } ?? []) == ["@odata.context", "id", "displayName"])
        let missing = try await harness.raw("/v1.0/users/nobody@contoso.onmicrosoft.com", headers: auth)
        #expect(missing.status == 404)
        #expect(((missing.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "Request_ResourceNotFound")
    }

    @Test("memberOf lists a user's direct groups, transitiveMemberOf the nested ones too, each typed as the reference's")
    func userGroups() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        // Diego is a direct member of Board only, and Board is a member of Management.
        let direct = try await harness.raw("/v1.0/users/\(Self.diego)/memberOf", headers: auth)
        #expect(items(direct.json).map { $0["id"] as? String } == [Self.board])
        let nested = try await harness.raw("/v1.0/users/diego@contoso.onmicrosoft.com/transitiveMemberOf", headers: auth)
        #expect(Set(items(nested.json).compactMap { $0["id"] as? String }) == [Self.management, Self.board])
        #expect((nested.json as? [String: Any])?["@odata.context"] as? String == "\(harness.host.baseURL)/v1.0/$metadata#directoryObjects")
        let reference = try #require(items(try sample("user-transitiveMemberOf")).first)
        #expect(items(nested.json).allSatisfy { Set($0.keys).isSuperset(of: reference.keys) })
        #expect(items(nested.json).allSatisfy { $0["@odata.type"] as? String == reference["@odata.type"] as? String })
    }

    @Test("casts are taken short or whole, in any case, on each collection; without the advanced query they are refused",
          arguments: [
              ("/v1.0/groups/\(management)/transitiveMembers/graph.user", 2),
              ("/v1.0/groups/\(management)/transitiveMembers/Microsoft.Graph.User", 2),
              ("/v1.0/groups/\(management)/members/graph.user", 1),
              ("/v1.0/groups/\(management)/members/microsoft.graph.group", 1),
              ("/v1.0/users/\(diego)/transitiveMemberOf/graph.group", 2),
              ("/v1.0/users/\(diego)/memberOf/microsoft.graph.group", 1),
          ])
    func casts(path: String, count: Int) async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let auth = [("Authorization", "Bearer \(try await harness.bearer())")]
        let counted = try await harness.raw(path + "?$count=true", headers: auth + [("ConsistencyLevel", "eventual")])
        #expect(counted.status == 200)
        #expect((counted.json as? [String: Any])?["@odata.count"] as? Int == count)
        #expect(items(counted.json).count == count)
        let refused = try await harness.raw(path, headers: auth)
        #expect(refused.status == 400)
        let unknown = try await harness.raw(
            path.replacingOccurrences(of: "user", with: "device", options: .caseInsensitive).replacingOccurrences(of: "group", with: "device"),
            headers: auth + [("ConsistencyLevel", "eventual")])
        #expect(unknown.status == 400 || unknown.status == 404)
    }
}
