// `rollcall-bench rebuild`: rebuilding a company's projections from its whole history, beside a raw scan of the rows.

import ArgumentParser
import EventLog
import Foundation
import GRDBSQLite
import SyncEngine

struct RebuildBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Fold a company's whole history into its projections and compare with a raw SQLite scan + JSON decode.",
        discussion: """
            Example:
              rollcall bench rebuild --database rollcall.sqlite3 --company Contoso
            The baseline reads the same rows through SQLite's C API and decodes each payload with JSONSerialization,
            building nothing. The target is 70% of the baseline's events per second or better.
            """
    )

    @Option(help: "The event log file.") var database: String
    @Option(help: "The company whose history is folded.") var company: String
    @Option(help: "How many times to measure each side; the best is reported.") var repeats = 2
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() async throws {
        guard FileManager.default.fileExists(atPath: database) else {
            throw ValidationError("no event log at \(database); give the path of an existing rollcall database")
        }
        let store = try EventStore(path: database)
        let log = CompanyLog(store: store, company: company)
        let clock = ContinuousClock()
        var rollcall = Double.infinity
        var events = 0
        for _ in 0..<max(1, repeats) {
            let start = clock.now
            let state = try await log.state()
            rollcall = min(rollcall, (clock.now - start).seconds)
            events = try await store.events(EventQuery(company: company)).reduce(0) { count, _ in count + 1 }
            if state.position == 0 && events > 0 { throw ValidationError("the fold saw none of the \(events) events") }
        }
        guard events > 0 else { throw ValidationError("company \"\(company)\" has no events in \(database)") }
        var raw = Double.infinity
        var rawEvents = 0
        for _ in 0..<max(1, repeats) {
            let result = try Self.rawScan(path: database, company: company)
            raw = min(raw, result.seconds)
            rawEvents = result.count
        }
        guard rawEvents == events else { throw ValidationError("raw scan read \(rawEvents) events, the log \(events)") }
        let rollcallRate = Double(events) / rollcall
        let rawRate = Double(events) / raw
        let ratio = rollcallRate / rawRate
        if json {
            try printJSON([
                "company": company, "events": events,
                "rebuildSeconds": rollcall, "rebuildEventsPerSecond": Int(rollcallRate),
                "rawSeconds": raw, "rawEventsPerSecond": Int(rawRate),
                "ratio": (ratio * 1000).rounded() / 1000, "target": 0.7,
            ])
        } else {
            print("Projection rebuild of \(company): \(events) events")
            print(String(format: "  rollcall fold:               %.2f s  %10.0f events/s", rollcall, rollcallRate))
            print(String(format: "  raw SQLite scan + JSON decode: %.2f s  %10.0f events/s", raw, rawRate))
            print(String(format: "  ratio %.0f%%  (target ≥ 70%%: %@)", ratio * 100, ratio >= 0.7 ? "met" : "NOT met"))
        }
    }

    /// Reads the company's rows in position order through SQLite's C API and decodes each payload as untyped JSON.
    static func rawScan(path: String, company: String) throws -> (count: Int, seconds: Double) {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw ValidationError("raw baseline: cannot open \(path)")
        }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        let sql = """
            SELECT position, event_id, stream, version, type, schema_version, payload, recorded_at
            FROM events WHERE company = ? ORDER BY position
            """
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw ValidationError("raw baseline: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite3_bind_text(statement, 1, company, -1, transient)
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var checksum = 0
        while sqlite3_step(statement) == SQLITE_ROW {
            let position = sqlite3_column_int64(statement, 0)
            let eventId = String(cString: sqlite3_column_text(statement, 1))
            let stream = String(cString: sqlite3_column_text(statement, 2))
            let type = String(cString: sqlite3_column_text(statement, 4))
            let payload = Data(bytes: sqlite3_column_blob(statement, 6), count: Int(sqlite3_column_bytes(statement, 6)))
            let object = try JSONSerialization.jsonObject(with: payload)
            checksum &+= Int(position) &+ eventId.utf8.count &+ stream.utf8.count &+ type.utf8.count
                &+ ((object as? [String: Any])?.count ?? 0)
            count += 1
        }
        if checksum == 42 { print("") }  // keeps the work from being optimised away
        return (count, (clock.now - start).seconds)
    }
}
