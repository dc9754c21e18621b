// `rollcall run`: one sync of one company, or of all of them.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sync one company (or all) now: read Microsoft 365 and the PSA, then create, update and deactivate contacts.",
        usage: "rollcall run (--company <company> | --all) [--full] [--dry-run] [--json]\n  [--accept-missing-contacts] [--config <config>]",
        discussion: """
            Examples:
              rollcall run --company Contoso
              rollcall run --all --full     # re-read everything (the old "Resync")
              rollcall run --company Contoso --dry-run

            Exit codes: 0 done; 1 some writes failed or the run could not read a side; 2 bad settings or \
            arguments; 3 deactivations held for `rollcall approve`.
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company to sync, as named in rollcall.yaml.") var company: String?
    @Flag(help: "Sync every enabled company, one after another.") var all = false
    @Flag(help: "Re-read everything on both sides instead of following changes (R11.3).") var full = false
    @Flag(name: .customLong("dry-run"), help: "Read and plan, but write nothing to the PSA.") var dryRun = false
    @Flag(help: "Print the summaries as JSON.") var json = false
    @Flag(
        name: .customLong("accept-missing-contacts"),
        help: "The PSA contacts Rollcall had matched really were deleted: end their matches instead of stopping (R8.6).")
    var acceptMissingContacts = false

    func validate() throws {
        if (company == nil) == !all { throw ValidationError("name one company with --company NAME, or use --all") }
    }

    func run() async throws {
        let context = try AppContext.load(config)
        let names = all ? context.settings.companies.map(\.name) : [try context.company(company!).name]
        let reporter = ProgressReporter(quiet: json)
        var summaries: [RunSummary] = []
        var views: [RunJSON] = []
        var refused = false
        for name in names {
            let options = RunOptions(
                trigger: .manual, mode: full ? .full : .delta, dryRun: dryRun, keepPlan: dryRun,
                acceptMissingContacts: acceptMissingContacts, origin: RunOrigin(.commandLine, by: ProcessInfo.processInfo.environment["USER"]))
            do {
                let summary = try await context.engine.run(company: name, options: options) { reporter.report($0) }
                summaries.append(summary)
                if json { views.append(RunJSON(summary, state: try await context.engine.log(for: name).currentState())) }
                printRefusal(summary)
                if !json {
                    Printer.summary(summary).forEach { print($0) }
                    if dryRun, let plan = summary.plan {
                        let state = try await context.engine.log(for: name).currentState()
                        Printer.plan(plan, state: state).forEach { print($0) }
                    }
                }
            } catch let error as RunLockError {
                // One company's run going elsewhere does not stop the others.
                printError(error.message)
                refused = true
            }
        }
        if json { try printJSON(views) }
        let code = runExitCode(for: summaries)
        throw refused && code == .success ? Exit.failedWrites : code
    }
}

/// The exit code for a set of run summaries: the most serious wins.
func runExitCode(for summaries: [RunSummary]) -> ExitCode {
    if summaries.contains(where: { $0.status == .badSettings }) { return Exit.badInput }
    if summaries.contains(where: { $0.status == .failed || $0.status == .completedWithFailures }) { return Exit.failedWrites }
    if summaries.contains(where: { $0.status == .paused }) { return Exit.paused }
    if summaries.contains(where: { $0.status == .held }) { return Exit.held }
    return .success
}
