// `rollcall approve`: releases the deactivations a run held (R8.4) and applies them.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Release the deactivations a run held for approval, and apply them now.",
        usage: "rollcall approve --company <company> --run <run> [--json]\n  [--config <config>]",
        discussion: """
            A run that would deactivate more than the company's threshold (default: more than 10 contacts and more \
            than 10% of its matched contacts) holds every deactivation and exits with code 3. Check them with \
            `rollcall plan --company NAME`, then approve the run:

              rollcall approve --company Contoso --run 41
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company, as named in rollcall.yaml.") var company: String
    @Option(help: "The run whose deactivations to release (its number, as `rollcall history` shows).") var run: String
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        let context = try AppContext.load(config)
        let name = try context.company(company).name
        let reporter = ProgressReporter(quiet: json)
        let summary: RunSummary
        do {
            summary = try await context.engine.approve(
                company: name, runId: run, by: ProcessInfo.processInfo.environment["USER"]) { reporter.report($0) }
        } catch let error as EngineError {
            printError(error.message)
            throw Exit.badInput
        }
        if json { try printJSON(RunJSON(summary, state: nil)) } else { Printer.summary(summary).forEach { print($0) } }
        throw runExitCode(for: [summary])
    }
}
