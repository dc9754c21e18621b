// R8 (deactivate), R9 (reactivate) and R10 (contact types), one test per rule.

import ContactSync
import Foundation
import Testing

@Suite("R8 Deactivate")
struct DeactivationTests {
    /// R8.5 would hold these small tenants' deactivations (all of their contacts): these tests are about R8.1–R8.3.
    static func neverHeld(_ settings: inout CompanySettings) {
        settings.deactivationThreshold = DeactivationThreshold(count: 10, percent: 10, alwaysAbovePercent: 100)
    }

    @Test("R8.1 a matched contact is set inactive when its user becomes ineligible")
    func r8_1() {
        var t = Tenant(Self.neverHeld)
        let ada = t.user("ada")
        let bob = t.user("bob")
        t.run()
        t.edit(ada) { $0.assignedLicenses = [] }
        t.edit(bob) { $0.accountEnabled = false }
        let plan = t.run().plan
        #expect(Set(plan.deactivations.compactMap(\.userId)) == [ada, bob])
        #expect(plan.deactivations.allSatisfy { $0.ruleIds.first == "R8.1" && $0.changes == [FieldChange(field: "active", from: "true", to: "false")] })
        #expect(t.contactOf(ada)?.isActive == false && t.contactOf(bob)?.isActive == false)
        #expect(t.run().plan.commands.isEmpty)  // already inactive: nothing more
    }

    @Test("R8.2 a contact that was never matched is never touched")
    func r8_2() {
        var t = Tenant()
        let lonely = t.contact(email: "former@contoso.example")
        let disabledsTwin = t.contact(email: "dis@contoso.example")
        t.user("dis") { $0.accountEnabled = false }
        t.user("ada")
        let plan = t.run().plan
        #expect(!plan.commands.contains { $0.contactId == lonely || $0.contactId == disabledsTwin })
        #expect(t.contacts[lonely]?.isActive == true && t.contacts[disabledsTwin]?.isActive == true)
    }

    @Test("R8.3 contacts are never deleted: every write is a create or an update")
    func r8_3() {
        var t = Tenant(Self.neverHeld)
        let ada = t.user("ada")
        t.contact(email: "bob@contoso.example")
        let bob = t.user("bob")
        t.run()
        t.remove(ada, reason: .deleted)
        t.remove(bob, reason: .softDeleted)
        let plan = t.run().plan
        #expect(plan.commands.count == 2)
        #expect(plan.commands.allSatisfy { $0.deactivates })
        #expect(t.contacts.count == 2)
        #expect(t.contacts.values.allSatisfy { !$0.isActive })
    }

    @Test("R8.4 too many deactivations are held until approved; creates and updates still apply")
    func r8_4() {
        var t = Tenant()
        let users = (0..<20).map { t.user("user\($0)") }
        t.run()
        for u in users.prefix(12) { t.edit(u) { $0.assignedLicenses = [] } }
        t.edit(users[19]) { $0.jobTitle = "Boss" }
        let newcomer = t.user("newcomer")
        let (plan, safety) = t.run()
        #expect(plan.deactivations.count == 12)
        #expect(safety.held && safety.heldCommandIds.count == 12)
        #expect(users.prefix(12).allSatisfy { t.contactOf($0)?.isActive == true })
        #expect(t.contactOf(users[19])?.title == "Boss")
        #expect(t.contactOf(newcomer) != nil)
        #expect(t.state.heldRuns["run-2"]?.count == 12)
        t.approve(runId: "run-2")
        #expect(users.prefix(12).allSatisfy { t.contactOf($0)?.isActive == false })
        #expect(t.state.heldRuns.isEmpty)

        // more than 10 but not more than 10 %: applied at once
        let small = Plan(commands: (0..<11).map { Command(id: "c\($0)", kind: .deactivate, userId: nil, contactId: $0, write: .update(contactId: $0, ContactUpdate(isActive: false)), reasons: [], settingsVersion: 1) }, notes: [], matchedCount: 200, settingsVersion: 1)
        #expect(!DeactivationSafety.decide(small, threshold: .standard).held)
        #expect(DeactivationSafety.decide(small, threshold: DeactivationThreshold(count: 10, percent: 5)).held)
    }

