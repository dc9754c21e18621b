// The `rollcall` command-line tool: the entry point and its subcommands.
// Concurrency (the module's one style): commands run as structured tasks; the little state callbacks share (progress,
// the settings watcher) is behind a `Mutex`.

import ArgumentParser
import Foundation

@main
struct Rollcall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollcall",
        abstract: "Keeps your PSA's contacts in step with each customer's Microsoft 365 users.",
        discussion: """
            Rollcall reads each customer's Microsoft 365 tenant, decides which users belong in the PSA and where, \
            and creates, updates and deactivates Autotask or ConnectWise contacts to match. Everything it sees and \
            does is kept in an append-only log, so it can always say why it did what it did.

            Start with `rollcall demo` to see it work against built-in emulators, then `rollcall init`.
            """,
        version: RollcallVersion.current,
        subcommands: [
            DemoCommand.self,
            InitCommand.self,
            RunCommand.self,
            PlanCommand.self,
            WhyCommand.self,
            HistoryCommand.self,
            ReplayCommand.self,
            ApproveCommand.self,
            StatusCommand.self,
            ServeCommand.self,
            UserCommand.self,
            VerifyCommand.self,
            EmulateCommand.self,
        ]
    )
}

extension Rollcall {
    /// Runs the command line; a usage mistake exits with 2 ("bad settings or arguments"), as DESIGN.md says.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// The version `rollcall --version` prints.
enum RollcallVersion {
    static let current = "0.1.0"
}
