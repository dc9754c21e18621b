// `rollcall bench`: benchmark commands that print Rollcall's figures beside a baseline measured in the same run.

import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Rollcall against a baseline measured in the same run (use a release build).",
        subcommands: [EventLogBenchCommand.self, PlanBenchCommand.self, RebuildBenchCommand.self],
        helpNames: [.short, .long]
    )
}
