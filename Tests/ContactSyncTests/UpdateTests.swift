// R6 (update existing contacts) and R7 (without updateExisting), one test per rule.

import ContactSync
import Foundation
import Testing

/// A tenant with one user matched to one existing contact, synced once.
private func matchedPair(_ configure: (inout CompanySettings) -> Void = { _ in }) -> (Tenant, String, Int) {
    var t = Tenant(configure)
    let contact = t.contact(email: "ada@contoso.example")
    let ada = t.user("ada")
    t.run()
    return (t, ada, contact)
}

@Suite("R6 Update existing contacts")
struct UpdateTests {
    @Test("R6.1 the synced fields are first and last name, title, phone, mobile and email")
    func r6_1() {
        var (t, ada, contact) = matchedPair()
        t.edit(ada) {
            $0.givenName = "Augusta"; $0.surname = "King"; $0.jobTitle = "Countess"; $0.businessPhones = ["+44 20 1", "+44 20 2"]
            $0.mobilePhone = "+44 77"; $0.userPrincipalName = "augusta@contoso.example"; $0.department = "Maths"
        }
        let cmd = t.run().plan.commands
        #expect(cmd.count == 1)
        #expect(Set(cmd[0].changes.map(\.field)) == ["firstName", "lastName", "title", "phone", "mobile", "email"])
        let c = t.contacts[contact]!
        #expect([c.firstName, c.lastName, c.title, c.phone, c.mobile, c.primaryEmail] == ["Augusta", "King", "Countess", "+44 20 1", "+44 77", "augusta@contoso.example"])
    }

    @Test("R6.2 a PSA edit is overwritten when Microsoft holds a different non-blank value")
    func r6_2() {
        var (t, _, contact) = matchedPair()
        #expect(t.contacts[contact]?.title == "Engineer")
        t.editContact(contact) { $0.title = "Edited in PSA" }
        let plan = t.run().plan
        #expect(plan.commands.first?.changes == [FieldChange(field: "title", from: "Edited in PSA", to: "Engineer")])
        #expect(plan.commands.first?.ruleIds == ["R6.2"])
        #expect(t.contacts[contact]?.title == "Engineer")
    }

    @Test("R6.3 a blank Microsoft value never overwrites a PSA value")
    func r6_3() {
        var (t, ada, contact) = matchedPair()
        t.edit(ada) { $0.jobTitle = "  "; $0.mobilePhone = nil; $0.businessPhones = [] }
        let plan = t.run().plan
        #expect(plan.commands.isEmpty)
        #expect(t.contacts[contact]?.title == "Engineer")
        #expect(t.contacts[contact]?.mobile == "+1 555 0199")
    }

    @Test("R6.4 a matched contact whose assigned site changes is moved")
    func r6_4() {
        var (t, ada, contact) = matchedPair { $0.filters = [MappingFilter(.field(attribute: "department", equals: "IT"), site: "New Site"), MappingFilter(.allLicensed, site: "Main")] }
        #expect(t.contacts[contact]?.siteId == 1)
        t.edit(ada) { $0.department = "IT" }
        let plan = t.run().plan
        #expect(plan.commands.map(\.kind) == [.moveSite])
        #expect(plan.commands[0].changes == [FieldChange(field: "site", from: "Main", to: "New Site")])
        #expect(t.contacts[contact]?.siteId == 2)
    }

    @Test("R6.5 ConnectWise: the assigned contact type is added when missing, never removed")
    func r6_5() {
        var t = Tenant { $0.contactType = "Staff" }
        t.contactTypes = [PSAContactType(id: 7, name: "Staff"), PSAContactType(id: 9, name: "Billing")]
        let contact = t.contact(email: "ada@contoso.example") { $0.typeIds = [9]; $0.firstName = "Ada"; $0.lastName = "Tester"; $0.title = "Engineer"; $0.phone = "+1 555 0100"; $0.mobile = "+1 555 0199" }
        t.user("ada")
        let plan = t.run().plan
        #expect(plan.commands.map(\.kind) == [.addContactType])
        guard case .update(_, let u)? = plan.commands[0].write else { Issue.record("no update"); return }
        #expect(u.addTypeIds == [7])
        #expect(t.contacts[contact]?.typeIds == [9, 7])
        #expect(t.run().plan.commands.isEmpty)
    }

    @Test("R6.6 field policies: onCreateOnly never updates, onChange writes only a changed Microsoft value")
    func r6_6() {
        var (t, ada, contact) = matchedPair { $0.fieldPolicy = [.title: .onChange, .mobile: .onCreateOnly] }
        t.editContact(contact) { $0.title = "PSA title"; $0.mobile = "PSA mobile" }
        #expect(t.run().plan.commands.isEmpty)  // Microsoft did not change: the PSA edits stand
        t.edit(ada) { $0.jobTitle = "Lead"; $0.mobilePhone = "+1 555 0000" }
        let plan = t.run().plan
        #expect(plan.commands.first?.changes == [FieldChange(field: "title", from: "PSA title", to: "Lead")])
        #expect(plan.commands.first?.ruleIds == ["R6.6"])
        #expect(t.contacts[contact]?.mobile == "PSA mobile")
    }

