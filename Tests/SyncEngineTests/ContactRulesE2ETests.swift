// End to end over loopback, for both PSAs: the contact's email (R3), matching (R4), creating (R5), updating (R6),
// updateExisting off (R7) and ConnectWise contact types (R10).

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("R3 to R7 and R10 end to end")
struct ContactRulesE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]

    @Test("R3.1 e2e: the contact email is the UPN, or mail with useEmail on", arguments: psas, [false, true])
    func useEmail(psa: SampleMSP.PSA, useEmail: Bool) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "useEmail", "\(useEmail)") }
        defer { Task { await scenario.stop() } }
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso")) {
            $0.mail = "Alex.W@Contoso-Mail.example"
        }
        try await scenario.run("Contoso")
        let byMail = await scenario.contact("Contoso", email: "alex.w@contoso-mail.example")
        let byUPN = await scenario.contact("Contoso", email: Scenario.upn("Alex", "Wilber", "Contoso"))
        #expect(byMail.count == (useEmail ? 1 : 0))
        #expect(byUPN.count == (useEmail ? 0 : 1))
        if useEmail { #expect(byMail.first?.email == "Alex.W@Contoso-Mail.example") }   // R3.3: written as observed
    }

    @Test("R3.2 e2e: with useEmail on and mail blank, the UPN is used", arguments: psas)
    func blankMail(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "useEmail", "true") }
        defer { Task { await scenario.stop() } }
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 2), in: scenario.tenant("Contoso")) { $0.mail = nil }
        let summary = try await scenario.run("Contoso")
        #expect(summary.created == 7)
        #expect(await scenario.only("Contoso", "Megan", "Bowen")?.firstName == "Megan")
    }

    @Test("R4.1/R3.3 e2e: a user matches a contact by a secondary email, compared case-insensitively", arguments: psas)
    func secondaryEmail(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let id = await scenario.addInPSA(
            "Contoso", first: "Alex", last: "W.", email: "alex.private@example.org",
            otherEmail: Scenario.upn("Alex", "Wilber", "Contoso").uppercased())
        let summary = try await scenario.run("Contoso")
        #expect(summary.created == 6)       // Alex is matched, not created
        #expect(summary.matched == 2)       // Adele and Alex
        let contacts = await scenario.contacts("Contoso")
        let alex = contacts.filter { $0.firstName == "Alex" }
        #expect(alex.map(\.id) == [id])
        #expect(alex.first?.lastName == "Wilber")   // R6.2 in the same run
        let matched = try await scenario.events("Contoso").compactMap { envelope -> MatchDecision? in
            if case .contactMatched(let m) = envelope.event { return m.match } else { return nil }
        }
        #expect(matched.contains { $0.userId == Scenario.userId("Contoso", 1) && $0.contactId == id })
    }

    @Test("R4.2 e2e: of several candidates the active contact wins, and the ambiguity is recorded", arguments: psas)
    func ambiguity(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let email = Scenario.upn("Alex", "Wilber", "Contoso")
        let inactive = await scenario.addInPSA("Contoso", first: "Alex", last: "Old", email: email, active: false)
        let active = await scenario.addInPSA("Contoso", first: "Alex", last: "Current", email: email)
        #expect(inactive < active)
        let summary = try await scenario.run("Contoso")
        let decision = summary.plan?.commands.compactMap(\.match).first { $0.userId == Scenario.userId("Contoso", 1) }
        #expect(decision?.contactId == active)
        #expect(decision?.ambiguity != nil)
        #expect(summary.plan?.notes.contains { $0.rule == "R4.2" && $0.contactId == active } == true)
        let contacts = await scenario.contacts("Contoso")
        #expect(contacts.first { $0.id == inactive }?.active == false)   // the loser is left alone (R8.2)
        #expect(contacts.first { $0.id == inactive }?.lastName == "Old")
    }

    @Test("R4.3 e2e: a match survives an email change on either side", arguments: psas)
    func matchSurvivesEmailChange(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let alex = try #require(await scenario.only("Contoso", "Alex", "Wilber"))
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso")) {
            $0.userPrincipalName = "alex.wilber-renamed@contoso.com"
        }
        let second = try await scenario.run("Contoso")
        #expect(second.created == 0)
        #expect(await scenario.contacts("Contoso").first { $0.id == alex.id }?.email == "alex.wilber-renamed@contoso.com")

        try await scenario.editInPSA(alex.id, email: "typed.by.hand@contoso.com")
        let third = try await scenario.run("Contoso")
        #expect(third.created == 0)
        let contacts = await scenario.contacts("Contoso")
        #expect(contacts.first { $0.id == alex.id }?.email == "alex.wilber-renamed@contoso.com")
        #expect(contacts.filter { $0.firstName == "Alex" }.count == 1)
    }

    @Test("R4.4 e2e: a deleted PSA contact ends the match, and the user gets a new contact", arguments: psas)
    func deletedContact(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let alex = try #require(await scenario.only("Contoso", "Alex", "Wilber"))
        #expect(await scenario.deleteInPSA(alex.id))
        let second = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(second.status == .completed)
        try await scenario.run("Contoso")
        let events = try await scenario.events("Contoso")
        #expect(events.contains { envelope in
            if case .matchEnded(let m) = envelope.event { m.contactId == alex.id && m.userId == Scenario.userId("Contoso", 1) } else { false }
        })
        let now = try #require(await scenario.only("Contoso", "Alex", "Wilber"))
        #expect(now.id != alex.id)
        #expect(now.active)
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.matches.byUser[Scenario.userId("Contoso", 1)]?.contactId == now.id)
    }

    @Test("R5.1/R5.3 e2e: a new user gets one active contact with the synced fields and its site", arguments: psas)
    func create(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(lidia.firstName == "Lidia")
        #expect(lidia.lastName == "Holloway")
        #expect(lidia.title == "Product Manager")
        #expect(lidia.phone == "+1 425 555 0103")
        #expect(lidia.mobile == "+1 206 555 0203")
        #expect(lidia.active)
        #expect(lidia.siteId == 1001)
        if psa == .connectwise { #expect(lidia.typeIds == [1]) }
        let again = try await scenario.run("Contoso")
        #expect(again.created == 0)
        #expect(await scenario.contacts("Contoso").count == 9)
    }

    @Test("R6.2 e2e: a Microsoft change is written, and a PSA edit is overwritten", arguments: psas)
    func update(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let diego = try #require(await scenario.only("Contoso", "Diego", "Siciliani"))
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 5), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Chief People Officer"
            $0.mobilePhone = "+1 206 555 9999"
        }
        try await scenario.editInPSA(diego.id, lastName: "Typed In PSA")
        let second = try await scenario.run("Contoso")
        #expect(second.updated == 1)
        let after = try #require(await scenario.only("Contoso", "Diego", "Siciliani"))
        #expect(after.id == diego.id)
        #expect(after.title == "Chief People Officer")
        #expect(after.mobile == "+1 206 555 9999")
        #expect(after.lastName == "Siciliani")
    }

    @Test("R6.3 e2e: a blank Microsoft value never blanks a PSA value", arguments: psas)
    func blankNeverBlanks(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) {
            $0.jobTitle = nil
            $0.mobilePhone = nil
            $0.businessPhones = []
        }
        let writes = await scenario.psaWrites()
        let second = try await scenario.run("Contoso")
        #expect(second.status == .completed)
        #expect(await scenario.psaWrites() == writes)
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(lidia.title == "Product Manager")
        #expect(lidia.phone == "+1 425 555 0103")
        #expect(lidia.mobile == "+1 206 555 0203")
    }

    @Test("R6.4 e2e: a department change moves the contact to its new site", arguments: psas)
    func siteMove(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        let delia = try #require(await scenario.only("Fabrikam", "Delia", "Dennis"))
        #expect(delia.siteId == 2001)
        try await scenario.running.graph.updateUser(Scenario.userId("Fabrikam", 6), in: scenario.tenant("Fabrikam")) { $0.department = "IT" }
        let second = try await scenario.run("Fabrikam")
        #expect(second.updated == 1)
        let moved = try #require(await scenario.only("Fabrikam", "Delia", "Dennis"))
        #expect(moved.id == delia.id)
        #expect(moved.siteId == 2002)
        let command = second.plan?.commands.first { $0.contactId == delia.id }
        #expect(command?.ruleIds.contains("R6.4") == true)
    }

    @Test("R6.5/R10.2 e2e: ConnectWise contact types are only added, never removed")
    func typesOnlyAdded() async throws {
        let scenario = try await Scenario(psa: .connectwise)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Fabrikam")
        let johanna = try #require(await scenario.only("Fabrikam", "Johanna", "Lorenz"))
        #expect(johanna.typeIds == [7])                       // the allLicensed filter's Staff
        try await scenario.running.graph.updateUser(Scenario.userId("Fabrikam", 8), in: scenario.tenant("Fabrikam")) { $0.department = "IT" }
        try await scenario.run("Fabrikam")
        let moved = try #require(await scenario.only("Fabrikam", "Johanna", "Lorenz"))
        #expect(moved.siteId == 2002)
        #expect(Set(moved.typeIds) == [7, 1])                 // Employee added, Staff kept
    }

    @Test("R10.1 e2e: new contacts take the filter's type, else the company's, else the connection default")
    func typeSources() async throws {
        let scenario = try await Scenario(psa: .connectwise) { YAML.set($0, company: "Contoso", "contactType", "Staff") }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        try await scenario.run("Fabrikam")
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.typeIds == [7])       // company
        #expect(await scenario.only("Fabrikam", "Lynne", "Robbins")?.typeIds == [7])    // filter
        #expect(await scenario.only("Fabrikam", "Delia", "Dennis")?.typeIds == [1])     // connection default
    }

    @Test("R6.6 e2e: onCreateOnly never rewrites a field, onChange only when Microsoft's value changed", arguments: psas)
    func fieldPolicy(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { yaml in
            YAML.add(yaml, company: "Contoso", "    fieldPolicy:\n      title: onCreateOnly\n      lastName: onChange")
        }
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(lidia.title == "Product Manager")            // written on create
        try await scenario.editInPSA(lidia.id, title: "Edited title")
        try await scenario.editInPSA(lidia.id, lastName: "Edited")
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Head of Product"
        }
        try await scenario.run("Contoso")
        var now = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(now.title == "Edited title")                 // onCreateOnly: never again
        #expect(now.lastName == "Edited")                    // onChange: Microsoft's surname did not change

        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) {
            $0.surname = "Holloway-Smith"
        }
        try await scenario.run("Contoso")
        now = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(now.lastName == "Holloway-Smith")
        #expect(now.title == "Edited title")
    }

    @Test("R6.7 e2e: a long title is cut to the PSA's length, and the plan says so", arguments: psas)
    func longTitle(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let long = String(repeating: "Distinguished-", count: 12)   // 168 characters
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) { $0.jobTitle = long }
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .completed)
        let limit = psa == .autotask ? 50 : 100
        let lidia = try #require(await scenario.only("Contoso", "Lidia", "Holloway"))
        #expect(lidia.title == String(long.prefix(limit)).trimmingCharacters(in: .whitespaces))   // cut, and no trailing blank
        let command = try #require(summary.plan?.commands.first { $0.userId == Scenario.userId("Contoso", 3) })
        #expect(command.ruleIds.contains("R6.7"))
        #expect(command.reasons.contains { $0.rule == "R6.7" && $0.because.contains("title") })
    }

    @Test("R7.1/R7.2/R4.5/R5.2 e2e: with updateExisting off, matches and creates only", arguments: psas)
    func noUpdateExisting(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { YAML.set($0, company: "Contoso", "updateExisting", "false") }
        defer { Task { await scenario.stop() } }
        let first = try await scenario.run("Contoso")
        #expect(first.created == 7)
        #expect(first.matched == 1)
        let adele = try #require(await scenario.only("Contoso", "Adele", "Vance"))
        #expect(adele.active == false)          // no reactivation
        #expect(adele.title == "Sales")         // no update
        let graph = scenario.running.graph
        try await graph.updateUser(Scenario.userId("Contoso", 3), in: scenario.tenant("Contoso")) { $0.jobTitle = "Head of Product" }
        try await graph.disable(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso"))
        let writes = await scenario.psaWrites()
        let second = try await scenario.run("Contoso")
        #expect(second.status == .completed)
        #expect(await scenario.psaWrites() == writes)
        #expect(await scenario.only("Contoso", "Lidia", "Holloway")?.title == "Product Manager")
        #expect(await scenario.only("Contoso", "Alex", "Wilber")?.active == true)
        let matchReasons = try await scenario.events("Contoso").compactMap { envelope -> [Reason]? in
            if case .contactMatched(let m) = envelope.event { return m.reasons } else { return nil }
        }
        #expect(matchReasons.contains { $0.contains { $0.rule == "R4.5" } })
    }
}
