// Issue 17 item 4: what an idle run costs with the article's five filters (a group, a field, two licenses, all
// licensed): one Graph request after the token (the users delta and the groups delta in one `$batch`) and one PSA
// request, whatever the tenant's size. Larger tenants (10,000 and 100,000 users) are measured by `scripts/bench
// --company Fabrikam`.

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

    /// Runs Fabrikam until it is in step, then measures one more run: Graph requests, the reads its batch carried,
    /// PSA requests.
    static func idleRun(_ scenario: Scenario) async throws -> (graph: [String: Int], batched: [String: Int], psa: [String: Int]) {
        #expect(try await scenario.run("Fabrikam").status == .completed)
        _ = try await scenario.run("Fabrikam")   // settles what the first run's writes changed
        let graphBefore = await scenario.running.graph.control.requestCounts()
        let batchedBefore = await scenario.running.graph.control.batchItemCounts()
        let psaBefore = await scenario.psaControl.requestCounts()
        let idle = try await scenario.run("Fabrikam")
        #expect(idle.status == .completed)
        #expect(idle.created + idle.updated + idle.deactivated + idle.reactivated == 0)
        return (
            delta(await scenario.running.graph.control.requestCounts(), graphBefore),
            delta(await scenario.running.graph.control.batchItemCounts(), batchedBefore),
            delta(await scenario.psaControl.requestCounts(), psaBefore))
    }

    @Test("an idle run with the article's five filters costs one Graph request after the token and one PSA request", arguments: [SampleMSP.PSA.autotask, .connectwise])
    func idleFloor(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let idle = try await Self.idleRun(scenario)
        #expect(idle.graph == ["POST /v1.0/$batch": 1], "Graph: \(idle.graph)")
        #expect(idle.batched == ["GET /v1.0/users/delta": 1, "GET /v1.0/groups/delta": 1], "batched: \(idle.batched)")
        #expect(idle.psa.values.reduce(0, +) == 1, "PSA: \(idle.psa)")
    }

    @Test("at 1,000 users the idle run costs the same two requests")
    func idleFloorThousand() async throws {
        var tenants = SampleMSP.tenants()
        let fabrikam = tenants[1]
        tenants[1] = GraphTenant.synthetic(users: 1_000, seed: 17, domain: fabrikam.domain, tenantId: fabrikam.tenantId)
        let scenario = try await Scenario(psa: .autotask, tenants: tenants) { yaml in
            YAML.set(yaml, company: "Fabrikam", "deactivationThreshold", "{ count: 100000, percent: 100 }")
        }
        defer { Task { await scenario.stop() } }
        #expect(scenario.settings.companies.first { $0.name == "Fabrikam" }?.filters.count == 5)
        let idle = try await Self.idleRun(scenario)
        #expect(idle.graph == ["POST /v1.0/$batch": 1], "Graph: \(idle.graph)")
        #expect(idle.batched == ["GET /v1.0/users/delta": 1, "GET /v1.0/groups/delta": 1], "batched: \(idle.batched)")
        #expect(idle.psa.values.reduce(0, +) == 1, "PSA: \(idle.psa)")
        #expect(await scenario.contacts("Fabrikam").count > 800)
    }
}
