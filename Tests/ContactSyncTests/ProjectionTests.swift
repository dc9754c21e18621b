// Projections are folds: continuing from a stored checkpoint gives the same state as folding from position 0.

import ContactSync
import Foundation
import PropertyBased
import RollcallTesting
import Testing

/// A long, varied history: many runs of random directory and PSA changes, on a tenant with filters.
func randomHistory(seed: UInt64, runs: Int = 12, users: Int = 25) -> Tenant {
    var rng = SplitMix(seed: seed)
    var t = Tenant {
        $0.filters = [
            MappingFilter(.group("Management"), site: "New Site"),
            MappingFilter(.field(attribute: "department", equals: "IT"), site: "New Site"),
            MappingFilter(.license("EXCHANGESTANDARD"), site: "Site 2"),
            MappingFilter(.license("SPB"), site: "Main"),
            MappingFilter(.allLicensed, site: "Site 3"),
        ]
        $0.deactivationThreshold = DeactivationThreshold(count: 1000, percent: 100)
    }
    var ids = (0..<users).map { i in t.user("u\(i)", licenses: [SKU.all[i % 3]]) }
    for i in 0..<users / 3 { t.contact(email: "u\(i * 2)@contoso.example", active: rng.next() % 2 == 0) }
    t.groups["Management"] = ids.filter { _ in rng.next() % 5 == 0 }
    for _ in 0..<runs {
        for _ in 0..<(users / 4) {
            let id = ids[Int(rng.next() % UInt64(ids.count))]
            guard t.users[id] != nil else { continue }
            switch rng.next() % 9 {
            case 0: t.edit(id) { $0.assignedLicenses = [] }
            case 1: t.edit(id) { $0.accountEnabled = rng.next() % 2 == 0 }
            case 2: t.edit(id) { $0.jobTitle = rng.next() % 3 == 0 ? nil : "Title \(rng.next() % 7)" }
            case 3: t.edit(id) { $0.department = rng.next() % 2 == 0 ? "IT" : "Sales" }
            case 4: t.edit(id) { $0.assignedLicenses = [AssignedLicense(skuId: SKU.all[Int(rng.next() % 3)].skuId)]; $0.accountEnabled = true }
            case 5: t.remove(id, reason: rng.next() % 2 == 0 ? .deleted : .softDeleted)
            case 6: if let c = t.contacts.keys.sorted().first(where: { _ in rng.next() % 4 == 0 }) { t.editContact(c) { $0.title = "PSA edit" } }
            case 7: if let c = t.contacts.keys.sorted().first(where: { _ in rng.next() % 6 == 0 }) { t.contacts[c] = nil }
            default: ids.append(t.user("n\(rng.next() % 10_000)"))
            }
        }
        if rng.next() % 5 == 0 { t.settings.useEmail.toggle() }
        t.run(mode: rng.next() % 4 == 0 ? .full : .delta, complete: rng.next() % 7 != 0)
    }
    return t
}

/// A small deterministic random number generator, so a failing seed replays.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Projections")
struct ProjectionTests {
    @Test("folding a random split from a stored checkpoint gives the state folded from position 0")
    func foldFromCheckpoint() async {
        await propertyCheck(count: 12, input: Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 0...1000)) { seed, cut in
            let t = randomHistory(seed: UInt64(seed))
            let events = t.events
            let split = events.count * cut / 1000
            let whole = CompanyState.fold(company: t.company, events)
            var first = CompanyState.fold(company: t.company, events[..<split])
            // store the checkpoint the way the engine would, and continue from what was stored
            let stored = try! JSONEncoder().encode(first)
            first = try! JSONDecoder().decode(CompanyState.self, from: stored)
            first.apply(events[split...])
            #expect(first == whole)
            #expect(whole.position == Int64(events.count))
            let planWhole = Planner.plan(state: whole, settings: t.settings, settingsVersion: t.settingsVersion, limits: .autotask)
            let planSplit = Planner.plan(state: first, settings: t.settings, settingsVersion: t.settingsVersion, limits: .autotask)
            #expect(planWhole == planSplit)
        }
    }

    @Test("replaying events already folded changes nothing")
    func replayIsHarmless() {
        let t = randomHistory(seed: 42, runs: 4)
        var s = t.state
        let before = s
        s.apply(t.events.suffix(30))
        #expect(s == before)
        #expect(!s.directory.users.isEmpty && !s.psa.contacts.isEmpty && !s.matches.byUser.isEmpty)
    }
}

@Suite("Planner benchmark")
struct PlannerBenchmarkTests {
    @Test("the benchmark tenant plans the commands its shape calls for")
    func benchmarkShape() {
        // per 100 users: 1 create (new), 1 deactivation (lost license), 1 title update, 1 match by email
        let (state, settings) = SyntheticTenant.planned(users: 1000)
        #expect(state.directory.users.count == 1000 && state.psa.contacts.count == 1000)
        let plan = Planner.plan(state: state, settings: settings, settingsVersion: 1, limits: .autotask)
        #expect(plan.commands.filter { $0.kind == .create }.count == 10)
        #expect(plan.deactivations.count == 10)
        #expect(plan.commands.filter { $0.match != nil }.count == 10)
        #expect(plan.commands.filter { $0.kind == .update && $0.changes.map(\.field) == ["title"] }.count == 10)
    }
}
