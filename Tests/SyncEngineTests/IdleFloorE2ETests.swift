// Issue 17 item 4: what an idle run costs with the article's five filters (a group, a field, two licenses, all
// licensed). The PSA side is at the floor: one request (the budget is read only by a run that writes). Graph costs the
// users delta plus one members read per group a filter names; the groups delta round and `$batch` that bring it to one
// request are still to come.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Idle run floor end to end")
struct IdleFloorE2ETests {
    /// Requests per path between two snapshots of an emulator's counts, the token's left out.
    static func delta(_ after: [String: Int], _ before: [String: Int]) -> [String: Int] {
        after.reduce(into: [:]) { out, item in
            let d = item.value - (before[item.key] ?? 0)
            if d > 0 && !item.key.lowercased().contains("/token") { out[item.key] = d }
        }
    }

    @Test("an idle run with the article's five filters costs one PSA request, and Graph's users delta plus one read per group", arguments: [SampleMSP.PSA.autotask, .connectwise])
    func idleFloor(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        #expect(try await scenario.run("Fabrikam").status == .completed)
        _ = try await scenario.run("Fabrikam")   // settles what the first run's writes changed
        let graphBefore = await scenario.running.graph.control.requestCounts()
        let psaBefore = await scenario.psaControl.requestCounts()
        let idle = try await scenario.run("Fabrikam")
        #expect(idle.status == .completed)
        let graph = Self.delta(await scenario.running.graph.control.requestCounts(), graphBefore)
        let psaRequests = Self.delta(await scenario.psaControl.requestCounts(), psaBefore)
        #expect(graph.values.reduce(0, +) == 2, "Graph: \(graph)")
        #expect(graph["GET /v1.0/users/delta"] == 1, "Graph: \(graph)")
        #expect(psaRequests.values.reduce(0, +) == 1, "PSA: \(psaRequests)")
    }
}
