// R2.2 with groups read by one groups delta round (issue 17): nested groups are followed, a deleted group is refused
// like an unknown one, and an expired link starts a fresh round. Transitive members are computed from the direct
// members the log keeps.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Groups delta end to end")
struct GroupsDeltaE2ETests {
    static let management = "0d1e2f30-0000-4000-8000-0000000000aa"
    static let board = "0d1e2f30-0000-4000-8000-0000000000bb"

    static func groupRounds(_ scenario: Scenario) async throws -> [GroupsDeltaObserved] {
        try await scenario.events("Fabrikam").compactMap { envelope in
            if case .groupsDeltaObserved(let e) = envelope.event { return e } else { return nil }
        }
    }

    @Test("R2.2 e2e: a group nested in a filter's group counts, and leaving it is seen by the next round")
    func nestedGroup() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        let tenant = scenario.tenant("Fabrikam")
        try await scenario.run("Fabrikam")
        #expect(await scenario.only("Fabrikam", "Delia", "Dennis")?.siteId == 2001)
        let direct = SampleMSP.tenants()[1].groups.first { $0.id == Self.management }!.members

        try await scenario.running.graph.upsertGroup(
            GraphGroup(id: Self.board, displayName: "Board", members: [Scenario.userId("Fabrikam", 6)]), in: tenant)
        try await scenario.running.graph.setGroupMembers(Self.management, members: direct + [Self.board], in: tenant)
        #expect(try await scenario.run("Fabrikam").status == .completed)
        #expect(await scenario.only("Fabrikam", "Delia", "Dennis")?.siteId == 2002)   // in Board, in Management
        let tracked = try await Self.groupRounds(scenario).last
        #expect(tracked?.fresh == true)
        #expect(tracked?.trackedGroupIds == [Self.management, Self.board].sorted())

        try await scenario.running.graph.setGroupMembers(Self.board, members: [], in: tenant)
        let before = await scenario.running.graph.control.batchItemCounts()
        #expect(try await scenario.run("Fabrikam").status == .completed)
        #expect(await scenario.only("Fabrikam", "Delia", "Dennis")?.siteId == 2001)   // left Board
        let after = await scenario.running.graph.control.batchItemCounts()
        #expect(after["GET /v1.0/groups/delta", default: 0] - before["GET /v1.0/groups/delta", default: 0] == 1)
        let last = try await Self.groupRounds(scenario).last
        #expect(last?.fresh == false)
        #expect(last?.groups.map(\.groupId) == [Self.board])
        #expect(last?.groups.first?.userIds == [])
    }

    @Test("R2.2 e2e: a filter's group deleted in Microsoft 365 refuses the run like an unknown group; nothing is written")
    func deletedGroup() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        let writes = await scenario.psaWrites()
        try await scenario.running.graph.deleteGroup(Self.management, in: scenario.tenant("Fabrikam"))
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.status == .badSettings)
        #expect(summary.message?.contains("names group \"Management\"") == true, "\(summary.message ?? "")")
        #expect(await scenario.psaWrites() == writes)
    }

    @Test("an expired groups delta link starts a fresh round; nothing changes in the PSA")
    func expiredLink() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        try await scenario.run("Fabrikam")
        let writes = await scenario.psaWrites()
        try await scenario.running.graph.expireDeltaLinks()
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.status == .completed)
        #expect(await scenario.psaWrites() == writes)
        let rounds = try await Self.groupRounds(scenario)
        #expect(rounds.last?.fresh == true)
        #expect(rounds.last?.runId == summary.runId)
    }
}
