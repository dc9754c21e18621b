// `rollcall why`: a subject's story, in order, with rule ids, found by contact, user or email.

import ContactSync
import Foundation
import Testing

@Suite("Explainer")
struct ExplainerTests {
    @Test("a story tells observations, matches, commands and outcomes in log order with their rules")
    func storyInOrder() {
        var t = Tenant()
        let contact = t.contact(email: "ada@contoso.example")
        let ada = t.user("ada")
        t.user("bob")
        t.run()
        t.edit(ada) { $0.accountEnabled = false }
        t.run()
        let byUser = Explainer().story(of: .user(ada), in: t.events)
        let byContact = Explainer().story(of: .contact(contact), in: t.events)
        let byEmail = Explainer().story(of: .email(" Ada@Contoso.example "), in: t.events)
        #expect(byUser == byContact && byContact == byEmail)
        #expect(byUser.map(\.position) == byUser.map(\.position).sorted())
        let texts = byUser.map(\.text)
        let firstSeen = texts.firstIndex { $0.contains("first observed, eligible") }
        let matched = texts.firstIndex { $0.contains("matched Microsoft 365 user ada@contoso.example to PSA contact \(contact)") }
        let updated = texts.firstIndex { $0.contains("updated on") }
        let disabled = texts.firstIndex { $0.contains("became ineligible (disabled)") }
        let deactivated = texts.firstIndex { $0.contains("deactivated on") && $0.contains("was disabled (sign-in blocked)") }
        #expect(firstSeen != nil && matched != nil && updated != nil && disabled != nil && deactivated != nil, "\(texts)")
        if let firstSeen, let matched, let updated, let disabled, let deactivated {
            #expect(firstSeen < matched && matched < updated && updated < disabled && disabled < deactivated)
        }
        #expect(byUser.allSatisfy { line in !line.text.contains("bob") })
        #expect(byUser.first { $0.text.contains("deactivated on") }?.ruleIds.prefix(3) == ["R8.1", "R1.2", "R8.2"])
    }

    @Test("a failed write is told with its status and error")
    func failedWrite() {
        var t = Tenant()
        let ada = t.user("ada")
        t.refuse = [-1]
        t.run()
        let story = Explainer().story(of: .user(ada), in: t.events)
        #expect(story.last?.text.contains("failed to create a PSA contact for Microsoft 365 user ada@contoso.example (HTTP 500): the PSA refused the write") == true)
        #expect(story.last?.ruleIds.contains("R12.1") == true)
    }

    @Test("a write with no outcome is told as in doubt")
    func inDoubt() {
        var t = Tenant()
        let ada = t.user("ada")
        t.run()
        t.edit(ada) { $0.jobTitle = "CTO" }
        t.observe(runId: "run-2")
        let plan = t.plan()
        let command = plan.commands[0]
        t.append(.commandPlanned(CommandPlanned(runId: "run-2", command: command)))
        t.append(.commandAttempted(CommandAttempted(runId: "run-2", commandId: command.id, userId: ada, contactId: command.contactId, write: command.write!)))
        let story = Explainer().story(of: .user(ada), in: t.events)
        #expect(story.last?.text.hasPrefix("run run-2 sent a write to update PSA contact \(command.contactId!) but recorded no outcome") == true)
        #expect(t.state.inDoubt.keys.sorted() == ["run-2/\(command.id)"])
    }
}
