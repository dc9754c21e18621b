// `rollcall history`: a company's runs and writes in order.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a company's runs and the writes each made, in order.",
        usage: "rollcall history --company <company> [--since <since>] [--json]\n  [--config <config>]",
        discussion: """
            Example:
              rollcall history --company Contoso --since 2026-11-01
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company, as named in rollcall.yaml.") var company: String
    @Option(help: "Only runs started at or after this time.") var since: String?
    @Flag(help: "Print the history as JSON.") var json = false

    func run() async throws {
        let context = try AppContext.load(config, readOnly: true)
        let name = try context.company(company).name
        let log = context.engine.log(for: name)
        let runs = try await History.runs(log: log, since: try since.map(parseTime))
        let state = try await log.currentState()
        if json {
            try printJSON(HistoryJSON(company: name, runs: runs, state: state))
            return
        }
        guard !runs.isEmpty else {
            print("\(name): no runs yet")
            return
        }
        for run in runs {
            var line = "\(RunNumber.label(run.runId))  \(formatTime(run.startedAt))  \(run.trigger.rawValue)\(run.origin.map { " via \($0.text)" } ?? ""), \(run.mode.rawValue)\(run.dryRun ? ", dry run" : "")  \(run.outcome)"
            if let counts = run.counts {
                line += " — \(counts.succeeded) writes succeeded, \(counts.failed) failed, \(counts.held) held"
            }
            print(line)
            if let error = run.error { print("    \(error)") }
            if let hold = run.hold {
                print("    \(hold.deactivations) deactivations held (R8.4): \(hold.state)\(hold.by.map { " by \($0)" } ?? "")\(hold.reason.map { ": \($0)" } ?? "")")
            }
            if let resumeAt = run.resumeAt {
                print("    paused with \(run.writesLeft.map(String.init) ?? "its") writes left; goes on after \(formatTime(resumeAt))")
            }
            for write in run.writes {
                // Each write names the contact and the person it was for.
                let person = write.userId.map { id in
                    state.directory.users[id].map { r in Printer.person(r.user) } ?? "user \(id)"
                }
                let target = [write.contactId.map { "contact \($0)" }, person.map { "for \($0)" }].compactMap { $0 }
                    .joined(separator: " ")
                print("    \(formatTime(write.at))  \(write.kind) \(target): \(write.outcome)\(write.detail.map { " — \($0)" } ?? "")")
            }
        }
    }
}
