// `rollcall-bench`: benchmarks that print Rollcall's figures beside a baseline measured in the same run. They live
// apart from the `rollcall` tool, so that the product ships none of their code; `scripts/bench*` build and run them.

import ArgumentParser
import Foundation

/// The benchmark tool: the event log, the planner, rebuilding a company's projections, and a paced fleet.
@main
struct RollcallBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollcall-bench",
        abstract: "Measure Rollcall against a baseline measured in the same run (use a release build).",
        subcommands: [EventLogBenchCommand.self, PlanBenchCommand.self, RebuildBenchCommand.self, FleetBenchCommand.self],
        helpNames: [.short, .long]
    )
}

/// Prints a benchmark's figures as pretty, key-sorted JSON.
func printJSON(_ figures: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