    @Test("R8.7 a dismissed hold is not applied, nor planned again for the same users until they change in Microsoft 365; the story names who dismissed and why")
    func r8_7_dismissed() {
        var t = Tenant()
        let users = (0..<20).map { t.user("user\($0)") }
        t.run()
        for u in users.prefix(12) { t.edit(u) { $0.assignedLicenses = [] } }
        #expect(t.run().safety.held)
        let held = t.state.heldRuns["run-2"] ?? []
        #expect(held.count == 12)
        t.append(.deactivationsDismissed(DeactivationsDismissed(runId: "run-2", commandIds: held, reason: "renewal under way", dismissedBy: "dana")))
        #expect(t.state.heldRuns.isEmpty)
        #expect(t.state.dismissed.count == 12)

        // The next runs plan no deactivation for them, and say why.
        let (after, safety) = t.run()
        #expect(after.deactivations.isEmpty && !safety.held)
        #expect(after.notes.filter { $0.rule == "R8.7" }.count == 12)
        #expect(users.prefix(12).allSatisfy { t.contactOf($0)?.isActive == true })

        // One user changes in Microsoft 365 (a new title): their deactivation is planned again; the others stay dismissed.
        t.edit(users[0]) { $0.jobTitle = "Left the company" }
        t.observe()
        let again = t.plan()
        #expect(again.deactivations.compactMap(\.userId) == [users[0]])
        #expect(again.notes.filter { $0.rule == "R8.7" }.count == 11)

        let story = Explainer().story(of: .user(users[1]), in: t.events)
        #expect(story.contains { $0.ruleIds == ["R8.7"] && $0.text.contains("dismissed by dana: renewal under way") }, "\(story.map(\.text))")
    }
}

@Suite("R8.5 Small customers")
struct SmallCustomerTests {
    private func deactivations(_ n: Int, matched: Int) -> Plan {
        Plan(commands: (0..<n).map { Command(id: "c\($0)", kind: .deactivate, userId: nil, contactId: $0, write: .update(contactId: $0, ContactUpdate(isActive: false)), reasons: [], settingsVersion: 1) }, notes: [], matchedCount: matched, settingsVersion: 1)
    }

    @Test("R8.5 every user of a 10-seat customer losing their license is held, though it is not more than 10")
    func r8_5_lapsedSubscription() {
        var t = Tenant()
        let users = (0..<10).map { t.user("user\($0)") }
        t.run()
        for u in users { t.edit(u) { $0.assignedLicenses = [] } }
        let (plan, safety) = t.run()
        #expect(plan.deactivations.count == 10)
        #expect(safety.held && safety.rule == "R8.5" && safety.heldCommandIds.count == 10)
        #expect(safety.explanation?.contains("more than 50% of 10 matched contacts") == true)
        #expect(users.allSatisfy { t.contactOf($0)?.isActive == true })
        t.approve(runId: "run-2")
        #expect(users.allSatisfy { t.contactOf($0)?.isActive == false })
    }

    @Test("R8.5 more than half, and at least 2, is held whatever the count; half or fewer, or a single one, is not")
    func r8_5_bounds() {
        #expect(DeactivationSafety.decide(deactivations(6, matched: 10), threshold: .standard).rule == "R8.5")
        #expect(!DeactivationSafety.decide(deactivations(5, matched: 10), threshold: .standard).held)
        #expect(DeactivationSafety.decide(deactivations(2, matched: 3), threshold: .standard).held)
        #expect(!DeactivationSafety.decide(deactivations(1, matched: 1), threshold: .standard).held)
        #expect(DeactivationSafety.decide(deactivations(12, matched: 20), threshold: .standard).rule == "R8.4")
        let lenient = DeactivationThreshold(count: 10, percent: 10, alwaysAbovePercent: 100)
        #expect(!DeactivationSafety.decide(deactivations(10, matched: 10), threshold: lenient).held)
    }

