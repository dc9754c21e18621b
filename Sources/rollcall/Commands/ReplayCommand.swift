// `rollcall replay`: rebuilds a company's projections from the log up to a point and shows the state then.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a company's state from the log as it was at a time or position: matches, assignments, and the plan then.",
        usage: "rollcall replay --company <company>\n  [--as-of <as-of> | --position <position>] [--json] [--config <config>]",
        discussion: """
            Examples:
              rollcall replay --company Contoso --as-of 2026-11-28T23:00
              rollcall replay --company Contoso --position 812 --json
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company, as named in rollcall.yaml.") var company: String
    @Option(name: .customLong("as-of"), help: "Replay events recorded up to this time.") var asOf: String?
    @Option(help: "Replay events up to this log position.") var position: Int64?
    @Flag(help: "Print the state as JSON.") var json = false

    func validate() throws {
        if asOf != nil && position != nil { throw ValidationError("give --as-of or --position, not both") }
    }

    func run() async throws {
        let context = try AppContext.load(config, readOnly: true)
        let name = try context.company(company).name
        let log = context.engine.log(for: name)
        let state = try await log.state(through: position, asOf: try asOf.map(parseTime))
        var plan: Plan?
        if let settings = state.settings {
            plan = context.engine.plan(state, settings: settings, settingsVersion: state.settingsVersion)
        }
        let users = state.directory.users
        let contacts = state.psa.contacts
        if json {
            try printJSON(ReplayJSON(company: name, state: state, plan: plan))
            return
        }
        print("\(name) as of event \(state.position) (settings v\(state.settingsVersion)): \(users.count) users known, \(contacts.count) contacts known, \(state.matches.byUser.count) matches")
        print("Matches:")
        for match in state.matches.byUser.values.sorted(by: { $0.contactId < $1.contactId }) {
            let user = users[match.userId]?.user
            let contact = contacts[match.contactId]?.contact
            let active = contact.map { $0.isActive ? "active" : "inactive" } ?? "unknown"
            print("  contact \(match.contactId) (\(active)) ↔ \(user?.userPrincipalName ?? match.userId)  [\(match.basis.rawValue) by \(RunNumber.label(match.runId))]")
        }
        print("Assignments:")
        for (userId, assignment) in state.assignments.byUser.sorted(by: { $0.key < $1.key }) {
            print("  \(users[userId]?.user.userPrincipalName ?? userId) → \(describe(assignment, state.settings))")
        }
        if let plan {
            print("A run then would have planned:")
            Printer.plan(plan, state: state).forEach { print($0) }
        }
    }

    private func describe(_ assignment: Assignment, _ settings: CompanySettings?) -> String {
        let filter = assignment.filterIndex.map { i in
            MappingFilter.label(i, settings.flatMap { i < $0.filters.count ? $0.filters[i] : nil })
        } ?? "no filters (R2.4)"
        return "site \"\(assignment.site ?? "default")\"\(assignment.contactType.map { ", type \($0)" } ?? "") by \(filter)"
    }
}
