// R1 (eligibility), R2 (scope and assignment) and R3 (contact email), one test per rule.

import ContactSync
import Foundation
import Testing

@Suite("R1 Eligibility")
struct EligibilityTests {
    @Test("R1.1 a user is eligible when enabled and licensed")
    func r1_1() {
        var t = Tenant()
        let ok = t.user("ada")
        let unknownEnabled = t.user("bob") { $0.accountEnabled = nil }
        t.run()
        #expect(t.state.directory.users[ok]?.eligibility == .eligible)
        #expect(t.state.directory.users[unknownEnabled]?.eligibility == .ineligible(.disabled))
        #expect(t.contactOf(ok) != nil)
        #expect(t.contactOf(unknownEnabled) == nil)
    }

    @Test("R1.2 every other user is ineligible and its reason is kept")
    func r1_2() {
        var t = Tenant()
        let disabled = t.user("dis") { $0.accountEnabled = false }
        let unlicensed = t.user("unl", licenses: [])
        let deleted = t.user("del")
        let soft = t.user("soft")
        let gone = t.user("gone")
        t.run()
        t.remove(deleted, reason: .deleted)
        t.remove(soft, reason: .softDeleted)
        t.run()
        t.users[gone] = nil  // vanishes without a delta removal: only a complete full read notices
        t.run(mode: .full)
        let users = t.state.directory.users
        #expect(users[disabled]?.eligibility == .ineligible(.disabled))
        #expect(users[unlicensed]?.eligibility == .ineligible(.unlicensed))
        #expect(users[deleted]?.eligibility == .ineligible(.deleted))
        #expect(users[soft]?.eligibility == .ineligible(.softDeleted))
        #expect(users[gone]?.eligibility == .ineligible(.notFound))
    }

    @Test("R1.3 a failed or partial read changes nobody's eligibility")
    func r1_3() {
        var t = Tenant()
        let stays = t.user("stays")
        let gone = t.user("gone")
        t.run()
        t.users[gone] = nil
        let failed = t.run(mode: .full, complete: false)
        #expect(t.state.directory.users[gone]?.eligibility == .eligible)
        #expect(failed.plan.deactivations.isEmpty)
        let complete = t.run(mode: .full)
        #expect(t.state.directory.users[gone]?.eligibility == .ineligible(.notFound))
        #expect(t.state.directory.users[stays]?.eligibility == .eligible)
        #expect(complete.plan.deactivations.map(\.userId) == [gone])
    }
}

@Suite("R2 Scope and assignment")
struct ScopeTests {
    @Test("R2.1 filters are ordered, each with a site and optionally a contact type")
    func r2_1() {
        var t = Tenant {
            $0.filters = [MappingFilter(.upnDomain("contoso.example"), site: "Site 2", contactType: "Staff")]
        }
        t.contactTypes = [PSAContactType(id: 7, name: "Staff"), PSAContactType(id: 8, name: "Employee")]
        let ada = t.user("ada")
        t.run()
        #expect(t.contactOf(ada)?.siteId == 3)
        #expect(t.contactOf(ada)?.typeIds == [7])
        t.settings.filters = [MappingFilter(.allLicensed, site: "Site 9")]
        let bob = t.user("bob")
        let plan = t.run().plan
        #expect(t.contactOf(bob) == nil)
        #expect(plan.notes.contains { $0.rule == "R2.1" && $0.userId == bob && $0.message.contains("\"Site 9\", which PSA company 100 does not have") })
        #expect(t.contactOf(ada)?.siteId == 3)  // left where it is
    }

    @Test("R2.2 filter kinds: allLicensed, group, field, upnDomain, license")
    func r2_2() {
        let context = ScopeContext(groups: ["management": ["id-boss"], "gid-9": ["id-boss"]], catalog: SKU.all)
        var u = DirectoryUser(id: "id-boss", userPrincipalName: "boss@Fabrikam.example", assignedLicenses: [AssignedLicense(skuId: "sku-ex1")],
                              department: "  it ", extensionAttributes: ["extensionAttribute7": "VIP"])
        #expect(Scope.matches(.allLicensed, user: u, context: context))
        #expect(Scope.matches(.group("Management"), user: u, context: context))
        #expect(Scope.matches(.group("gid-9"), user: u, context: context))
        #expect(!Scope.matches(.group("Sales"), user: u, context: context))
        #expect(Scope.matches(.field(attribute: "department", equals: "IT"), user: u, context: context))
        #expect(Scope.matches(.field(attribute: "extensionAttribute7", equals: "vip"), user: u, context: context))
        #expect(!Scope.matches(.field(attribute: "city", equals: "IT"), user: u, context: context))
        #expect(Scope.matches(.upnDomain("fabrikam.EXAMPLE"), user: u, context: context))
        #expect(!Scope.matches(.upnDomain("contoso.example"), user: u, context: context))
        #expect(Scope.matches(.license("EXCHANGESTANDARD"), user: u, context: context))
        #expect(Scope.matches(.license("sku-ex1"), user: u, context: context))
        #expect(Scope.matches(.license("Exchange Online (Plan 1)"), user: u, context: context))
        #expect(!Scope.matches(.license("SPB"), user: u, context: context))
        u.assignedLicenses = [AssignedLicense(skuId: "sku-std")]
        #expect(Scope.matches(.license("O365_BUSINESS_PREMIUM"), user: u, context: context))
    }