    @Test("R8.5 a threshold recorded before R8.5 reads with the default of 50%, and the setting can be written")
    func r8_5_settings() throws {
        let old = try JSONDecoder().decode(DeactivationThreshold.self, from: Data(#"{"count":10,"percent":10}"#.utf8))
        #expect(old == DeactivationThreshold(count: 10, percent: 10, alwaysAbovePercent: 50))
        let yaml = designYAML.replacingOccurrences(of: "deactivationThreshold: { count: 10, percent: 10 }", with: "deactivationThreshold: { count: 10, percent: 10, alwaysAbovePercent: 80 }")
        let settings = try SettingsLoader.load(yaml: yaml, path: "rollcall.yaml", environment: environment)
        #expect(settings.companies.first?.deactivationThreshold.alwaysAbovePercent == 80)
    }
}

@Suite("R9 Reactivate")
struct ReactivationTests {
    @Test("R9.1 an eligible matched user reactivates its inactive contact, with R6 in the same write")
    func r9_1() {
        var t = Tenant()
        let old = t.contact(email: "ada@contoso.example", active: false)
        let ada = t.user("ada")
        let plan = t.run().plan
        #expect(plan.commands.count == 1)
        let cmd = plan.commands[0]
        #expect(cmd.kind == .reactivate && cmd.match?.contactId == old)
        guard case .update(_, let u)? = cmd.write else { Issue.record("no update"); return }
        #expect(u.isActive == true && u.fields.firstName == "Ada")
        #expect(cmd.ruleIds.contains("R9.1") && cmd.ruleIds.contains("R6.2"))
        #expect(t.contactOf(ada)?.isActive == true)
    }
}

@Suite("R10 Contact types")
struct ContactTypeTests {
    @Test("R10.1 new contacts get the filter's type, else the company's, else the connection default")
    func r10_1() {
        var t = Tenant {
            $0.filters = [MappingFilter(.field(attribute: "department", equals: "IT"), site: "Main", contactType: "Tech"), MappingFilter(.allLicensed, site: "Main")]
        }
        t.contactTypes = [PSAContactType(id: 1, name: "Tech"), PSAContactType(id: 2, name: "Staff"), PSAContactType(id: 3, name: "Employee")]
        t.connectionDefaultType = "Employee"
        let it = t.user("it") { $0.department = "IT" }
        let plain = t.user("plain")
        t.run()
        #expect(t.contactOf(it)?.typeIds == [1])
        #expect(t.contactOf(plain)?.typeIds == [3])
        t.settings.contactType = "Staff"
        let late = t.user("late")
        t.run()
        #expect(t.contactOf(late)?.typeIds == [2])
    }

    @Test("R10.2 types are added, never removed")
    func r10_2() {
        var t = Tenant { $0.contactType = "Staff" }
        t.contactTypes = [PSAContactType(id: 2, name: "Staff"), PSAContactType(id: 5, name: "Owner")]
        let ada = t.user("ada")
        t.run()
        let contact = t.contactOf(ada)!.id
        t.editContact(contact) { $0.typeIds.append(5) }
        t.settings.contactType = "Owner"
        #expect(t.run().plan.commands.isEmpty)
        t.settings.contactType = "Staff"
        t.editContact(contact) { $0.typeIds = [5] }
        let plan = t.run().plan
        guard case .update(_, let u)? = plan.commands.first?.write else { Issue.record("no update"); return }
        #expect(u.addTypeIds == [2])
        #expect(t.contacts[contact]?.typeIds == [5, 2])
    }
}
