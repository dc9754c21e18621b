// Issue 17's Graph floor: groups read with one groups delta round (`members@delta`) and a run's first reads sent in
// one `$batch`, with per-item throttling handled as the reference says. Client and emulator, over real HTTP.

import ContactSync
import Emulators
import Foundation
import MicrosoftGraph
import Testing

@Suite("Graph groups delta and $batch")
struct GroupsDeltaBatchTests {
    let management = "22222222-0000-4000-8000-000000000001"
    let board = "22222222-0000-4000-8000-000000000002"
    let adele = "11111111-0000-4000-8000-000000000001"
    let diego = "11111111-0000-4000-8000-000000000002"

    @Test("a fresh groups delta gives each tracked group's direct users and nested groups; the next round only what changed")
    func groupsDeltaRounds() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        await harness.emulator.configure(deltaPageSize: 1)   // one member per entry, one entry per page: merged by the client
        let client = harness.client()
        let fresh = try await client.groupsDelta(from: nil, tracking: [management, board])
        let byId = Dictionary(uniqueKeysWithValues: fresh.changes.map { ($0.groupId, $0) })
        #expect(byId[management]?.addedUsers == [adele])
        #expect(byId[management]?.addedGroups == [board])
        #expect(byId[management]?.displayName == "Management")
        #expect(byId[board]?.addedUsers == [adele, diego])
        #expect(fresh.deltaLink.hasPrefix(harness.host.baseURL + "/v1.0/groups/delta?"))

        let idle = try await client.groupsDelta(from: fresh.deltaLink, tracking: [management, board])
        #expect(idle.changes.isEmpty)

        try await harness.emulator.setGroupMembers(board, members: [diego], in: GraphHarness.tenantId)
        try await harness.emulator.setGroupMembers(management, members: [adele, diego, board], in: GraphHarness.tenantId)
        let round = try await client.groupsDelta(from: idle.deltaLink, tracking: [management, board])
        let changed = Dictionary(uniqueKeysWithValues: round.changes.map { ($0.groupId, $0) })
        #expect(changed[board]?.removedUsers == [adele])
        #expect(changed[board]?.addedUsers == [])
        #expect(changed[management]?.addedUsers == [diego])