    @Test("R2.3 filters only select eligible users")
    func r2_3() {
        var t = Tenant { $0.filters = [MappingFilter(.group("Management"), site: "New Site")] }
        let boss = t.user("boss") { $0.accountEnabled = false }
        t.groups["Management"] = [boss]
        let plan = t.run().plan
        #expect(plan.commands.isEmpty)
        #expect(t.state.assignments.byUser[boss] == nil)
    }

    @Test("R2.4 with no filters every eligible user goes to the default site and type")
    func r2_4() {
        var t = Tenant { $0.defaultSite = "Site 3"; $0.contactType = "Employee" }
        t.contactTypes = [PSAContactType(id: 8, name: "Employee")]
        let a = t.user("a"), b = t.user("b", licenses: [SKU.exchangePlan1])
        let plan = t.run().plan
        #expect(plan.commands.filter { $0.kind == .create }.count == 2)
        #expect(t.contactOf(a)?.siteId == 4 && t.contactOf(b)?.siteId == 4)
        #expect(t.contactOf(a)?.typeIds == [8])
        #expect(plan.commands.first?.ruleIds.contains("R2.4") == true)
    }

    @Test("R2.5 the first matching filter wins, nobody twice, no match is out of scope")
    func r2_5() {
        var t = Tenant {
            $0.filters = [
                MappingFilter(.field(attribute: "department", equals: "IT"), site: "New Site"),
                MappingFilter(.license("SPB"), site: "Main"),
            ]
        }
        let both = t.user("both") { $0.department = "IT" }
        let spb = t.user("spb")
        let none = t.user("none", licenses: [SKU.exchangePlan1])
        let plan = t.run().plan
        #expect(t.contactOf(both)?.siteId == 2)
        #expect(t.contactOf(spb)?.siteId == 1)
        #expect(t.contactOf(none) == nil)
        #expect(Tenant.commands(plan, user: both).count == 1)
        #expect(t.state.assignments.byUser[both]?.filterIndex == 0)
        #expect(t.state.assignments.byUser[none] == nil)
    }

    @Test("R2.6 a matched user gone out of scope is deactivated unless deactivateOutOfScope is off")
    func r2_6() {
        for deactivate in [true, false] {
            var t = Tenant { $0.deactivateOutOfScope = deactivate; $0.filters = [MappingFilter(.field(attribute: "department", equals: "IT"), site: "Main")] }
            let u = t.user("it") { $0.department = "IT" }
            t.run()
            t.edit(u) { $0.department = "Sales" }
            let plan = t.run().plan
            let contact = t.contactOf(u)!
            if deactivate {
                #expect(plan.deactivations.map(\.userId) == [u])
                #expect(plan.deactivations.first?.ruleIds.contains("R2.6") == true)
                #expect(!contact.isActive)
            } else {
                #expect(plan.commands.isEmpty)
                #expect(contact.isActive)
            }
        }
    }
}

@Suite("R3 Contact email")
struct ContactEmailTests {
    @Test("R3.1 the contact email is the UPN, or mail with useEmail")
    func r3_1() {
        let u = DirectoryUser(id: "1", userPrincipalName: "ada@contoso.onmicrosoft.com", mail: "ada.lovelace@contoso.example")
        #expect(Scope.contactEmail(u, useEmail: false) == "ada@contoso.onmicrosoft.com")
        #expect(Scope.contactEmail(u, useEmail: true) == "ada.lovelace@contoso.example")
        var t = Tenant { $0.useEmail = true }
        let id = t.user("ada") { $0.mail = "ada.lovelace@contoso.example" }
        t.run()
        #expect(t.contactOf(id)?.emails == ["ada.lovelace@contoso.example"])
    }

    @Test("R3.2 with useEmail and a blank mail the UPN is used")
    func r3_2() {
        var t = Tenant { $0.useEmail = true }
        let id = t.user("ada") { $0.mail = "  " }
        let plan = t.run().plan
        #expect(t.contactOf(id)?.emails == ["ada@contoso.example"])
        #expect(plan.commands.first?.ruleIds.contains("R3.2") == true)
    }

    @Test("R3.3 emails compare trimmed and case-insensitively and are written as observed")
    func r3_3() {
        var t = Tenant()
        let existing = t.contact(email: "  ADA@Contoso.Example ")
        let ada = t.user("ada")
        let bob = t.user("bob") { $0.userPrincipalName = "Bob.Smith@Contoso.example" }
        let plan = t.run().plan
        #expect(Tenant.commands(plan, user: ada).first?.match?.contactId == existing)
        #expect(plan.commands.allSatisfy { $0.write.map { if case .update(_, let u) = $0 { return u.fields.email == nil } else { return true } } ?? true })
        #expect(t.contactOf(bob)?.emails == ["Bob.Smith@Contoso.example"])
    }
}