    @Test("R6.7 values longer than the PSA allows are cut, and the plan says so")
    func r6_7() {
        var (t, ada, contact) = matchedPair()
        let long = "Principal " + String(repeating: "x", count: 69)
        t.edit(ada) { $0.jobTitle = long }
        let plan = t.run().plan
        let change = plan.commands.first?.changes.first
        #expect(change?.to == String(long.prefix(50)))
        #expect(change?.note == "cut from 79 to 50 characters")
        #expect(plan.commands.first?.ruleIds.contains("R6.7") == true)
        #expect(t.contacts[contact]?.title?.count == 50)
        #expect(t.run().plan.commands.isEmpty)  // the cut value is in step: no write every run
    }
}

@Suite("R7 Without updateExisting")
struct NoUpdateTests {
    @Test("R7.1 matched contacts are never modified: no update, move, type, reactivation or deactivation")
    func r7_1() {
        var t = Tenant { $0.updateExisting = false; $0.contactType = "Staff" }
        t.contactTypes = [PSAContactType(id: 7, name: "Staff")]
        let inactive = t.contact(email: "ada@contoso.example", active: false, site: 4)
        let active = t.contact(email: "bob@contoso.example")
        t.user("ada")
        let bob = t.user("bob")
        let first = t.run().plan
        #expect(first.commands.allSatisfy { $0.kind == .match && $0.write == nil })
        t.edit(bob) { $0.assignedLicenses = [] }
        let second = t.run().plan
        #expect(second.commands.isEmpty)
        #expect(t.contacts[inactive]?.isActive == false && t.contacts[inactive]?.siteId == 4)
        #expect(t.contacts[active]?.isActive == true && t.contacts[active]?.firstName == "Old")
    }

    @Test("R7.2 contacts the sync created are existing too once created")
    func r7_2() {
        var t = Tenant { $0.updateExisting = false }
        let ada = t.user("ada")
        #expect(t.run().plan.commands.map(\.kind) == [.create])
        t.edit(ada) { $0.jobTitle = "CTO"; $0.accountEnabled = false }
        #expect(t.run().plan.commands.isEmpty)
        #expect(t.contactOf(ada)?.title == "Engineer")
        #expect(t.contactOf(ada)?.isActive == true)
    }
}

@Suite("R6.9 and R6.10: what is already there is not rewritten")
struct AlreadyThereTests {
    @Test("R6.9 a contact matched through its second email keeps its personal primary address")
    func r6_9() {
        var t = Tenant()
        let contact = t.contact(email: "ada.personal@home.example") { $0.emails.append("ada@contoso.example") }
        _ = t.user("ada")
        let first = t.run().plan
        #expect(first.commands.allSatisfy { !$0.changes.contains { $0.field == "email" } })
        #expect(t.contacts[contact]?.primaryEmail == "ada.personal@home.example")
        #expect(t.run().plan.commands.isEmpty)
    }

    @Test("R6.9 an email in none of the contact's fields is still written")
    func r6_9_changed() {
        var (t, ada, contact) = matchedPair()
        t.edit(ada) { $0.userPrincipalName = "augusta@contoso.example" }
        let plan = t.run().plan
        #expect(plan.commands.first?.changes == [FieldChange(field: "email", from: "ada@contoso.example", to: "augusta@contoso.example")])
        #expect(t.contacts[contact]?.primaryEmail == "augusta@contoso.example")
    }

    @Test("R6.10 phones that differ only in spaces, dashes, dots and brackets are not rewritten; other digits or a + are")
    func r6_10() {
        var (t, ada, contact) = matchedPair()
        t.edit(ada) { $0.businessPhones = ["+1 (425) 555-0401"]; $0.mobilePhone = "+1 425 555 0199" }
        _ = t.run()
        t.editContact(contact) { $0.phone = "+1 425.555.0401"; $0.mobile = "+1-425-555-0199" }
        #expect(t.run().plan.commands.isEmpty)
        t.editContact(contact) { $0.phone = "1 425 555 0401" }
        #expect(t.run().plan.commands.first?.changes == [FieldChange(field: "phone", from: "1 425 555 0401", to: "+1 (425) 555-0401")])
        t.editContact(contact) { $0.mobile = "+1 425 555 0198" }
        #expect(t.run().plan.commands.first?.changes.map(\.field) == ["mobile"])
        #expect(Planner.phoneKey(" +1 (425) 555-0401 ") == "+14255550401")
    }
}