        try await harness.emulator.deleteGroup(board, in: GraphHarness.tenantId)
        let afterDelete = try await client.groupsDelta(from: round.deltaLink, tracking: [management, board])
        let deleted = Dictionary(uniqueKeysWithValues: afterDelete.changes.map { ($0.groupId, $0) })
        #expect(deleted[board]?.removed == true)
        #expect(deleted[management]?.removedGroups == [board])
    }

    @Test("the reference's members@delta page reads as one member added and one removed")
    func referenceSample() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let sample = try #require(ReferenceSamples.groupsDeltaMembersChanges)
            .replacingOccurrences(of: "https://graph.microsoft.com", with: harness.host.baseURL)
        await harness.emulator.control.inject(Fault(.status(code: 200, retryAfter: nil, body: sample), pathContains: "/groups/delta"))
        let read = try await harness.client().groupsDelta(
            from: harness.host.baseURL + "/v1.0/groups/delta?$deltatoken=x", tracking: ["2e5807ce-58f3-4a94-9b37-ffff2e085957"])
        let change = try #require(read.changes.first)
        #expect(change.groupId == "2e5807ce-58f3-4a94-9b37-ffff2e085957")
        #expect(change.displayName == "TestGroup3")
        #expect(change.addedUsers == ["37de1ae3-408f-4702-8636-20824abda004"])
        #expect(change.removedUsers == ["632f6bb2-3ec8-4c1f-9073-0027a8c6859"])
    }

    @Test("a run's first reads travel in one $batch: one request, the same answers as sent one by one")
    func batchedReads() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let first = try await client.fullRead()
        let groups = try await client.groupsDelta(from: nil, tracking: [management, board])
        try await harness.emulator.updateUser(adele, in: GraphHarness.tenantId) { $0.jobTitle = "Head of Retail" }
        try await harness.emulator.setGroupMembers(board, members: [diego], in: GraphHarness.tenantId)
        await harness.emulator.control.resetCounts()

        await client.prepareRound(DirectoryRoundPlan(
            usersDeltaLink: first.deltaLink, groupsDeltaLink: groups.deltaLink, catalog: true))
        let users = try await client.deltaRound(from: try #require(first.deltaLink))
        let groupRound = try await client.groupsDelta(from: groups.deltaLink, tracking: [management, board])
        let catalog = try await client.licenseCatalog()

        #expect(await harness.emulator.control.requestCounts() == ["POST /v1.0/$batch": 1])
        #expect(await harness.emulator.control.batchItemCounts() == [
            "GET /v1.0/users/delta": 1, "GET /v1.0/groups/delta": 1, "GET /v1.0/subscribedSkus": 1,
        ])
        #expect(users.changes.count == 1)
        #expect(groupRound.changes.map(\.groupId) == [board])
        #expect(catalog.count == 2)
    }

    @Test("an item throttled inside the batch is sent again in a second batch after its Retry-After; the others are not")
    func throttledItem() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let first = try await client.fullRead()
        await harness.emulator.control.resetCounts()
        await harness.emulator.control.inject(GraphEmulator.throttling(retryAfter: "0.05", pathContains: "/subscribedSkus", count: 1))
        await client.prepareRound(DirectoryRoundPlan(usersDeltaLink: first.deltaLink, groupsDeltaLink: nil, catalog: true))
        _ = try await client.deltaRound(from: try #require(first.deltaLink))
        #expect(try await client.licenseCatalog().count == 2)
        #expect(await harness.emulator.control.requestCounts() == ["POST /v1.0/$batch": 2])
        #expect(await harness.emulator.control.batchItemCounts() == ["GET /v1.0/users/delta": 1, "GET /v1.0/subscribedSkus": 2])
        let retry = try #require(harness.logs.entries.first { $0.message.contains("throttled inside a batch") })
        #expect("\(retry.metadata["requests"] ?? "")" == "1")
    }

    @Test("a batch Graph refuses as a whole leaves each read to go alone, and the reads still succeed")
    func refusedBatch() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let first = try await client.fullRead()
        await harness.emulator.control.resetCounts()
        await harness.emulator.control.inject(Fault(
            .status(code: 400, retryAfter: nil, body: #"{"error":{"code":"BadRequest","message":"Invalid batch payload format."}}"#),
            pathContains: "/$batch"))
        await client.prepareRound(DirectoryRoundPlan(usersDeltaLink: first.deltaLink, groupsDeltaLink: nil, catalog: true))
        _ = try await client.deltaRound(from: try #require(first.deltaLink))
        #expect(try await client.licenseCatalog().count == 2)
        #expect(await harness.emulator.control.requestCounts() == [
            "POST /v1.0/$batch": 1, "GET /v1.0/users/delta": 1, "GET /v1.0/subscribedSkus": 1,
        ])
    }

    @Test("the emulator's $batch refuses more than 20 requests and repeated ids, and answers items by id, out of order")
    func emulatorBatchRules() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let bearer = try await harness.bearer()
        let headers = [("Authorization", "Bearer \(bearer)"), ("Content-Type", "application/json")]
        func body(_ ids: [String]) -> String {
            "{\"requests\":[" + ids.map { #"{"id":"\#($0)","method":"GET","url":"/subscribedSkus"}"# }.joined(separator: ",") + "]}"
        }
        let tooMany = try await harness.raw("/v1.0/$batch", method: "POST", headers: headers, body: body((1...21).map(String.init)))
        #expect(tooMany.status == 400)
        let repeated = try await harness.raw("/v1.0/$batch", method: "POST", headers: headers, body: body(["1", "1"]))
        #expect(repeated.status == 400)
        let mixed = #"{"requests":[{"id":"1","method":"GET","url":"/users?$select=id&$top=1"},{"id":"5","method":"GET","url":"users/$count","headers":{"ConsistencyLevel":"eventual"}},{"id":"7","method":"GET","url":"/users/microsoft.graph.delta()?$deltatoken=latest"}]}"#
        let answer = try await harness.raw("/v1.0/$batch", method: "POST", headers: headers, body: mixed)
        #expect(answer.status == 200)
        let responses = try #require((answer.json as? [String: Any])?["responses"] as? [[String: Any]])
        #expect(responses.compactMap { $0["id"] as? String } == ["7", "5", "1"])
        let byId = Dictionary(uniqueKeysWithValues: responses.map { ($0["id"] as! String, $0) })
        #expect(byId["1"]?["status"] as? Int == 200)
        #expect(((byId["1"]?["body"] as? [String: Any])?["value"] as? [Any])?.count == 1)
        // A text/plain answer comes base64-encoded.
        let count = try #require(byId["5"]?["body"] as? String)
        #expect(String(decoding: Data(base64Encoded: count) ?? Data(), as: UTF8.self) == "3")
        #expect(((byId["7"]?["body"] as? [String: Any])?["@odata.deltaLink"] as? String)?.contains("/users/delta") == true)
    }
}
