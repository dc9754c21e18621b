// What every command that reads rollcall.yaml shares: finding and loading it, the log, the engine, exit codes.

import ArgumentParser
import ContactSync
import EventLog
import Foundation
import Logging
import SyncEngine

/// `--config`, shared by every command that reads rollcall.yaml.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The settings file (default: $ROLLCALL_CONFIG, else ./rollcall.yaml).")
    var config: String?

    /// The path of the settings file to read.
    var path: String {
        config ?? ProcessInfo.processInfo.environment["ROLLCALL_CONFIG"] ?? "rollcall.yaml"
    }
}

/// Exit codes of DESIGN.md.
enum Exit {
    static let failedWrites = ExitCode(1)
    static let badInput = ExitCode(2)
    static let held = ExitCode(3)
    static let brokenLog = ExitCode(4)
    /// R11.6: a run paused at the PSA's API budget; run again after the time it gives.
    static let paused = ExitCode(5)
}

/// The loaded settings, the log and the engine.
struct AppContext {
    let settings: RollcallSettings
    let store: EventStore
    let engine: SyncEngine
    let logger: Logger

    /// Loads rollcall.yaml (refusing it whole, with every problem named, when invalid) and opens the log.
    ///
    /// `readOnly` commands (why, history, replay) never talk to Microsoft 365 or the PSA, so secrets they cannot
    /// see in the environment do not stop them.
    static func load(_ options: ConfigOptions, readOnly: Bool = false) throws -> AppContext {
        var environment = ProcessInfo.processInfo.environment
        let path = options.path
        guard let data = FileManager.default.contents(atPath: path), let yaml = String(data: data, encoding: .utf8) else {
            printError("cannot read the settings file \(path): \(FileManager.default.fileExists(atPath: path) ? "it is not UTF-8 text" : "no such file"). Create one with `rollcall init`, or pass --config FILE.")
            throw Exit.badInput
        }
        if readOnly {
            for name in referencedVariables(yaml) where environment[name] == nil { environment[name] = "(not set)" }
        }
        let settings: RollcallSettings
        do {
            settings = try SettingsLoader.load(yaml: yaml, path: path, environment: environment)
        } catch {
            printError("\(path) was refused; nothing was read or written:")
            for problem in error.problems { printError("  \(problem)") }
            throw Exit.badInput
        }
        let database = resolve(settings.database, relativeTo: path)
        let store: EventStore
        do {
            store = try EventStore(path: database)
        } catch let error as EventLogError {
            printError(error.message)
            throw Exit.badInput
        }
        if let warning = store.exposureWarning { printError(warning) }
        let logger = makeLogger()
        let engine = SyncEngine(
            settings: settings, store: store, connections: LiveConnections(settings: settings, logger: logger), logger: logger)
        return AppContext(settings: settings, store: store, engine: engine, logger: logger)
    }

    /// The `${NAME}` variables a settings text refers to.
    static func referencedVariables(_ yaml: String) -> Set<String> {
        var names = Set<String>()
        var rest = yaml[...]
        while let start = rest.range(of: "${") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "}") else { break }
            names.insert(String(rest[..<end]))
            rest = rest[end...]
        }
        return names
    }

    /// A path from rollcall.yaml, taken relative to the file's folder when it is not absolute.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    /// The company named on the command line, or an exit with the names there are.
    func company(_ name: String) throws -> CompanySettings {
        guard let company = settings.company(named: name) else {
            printError("there is no company \"\(name)\" in \(settings.source.file); companies are: \(settings.companies.map(\.name).joined(separator: ", "))")
            throw Exit.badInput
        }
        return company
    }
}

/// The tool's logger: warnings and errors on standard error (retries show here), more with ROLLCALL_LOG_LEVEL.
func makeLogger() -> Logger {
    var logger = Logger(label: "rollcall")
    let level = ProcessInfo.processInfo.environment["ROLLCALL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    logger.logLevel = level ?? .warning
    return logger
}

/// Reads a time given on the command line: `2026-11-29`, `2026-11-29T02:00`, `2026-11-29 02:00:00`, or ISO 8601 with a zone.
func parseTime(_ text: String) throws -> Date {
    let iso = ISO8601DateFormatter()
    if let date = iso.date(from: text) { return date }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = .current
    for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
        formatter.dateFormat = format
        if let date = formatter.date(from: text) { return date }
    }
    throw ValidationError("\"\(text)\" is not a time; write it like 2026-11-29, 2026-11-29T02:00 or 2026-11-29T02:00:00Z")
}

/// Formats a time for people: local time, to the minute.
func formatTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.string(from: date)
}
