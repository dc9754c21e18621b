// `rollcall verify`: proves the event log was not edited by recomputing its hash chain.

import ArgumentParser
import EventLog
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the event log was not edited (recomputes its hash chain).",
        discussion: """
            Examples:
              rollcall verify                    # the log named in rollcall.yaml
              rollcall verify --database rollcall.sqlite3

            Exit code 0 when the log is intact, 4 when it is broken (the first broken event is named), 2 when the \
            file cannot be read.
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(name: .long, help: "The event log file (default: the database named in the settings file).")
    var database: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let database = try self.database ?? AppContext.load(config, readOnly: true).store.path
        guard FileManager.default.fileExists(atPath: database) else {
            throw ValidationError("no event log at \(database); give the path of an existing rollcall database")
        }
        let report: VerifyReport
        do {
            report = try await EventStore(path: database).verify()
        } catch let error as EventLogError {
            printError(error.message)
            throw ExitCode(2)
        }
        if json {
            try printJSON([
                "database": .string(database), "events": .int(report.events),
                "lastPosition": .int(Int(report.lastPosition)), "intact": .bool(report.isIntact),
                "firstBrokenPosition": report.firstBrokenPosition.map { .int(Int($0)) } ?? .null,
                "problem": report.problem.map { .string($0) } ?? .null,
            ])
        } else if report.isIntact {
            print("The event log \(database) is intact: \(report.events) events, hash chain verified through position \(report.lastPosition).")
        } else {
            print("The event log \(database) is BROKEN at position \(report.firstBrokenPosition!): \(report.problem ?? "").")
            print("Events before it (\(report.events)) are intact. Restore the file from a backup.")
        }
        if !report.isIntact { throw ExitCode(4) }
    }
}
