// The log refuses edits, proves with its hash chain that nothing was edited, and refuses files that are not logs.

import EventLog
import Foundation
import GRDB
import Testing

@Suite("An append-only, verifiable log")
struct ImmutabilityTests {
    @Test("UPDATE and DELETE on events are refused by triggers")
    func triggersRefuseChanges() async throws {
        let log = try TemporaryLog()
        try await log.store.append([event("s"), event("s")])
        let raw = try DatabaseQueue(path: log.path)
        for sql in ["UPDATE events SET version = 9", "DELETE FROM events WHERE position = 1"] {
            do {
                try await raw.write { try $0.execute(sql: sql) }
                Issue.record("\(sql) was allowed")
            } catch let error as DatabaseError {
                #expect(error.message?.contains("events are immutable") == true)
            }
        }
        #expect(try await log.store.count() == 2)
    }

    @Test("verify passes on an untouched log")
    func verifyIntact() async throws {
        let log = try TemporaryLog()
        for i in 0..<5 { try await log.store.append([event("s\(i)"), event("t")]) }
        let report = try await log.store.verify()
        #expect(report.isIntact)
        #expect(report.events == 10)
        #expect(report.lastPosition == 10)
    }

    @Test("verify names the first edited position when someone bypasses the triggers")
    func verifyFindsTampering() async throws {
        let log = try TemporaryLog()
        for _ in 0..<6 { try await log.store.append(event("s")) }
        let raw = try DatabaseQueue(path: log.path)
        try await raw.write { db in
            try db.execute(sql: "DROP TRIGGER events_never_updated")
            try db.execute(sql: #"UPDATE events SET payload = CAST('{"n":2}' AS BLOB) WHERE position = 4"#)
        }
        let report = try await log.store.verify()
        #expect(report.firstBrokenPosition == 4)
        #expect(report.problem?.contains("4") == true)
    }

    @Test("verify notices a removed event")
    func verifyFindsRemoval() async throws {
        let log = try TemporaryLog()
        for _ in 0..<4 { try await log.store.append(event("s")) }
        let raw = try DatabaseQueue(path: log.path)
        try await raw.write { db in
            try db.execute(sql: "DROP TRIGGER events_never_deleted")
            try db.execute(sql: "DELETE FROM events WHERE position = 2")
        }
        #expect(try await log.store.verify().firstBrokenPosition == 3)
    }

    @Test("a file that is not SQLite is refused with a message naming it")
    func corruptedFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("broken.sqlite3").path
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try EventStore(path: path)
            Issue.record("a corrupted file was opened as a log")
        } catch let error as EventLogError {
            #expect(error.kind == .cannotOpen)
            #expect(error.message.contains(path))
        }
    }

    @Test("another program's SQLite database is refused, and left untouched")
    func foreignDatabase() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-foreign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("other.sqlite3").path
        try DatabaseQueue(path: path).write { try $0.execute(sql: "CREATE TABLE invoices(id INTEGER)") }
        #expect(throws: EventLogError.self) { _ = try EventStore(path: path) }
        let tables = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master") }
        #expect(tables == ["invoices"])
    }
}
