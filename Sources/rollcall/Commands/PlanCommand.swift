// `rollcall plan`: what a run would do now, per contact, with from → to values and rule ids; writes nothing to the PSA.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run would do now, contact by contact, with the rules behind each change. Writes nothing to the PSA.",
        usage: "rollcall plan [--company <company>] [--full] [--skipped] [--json]\n  [--config <config>]",
        discussion: """
            Reads Microsoft 365 and the PSA (and records what it saw in the log), then prints the plan.

            Examples:
              rollcall plan --company Contoso
              rollcall plan --company Contoso --skipped   # and who is left out, and why
              rollcall plan --json > plan.json      # every company
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company to plan; every enabled company when left out.") var company: String?
    @Flag(help: "Re-read everything instead of changes only.") var full = false
    @Flag(help: "Also list the users left out: eligible, but no filter catches them (with why, filter by filter).")
    var skipped = false
    @Flag(help: "Print the plans as JSON.") var json = false

    func run() async throws {
        let context = try AppContext.load(config)
        let names = try company.map { [try context.company($0).name] } ?? context.settings.companies.filter(\.enabled).map(\.name)
        let reporter = ProgressReporter(quiet: json)
        var plans: [PlanJSON] = []
        var summaries: [RunSummary] = []
        for name in names {
            let summary = try await context.engine.run(
                company: name, options: RunOptions(trigger: .manual, mode: full ? .full : .delta, dryRun: true, origin: RunOrigin(.commandLine))) { reporter.report($0) }
            summaries.append(summary)
            printRefusal(summary)
            let state = try await context.engine.log(for: name).currentState()
            if json {
                let threshold = try context.company(name).deactivationThreshold
                plans.append(PlanJSON(
                    summary: summary, state: state, threshold: threshold, skipped: skipped ? Standing.leftOut(state) : nil))
            } else {
                print("\(name): \(RunNumber.label(summary.runId)): \(summary.plan?.commands.count ?? 0) commands planned (settings v\(state.settingsVersion))")
                if let message = summary.message { print("  " + message) }
                if let plan = summary.plan {
                    Printer.plan(plan, state: state, threshold: try context.company(name).deactivationThreshold).forEach { print($0) }
                }
                if skipped { Printer.leftOut(Standing.leftOut(state)).forEach { print($0) } }
            }
        }
        if json { try printJSON(plans) }
        if summaries.contains(where: { $0.status == .badSettings }) { throw Exit.badInput }
        if summaries.contains(where: { $0.status == .failed }) { throw Exit.failedWrites }
    }
}
