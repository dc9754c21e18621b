// `rollcall why`: a contact's (or user's, or email's) story from the log, in plain sentences with rule ids.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Tell why a contact was created, changed or deactivated: its story from the log, with the rules behind each step.",
        usage: "rollcall why --company <company>\n  (--email <email> | --contact <contact> | --user <user>)\n  [--at <at>] [--json] [--config <config>]",
        discussion: """
            Examples:
              rollcall why --company Contoso --email alex.wilber@contoso.com
              rollcall why --company Contoso --contact 30003 --at 2026-11-29T02:00

            Answered from the log alone (nothing is read from Microsoft 365 or the PSA).
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company, as named in rollcall.yaml.") var company: String
    @Option(help: "A user's email or UPN, or a contact's email.") var email: String?
    @Option(help: "A PSA contact id.") var contact: Int?
    @Option(help: "A Microsoft 365 user's object id.") var user: String?
    @Option(help: "Tell the story only up to this time (e.g. 2026-11-29T02:00).") var at: String?
    @Flag(help: "Print the story as JSON.") var json = false

    func validate() throws {
        if [email != nil, contact != nil, user != nil].filter({ $0 }).count != 1 {
            throw ValidationError("name exactly one of --email, --contact or --user")
        }
    }

    func run() async throws {
        let context = try AppContext.load(config, readOnly: true)
        let name = try context.company(company).name
        let until = try at.map(parseTime)
        let subject: StorySubject = email.map { .email($0) } ?? contact.map { .contact($0) } ?? .user(user!)
        var events: [EventEnvelope] = []
        for try await envelope in context.engine.log(for: name).envelopes() { events.append(envelope) }
        let told = Explainer(timeZone: .current).tell(subject, in: events, until: until, company: name)
        let story = told.lines
        if json {
            try printJSON(WhyJSON(
                company: name, subject: WhyJSON.Subject(email: email, contact: contact, user: user), until: until,
                users: told.users.sorted().map { UserJSON($0, state: told.state) },
                contacts: told.contacts.sorted().map { ContactJSON($0, state: told.state) },
                story: story.map { WhyJSON.Line(time: $0.time, event: $0.position, rules: $0.ruleIds, text: $0.text) }))
            return
        }
        let what = email.map { "email \($0)" } ?? contact.map { "contact \($0)" } ?? "user \(user!)"
        guard !story.isEmpty else {
            print("\(name): the log says nothing about \(what)\(until.map { " up to \(formatTime($0))" } ?? "").")
            return
        }
        print("\(name): the story of \(what)")
        for line in story {
            print("  \(formatTime(line.time))  \(line.text)  [\(line.ruleIds.joined(separator: ", ")); event \(line.position)]")
        }
    }
}
