// `rollcall-bench eventlog`: append and read speed of the event log beside raw SQLite with the same schema and batches.

import ArgumentParser
import EventLog
import Foundation
import GRDBSQLite

struct EventLogBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventlog",
        abstract: "Append N ~300-byte events in batches and read them back, beside a raw-SQLite baseline.",
        discussion: """
            Example:
              swift run -c release rollcall-bench eventlog --events 1000000 --batch 1000
            The baseline is plain SQLite through its C API: the same table and indexes, one prepared statement,
            the same batches, no version checks and no hash chain. The target is 70% of the baseline or better.
            """
    )

    @Option(help: "How many events to append.") var events = 1_000_000
    @Option(help: "Events per append transaction.") var batch = 1_000
    @Option(help: "How many streams the events are spread over.") var streams = 10_000
    @Option(help: "Folder for the benchmark databases (removed afterwards).") var folder: String?
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() async throws {
        guard events > 0, batch > 0, streams > 0 else { throw ValidationError("--events, --batch and --streams must be positive") }
        let base = URL(fileURLWithPath: folder ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("rollcall-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let workload = Workload(events: events, batch: batch, streams: streams)

        let rawPath = base.appendingPathComponent("raw.sqlite3").path
        _ = try EventStore(path: rawPath)  // the same schema, created by the log itself
        let rawAppend = try RawSQLite.append(path: rawPath, workload: workload)
        let rawRead = try RawSQLite.read(path: rawPath)

        let logPath = base.appendingPathComponent("log.sqlite3").path
        let store = try EventStore(path: logPath)
        let clock = ContinuousClock()
        let appendStart = clock.now
        for index in 0..<workload.batches {
            try await store.append(workload.batch(index))
        }
        let logAppend = (clock.now - appendStart).seconds
        let readStart = clock.now
        var readCount = 0
        var bytes = 0
        for try await event in store.events() {
            readCount += 1
            bytes &+= event.payload.count
        }
        let logRead = (clock.now - readStart).seconds
        guard readCount == events, rawRead.count == events else {
            throw ValidationError("read back \(readCount) (log) and \(rawRead.count) (raw) of \(events) events")
        }

        let rows: [(String, Double, Double)] = [
            ("append", Double(events) / logAppend, Double(events) / rawAppend),
            ("read", Double(events) / logRead, Double(events) / rawRead.seconds),
        ]
        if json {
            var object: [String: Any] = ["events": events, "batch": batch, "streams": streams]
            for (name, log, raw) in rows {
                object[name] = [
                    "logEventsPerSecond": Int(log), "rawEventsPerSecond": Int(raw),
                    "ratio": (log / raw * 1000).rounded() / 1000, "target": 0.7,
                ] as [String: Any]
            }
            try printJSON(object)
        } else {
            print("Event log benchmark: \(events) events of ~\(workload.payloadSize) bytes, batches of \(batch), \(streams) streams")
            print(pad("operation", 10) + pad("rollcall events/s", 20) + pad("raw SQLite events/s", 22) + pad("ratio", 8) + "target")
            for (name, log, raw) in rows {
                let ratio = log / raw
                print(pad(name, 10) + pad(format(log), 20) + pad(format(raw), 22)
                      + pad(String(format: "%.0f%%", ratio * 100), 8) + (ratio >= 0.7 ? "≥70% met" : "≥70% NOT met"))
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func format(_ value: Double) -> String {
        let whole = Int(value.rounded())
        var digits = String(whole)
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return groups.joined(separator: ",")
    }
}

/// The events both sides append: deterministic, ~300-byte JSON payloads spread over streams.
struct Workload: Sendable {
    let events: Int
    let batch: Int
    let streams: Int
    var batches: Int { (events + batch - 1) / batch }
    var payloadSize: Int { payload(0).count }

    func payload(_ index: Int) -> Data {
        let user = index % streams
        return Data("""
            {"id":"\(String(format: "%08x", user))-5f2c-4d4e-9a5b-\(String(format: "%012x", index))","userPrincipalName":"user\(user)@contoso.com","givenName":"Given\(user)","surname":"Surname\(user)","jobTitle":"Consultant","mobilePhone":"+1 555 \(String(format: "%07d", index % 10_000_000))","accountEnabled":true,"assignedLicenses":[{"skuId":"cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"}],"department":"Sales"}
            """.utf8)
    }

    func batch(_ number: Int) -> [NewEvent] {
        let start = number * batch
        let end = min(events, start + batch)
        return (start..<end).map { index in
            NewEvent(
                eventId: "bench-\(index)", stream: "bench/user/\(index % streams)", company: "bench",
                type: "DirectoryUserObserved", schemaVersion: 1, payload: payload(index),
                correlationId: "run-\(number / 100)")
        }
    }
}

/// The baseline: the same table through SQLite's C API, one prepared statement, no checks and no hashing.
enum RawSQLite {
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func append(path: String, workload: Workload) throws -> Double {
        let db = try open(path)
        defer { sqlite3_close(db) }
        try exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        var statement: OpaquePointer?
        let sql = """
            INSERT INTO events(position, event_id, stream, version, company, type, schema_version, payload,
                               causation_id, correlation_id, recorded_at, hash)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            """
        guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK else {
            throw ValidationError("raw baseline: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        let hash = [UInt8](repeating: 7, count: 32)
        var versions = [Int64](repeating: 0, count: workload.streams)
        let clock = ContinuousClock()
        let start = clock.now
        var position: Int64 = 0
        for number in 0..<workload.batches {
            let events = workload.batch(number)
            try exec(db, "BEGIN IMMEDIATE")
            for event in events {
                position += 1
                let stream = Int(position - 1) % workload.streams
                versions[stream] += 1
                sqlite3_bind_int64(statement, 1, position)
                sqlite3_bind_text(statement, 2, event.eventId, -1, transient)
                sqlite3_bind_text(statement, 3, event.stream, -1, transient)
                sqlite3_bind_int64(statement, 4, versions[stream])
                sqlite3_bind_text(statement, 5, event.company, -1, transient)
                sqlite3_bind_text(statement, 6, event.type, -1, transient)
                sqlite3_bind_int64(statement, 7, Int64(event.schemaVersion))
                event.payload.withUnsafeBytes { bytes in
                    _ = sqlite3_bind_blob(statement, 8, bytes.baseAddress, Int32(bytes.count), transient)
                }
                sqlite3_bind_null(statement, 9)
                sqlite3_bind_text(statement, 10, event.correlationId, -1, transient)
                sqlite3_bind_int64(statement, 11, Int64(Date().timeIntervalSince1970 * 1000))
                _ = hash.withUnsafeBytes { sqlite3_bind_blob(statement, 12, $0.baseAddress, 32, transient) }
                guard sqlite3_step(statement) == SQLITE_DONE else {
                    throw ValidationError("raw baseline insert: \(String(cString: sqlite3_errmsg(db)))")
                }
                sqlite3_reset(statement)
            }
            try exec(db, "COMMIT")
        }
        return (clock.now - start).seconds
    }

    /// Reads every row in position order, copying each column out as the log's reader does.
    static func read(path: String) throws -> (count: Int, seconds: Double) {
        let db = try open(path)
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        let sql = """
            SELECT position, event_id, stream, version, company, type, schema_version, payload,
                   causation_id, correlation_id, recorded_at FROM events ORDER BY position
            """
        guard sqlite3_prepare_v3(db, sql, -1, 0, &statement, nil) == SQLITE_OK else {
            throw ValidationError("raw baseline: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var checksum = 0
        func text(_ column: Int32) -> String? {
            guard let pointer = sqlite3_column_text(statement, column) else { return nil }
            return String(cString: pointer)
        }
        while sqlite3_step(statement) == SQLITE_ROW {
            let position = sqlite3_column_int64(statement, 0)
            let eventId = text(1)
            let stream = text(2)
            let version = sqlite3_column_int64(statement, 3)
            let company = text(4)
            let type = text(5)
            let schemaVersion = sqlite3_column_int64(statement, 6)
            let length = Int(sqlite3_column_bytes(statement, 7))
            let payload = Data(bytes: sqlite3_column_blob(statement, 7), count: length)
            let causation = text(8)
            let correlation = text(9)
            let recordedAt = Date(timeIntervalSince1970: Double(sqlite3_column_int64(statement, 10)) / 1000)
            checksum &+= Int(position + version + schemaVersion) &+ payload.count &+ (eventId?.utf8.count ?? 0)
                &+ (stream?.utf8.count ?? 0) &+ (company?.utf8.count ?? 0) &+ (type?.utf8.count ?? 0)
                &+ (causation?.utf8.count ?? 0) &+ (correlation?.utf8.count ?? 0) &+ Int(recordedAt.timeIntervalSince1970)
            count += 1
        }
        if checksum == 42 { print("") }  // keeps the copies from being optimised away
        return (count, (clock.now - start).seconds)
    }

    private static func open(_ path: String) throws -> OpaquePointer? {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw ValidationError("raw baseline: cannot open \(path)")
        }
        return db
    }

    private static func exec(_ db: OpaquePointer?, _ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw ValidationError("raw baseline: \(String(cString: sqlite3_errmsg(db)))")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
