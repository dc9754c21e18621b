// Properties of the planner over random tenants and histories.

import ContactSync
import Foundation
import PropertyBased
import Testing

/// A random tenant after a random history, observed once more but not yet planned.
private func observedTenant(seed: Int, updateExisting: Bool = true) -> Tenant {
    var t = randomHistory(seed: UInt64(seed), runs: 5, users: 20)
    t.settings.updateExisting = updateExisting
    var rng = SplitMix(seed: UInt64(seed) ^ 0xABCD)
    for (id, _) in t.users.sorted(by: { $0.key < $1.key }) where rng.next() % 3 == 0 {
        t.edit(id) {
            $0.givenName = rng.next() % 2 == 0 ? " " : "G\(rng.next() % 5)"
            $0.mobilePhone = rng.next() % 2 == 0 ? nil : "+1 \(rng.next() % 100)"
            $0.businessPhones = rng.next() % 2 == 0 ? [] : ["+1 \(rng.next() % 100)"]
            if rng.next() % 4 == 0 { $0.assignedLicenses = [] }
        }
    }
    for c in t.contacts.keys.sorted() where rng.next() % 4 == 0 {
        t.editContact(c) { $0.isActive.toggle(); $0.siteId = Int(rng.next() % 4) + 1 }
    }
    for i in 0..<4 { t.contact(email: "u\(i)@contoso.example", active: rng.next() % 2 == 0) }  // duplicates and strays
    t.recordSettings()
    t.observe()
    return t
}

@Suite("Planner properties")
struct PlannerPropertyTests {
    @Test("R8.2 the planner never deactivates an unmatched contact")
    func neverDeactivatesUnmatched() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let t = observedTenant(seed: seed)
            let state = t.state
            let plan = t.plan()
            for c in plan.deactivations {
                #expect(c.contactId.flatMap { state.matches.byContact[$0] } == c.userId)
            }
        }
    }

    @Test("R6.3 the planner never writes a blank over a value")
    func neverWritesBlank() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let t = observedTenant(seed: seed)
            for c in t.plan().commands {
                let fields: ContactFields? =
                    switch c.write {
                    case .update(_, let u)?: u.fields
                    case .create(let n)?: n.fields
                    case nil: nil
                    }
                guard let fields else { continue }
                for value in [fields.firstName, fields.lastName, fields.title, fields.phone, fields.mobile, fields.email] {
                    if let value { #expect(!Scope.isBlank(value), "command \(c.id) writes a blank") }
                }
                #expect(c.changes.allSatisfy { $0.to.map { !$0.allSatisfy(\.isWhitespace) } ?? false })
            }
        }
    }

    @Test("one write per contact: never two commands for one contact or one user's create")
    func oneCommandPerContact() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let t = observedTenant(seed: seed)
            let plan = t.plan()
            let contactIds = plan.commands.compactMap(\.contactId)
            #expect(Set(contactIds).count == contactIds.count)
            let ids = plan.commands.map(\.id)
            #expect(Set(ids).count == ids.count)
            let creates = plan.commands.filter { $0.kind == .create }.compactMap(\.userId)
            #expect(Set(creates).count == creates.count)
        }
    }

    @Test("R7.1 with updateExisting off the planner plans only creates and matches")
    func onlyCreatesAndMatches() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let t = observedTenant(seed: seed, updateExisting: false)
            for c in t.plan().commands {
                #expect([.create, .match, .endMatch].contains(c.kind), "planned \(c.kind) for \(c.id)")
                if case .update? = c.write { Issue.record("command \(c.id) updates a contact") }
            }
        }
    }
}
