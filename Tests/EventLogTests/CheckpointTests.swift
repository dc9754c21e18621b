// Projection checkpoints and rows: saved in one transaction, owned by the log, rebuilt when the code changes.

import EventLog
import Foundation
import GRDB
import Testing

@Suite("Projection checkpoints")
struct CheckpointTests {
    @Test("a checkpoint saves position and state, and a changed code version asks for a rebuild")
    func saveAndVersion() async throws {
        let log = try TemporaryLog()
        #expect(try await log.store.checkpoint("matches", codeVersion: 1) == nil)
        try await log.store.commitProjection("matches", codeVersion: 1, position: 42, state: Data("{}".utf8))
        let saved = try await log.store.checkpoint("matches", codeVersion: 1)
        #expect(saved?.position == 42)
        #expect(saved?.state == Data("{}".utf8))
        #expect(try await log.store.checkpoint("matches", codeVersion: 2) == nil)
        #expect(try await log.store.readProjection("matches", codeVersion: 2) { _, _ in true } == nil)
    }

    @Test("rows and checkpoint commit together: a failing write leaves both as they were")
    func atomicRowsAndCheckpoint() async throws {
        let log = try TemporaryLog()
        try await log.store.commitProjection("counts", codeVersion: 1, position: 1) { writer in
            try writer.put(kind: "count", key: "contoso", body: Data("1".utf8))
        }
        struct Boom: Error {}
        await #expect(throws: EventLogError.self) {
            try await log.store.commitProjection("counts", codeVersion: 1, position: 2) { writer in
                try writer.put(kind: "count", key: "contoso", body: Data("2".utf8))
                throw Boom()
            }
        }
        #expect(try await log.store.checkpoint("counts", codeVersion: 1)?.position == 1)
        #expect(try await rows(of: "counts", in: log.store) == ["count/contoso": "1"])
    }

    @Test("each projection sees only its own rows; replacing rows removes the old ones; a row reads back its event")
    func rowsBelongToTheirProjection() async throws {
        let log = try TemporaryLog()
        let appended = try await log.store.append(event("s"))
        let position = try #require(appended.lastPosition)
        try await log.store.commitProjection("a", codeVersion: 1, position: position) { writer in
            try writer.put(kind: "user", key: "1", ref: position, body: Data("one".utf8))
            try writer.put(kind: "user", key: "2", body: Data("two".utf8))
            try writer.remove(kind: "user", key: "2")
        }
        try await log.store.commitProjection("b", codeVersion: 1, position: position) { writer in
            try writer.put(kind: "user", key: "1", body: Data("other".utf8))
        }
        #expect(try await rows(of: "a", in: log.store) == ["user/1": "one"])
        let referenced = try await log.store.readProjection("a", codeVersion: 1) { _, rows in
            var found: [String?] = []
            try rows.forEach { row in found.append(row.referencedType) }
            return found
        }
        #expect(referenced == ["Noted"])

        try await log.store.commitProjection("a", codeVersion: 1, position: position, replacingRows: true) { writer in
            try writer.put(kind: "user", key: "3", body: Data("three".utf8))
        }
        #expect(try await rows(of: "a", in: log.store) == ["user/3": "three"])
        #expect(try await rows(of: "b", in: log.store) == ["user/1": "other"])
    }

    @Test("a log made before the migrator opens: its events stay, the old rows table and its checkpoints go")
    func migratesAnOldLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-old-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("log.sqlite3").path
        do {
            let store = try EventStore(path: path)
            try await store.append(event("s"))
        }
        // Make the file look as Rollcall left it before this change: no migration table, a rows table of SyncEngine's,
        // and a checkpoint that relies on it.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                DROP TABLE grdb_migrations;
                DROP TABLE projection_rows;
                DROP TABLE console_accounts;
                CREATE TABLE company_state_rows(company TEXT, kind TEXT, key TEXT, ref INTEGER, body BLOB,
                  PRIMARY KEY(company, kind, key)) STRICT, WITHOUT ROWID;
                INSERT INTO projection_checkpoints VALUES ('company-state/Contoso', 3, 1, x'7b7d', 0);
                """)
        }
        try queue.close()

        let store = try EventStore(path: path)
        #expect(try await store.count() == 1)
        #expect(try await store.checkpoint("company-state/Contoso", codeVersion: 3) == nil)
        let tables = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(!tables.contains("company_state_rows"))
        #expect(tables.contains("projection_rows"))
    }

    @Test("a log written by a newer Rollcall is refused by name, not misread")
    func refusesANewerLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-newer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("log.sqlite3").path
        _ = try EventStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('a step of a later version')")
        }
        try queue.close()
        #expect {
            _ = try EventStore(path: path)
        } throws: { error in
            "\(error)".contains("newer version of Rollcall")
        }
    }

    /// A projection's rows as "kind/key": body.
    private func rows(of projection: String, in store: EventStore) async throws -> [String: String] {
        try await store.readProjection(projection, codeVersion: 1) { _, rows in
            var found: [String: String] = [:]
            try rows.forEach { row in
                found["\(row.kind)/\(row.key)"] = try row.withBody { String(decoding: $0, as: UTF8.self) }
            }
            return found
        } ?? [:]
    }
}
