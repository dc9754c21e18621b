// `rollcall plan`: what a run would do now, per contact, with from → to values and rule ids; writes nothing to the PSA.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run would do now, contact by contact, with the rules behind each change. Writes nothing to the PSA.",
        discussion: """
            Reads Microsoft 365 and the PSA (and records what it saw in the log), then prints the plan.

            Examples:
              rollcall plan --company Contoso
              rollcall plan --json > plan.json      # every company
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "The company to plan; every enabled company when left out.") var company: String?
    @Flag(help: "Re-read everything instead of changes only.") var full = false
    @Flag(help: "Print the plans as JSON.") var json = false

    func run() async throws {
        let context = try AppContext.load(config)
        let names = try company.map { [try context.company($0).name] } ?? context.settings.companies.filter(\.enabled).map(\.name)
        let reporter = ProgressReporter(quiet: json)
        var plans: [PlanOutput] = []
        var summaries: [RunSummary] = []
        for name in names {
            let summary = try await context.engine.run(
                company: name, options: RunOptions(trigger: .manual, mode: full ? .full : .delta, dryRun: true)) { reporter.report($0) }
            summaries.append(summary)
            printRefusal(summary)
            let state = try await context.engine.log(for: name).currentState()
            if json {
                let threshold = try context.company(name).deactivationThreshold
                plans.append(PlanOutput(
                    company: name, status: summary.status, message: summary.message, plan: summary.plan,
                    wouldHold: summary.plan.map { DeactivationSafety.decide($0, threshold: threshold) }))
            } else {
                print("\(name): \(summary.plan?.commands.count ?? 0) commands planned (settings v\(state.settingsVersion))")
                if let message = summary.message { print("  " + message) }
                if let plan = summary.plan {
                    Printer.plan(plan, state: state, threshold: try context.company(name).deactivationThreshold).forEach { print($0) }
                }
            }
        }
        if json { try printJSON(plans) }
        if summaries.contains(where: { $0.status == .badSettings }) { throw Exit.badInput }
        if summaries.contains(where: { $0.status == .failed }) { throw Exit.failedWrites }
    }
}

/// One company's plan, as `--json` prints it.
struct PlanOutput: Encodable {
    var company: String
    var status: RunStatus
    var message: String?
    var plan: Plan?
    /// What R8.4 and R8.5 would do with the plan's deactivations in a run.
    var wouldHold: DeactivationDecision?
}
