// The `rollcall` command-line tool: the entry point and its subcommands.

import ArgumentParser

@main
struct Rollcall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollcall",
        abstract: "Keeps your PSA's contacts in step with each customer's Microsoft 365 users.",
        version: "0.1.0"
    )
}
