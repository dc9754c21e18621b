// R4 (matching) and R5 (create), one test per rule.

import ContactSync
import Foundation
import Testing

@Suite("R4 Matching")
struct MatchingTests {
    @Test("R4.1 an unmatched in-scope user is matched to a contact with its email, any email field")
    func r4_1() {
        var t = Tenant()
        let existing = t.contact(email: "someone@else.example") { $0.emails.append("ada@contoso.example") }
        let ada = t.user("ada")
        let plan = t.run().plan
        #expect(plan.commands.count == 1)
        #expect(plan.commands[0].match?.contactId == existing)
        #expect(plan.commands[0].ruleIds.first == "R4.1")
        #expect(!plan.commands.contains { $0.kind == .create })
        #expect(t.state.matches.byUser[ada]?.contactId == existing)
    }

    @Test("R4.2 several candidates: active, then primary email, then lowest id; the ambiguity is shown")
    func r4_2() {
        var t = Tenant()
        let inactive = t.contact(email: "ada@contoso.example", active: false)
        let secondary = t.contact(email: "x@contoso.example") { $0.emails.append("ada@contoso.example") }
        let primaryHigh = t.contact(email: "ada@contoso.example")
        let primaryHigher = t.contact(email: "ADA@contoso.example")
        let ada = t.user("ada")
        let plan = t.run().plan
        let cmd = Tenant.commands(plan, user: ada)[0]
        #expect(cmd.match?.contactId == primaryHigh)
        #expect(cmd.match?.candidates == [primaryHigh, primaryHigher, secondary, inactive])
        #expect(cmd.ruleIds.contains("R4.2"))
        #expect(plan.notes.contains { $0.rule == "R4.2" && $0.contactId == primaryHigh })
        let story = Explainer().story(of: .user(ada), in: t.events)
        #expect(story.contains { $0.ruleIds.contains("R4.2") && $0.text.contains("4 contacts have email") })
    }

    @Test("R4.3 a match is kept by ids when emails change on either side")
    func r4_3() {
        var t = Tenant()
        let existing = t.contact(email: "ada@contoso.example")
        let ada = t.user("ada")
        t.run()
        t.edit(ada) { $0.userPrincipalName = "ada.lovelace@contoso.example" }
        t.contact(email: "ada.lovelace@contoso.example")  // a decoy with the new email
        let plan = t.run().plan
        #expect(t.state.matches.byUser[ada]?.contactId == existing)
        let cmd = Tenant.commands(plan, user: ada)
        #expect(cmd.count == 1)
        #expect(cmd[0].contactId == existing)
        #expect(cmd[0].changes.contains { $0.field == "email" && $0.to == "ada.lovelace@contoso.example" })
    }

    @Test("R4.4 a match ends only when its contact is observed deleted; the user is then unmatched")
    func r4_4() {
        var t = Tenant()
        let existing = t.contact(email: "ada@contoso.example")
        let ada = t.user("ada")
        t.run()
        t.editContact(existing) { $0.isActive = false; $0.emails = ["other@x.example"] }
        let quiet = t.run().plan
        #expect(t.state.matches.byUser[ada]?.contactId == existing)
        #expect(!quiet.commands.contains { $0.kind == .endMatch })
        t.contacts[existing] = nil
        let plan = t.run().plan
        #expect(plan.commands.map(\.kind) == [.endMatch, .create])
        #expect(plan.commands[0].ruleIds == ["R4.4"])
        #expect(t.state.matches.byUser[ada]?.contactId != existing)
        #expect(t.contactOf(ada) != nil)
    }

    @Test("R4.5 matching happens with updateExisting off")
    func r4_5() {
        var t = Tenant { $0.updateExisting = false }
        let existing = t.contact(email: "ada@contoso.example")
        let ada = t.user("ada")
        let plan = t.run().plan
        #expect(plan.commands.map(\.kind) == [.match])
        #expect(plan.commands[0].write == nil)
        #expect(t.state.matches.byUser[ada]?.contactId == existing)
    }
}

@Suite("R5 Create")
struct CreateTests {
    @Test("R5.1 a new contact gets the synced fields, the assigned site, active, and the type")
    func r5_1() {
        var t = Tenant { $0.filters = [MappingFilter(.allLicensed, site: "Site 2", contactType: "Staff")] }
        t.contactTypes = [PSAContactType(id: 7, name: "Staff")]
        let ada = t.user("ada")
        let plan = t.run().plan
        guard case .create(let n)? = plan.commands.first?.write else {
            Issue.record("expected a create, got \(plan.commands)")
            return
        }
        #expect(n.fields == ContactFields(firstName: "Ada", lastName: "Tester", title: "Engineer", phone: "+1 555 0100", mobile: "+1 555 0199", email: "ada@contoso.example"))
        #expect(n.siteId == 3 && n.typeIds == [7])
        #expect(t.contactOf(ada)?.isActive == true)
        #expect(plan.commands[0].ruleIds.first == "R5.1")
    }

    @Test("R5.2 creation does not depend on updateExisting")
    func r5_2() {
        var t = Tenant { $0.updateExisting = false }
        let ada = t.user("ada")
        let plan = t.run().plan
        #expect(plan.commands.map(\.kind) == [.create])
        #expect(t.contactOf(ada) != nil)
    }

    @Test("R5.3 a contact created by a run is a match from then on")
    func r5_3() {
        var t = Tenant()
        let ada = t.user("ada")
        t.run()
        let created = t.state.matches.byUser[ada]
        #expect(created?.basis == .created)
        let again = t.run().plan
        #expect(again.commands.isEmpty)
        t.edit(ada) { $0.jobTitle = "CTO" }
        let update = t.run().plan
        #expect(update.commands.map(\.contactId) == [created?.contactId])
    }
}
