// Projection checkpoints: saved with the projection's rows in one transaction; a new code version rebuilds.

import EventLog
import Foundation
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
    }

    @Test("rows and checkpoint commit together: a failing write leaves both as they were")
    func atomicRowsAndCheckpoint() async throws {
        let log = try TemporaryLog()
        try await log.store.commitProjection("counts", codeVersion: 1, position: 1) { writer in
            try writer.execute("CREATE TABLE counts(company TEXT PRIMARY KEY, n INTEGER)")
            try writer.execute("INSERT INTO counts VALUES (?, ?)", [.text("contoso"), .integer(1)])
        }
        struct Boom: Error {}
        await #expect(throws: (any Error).self) {
            try await log.store.commitProjection("counts", codeVersion: 1, position: 2) { writer in
                try writer.execute("UPDATE counts SET n = 2")
                throw Boom()
            }
        }
        #expect(try await log.store.checkpoint("counts", codeVersion: 1)?.position == 1)
        let n = try await log.store.readProjection { try $0.integer("SELECT n FROM counts") }
        #expect(n == 1)
    }

    @Test("a projection cannot use its writer to change events")
    func writerCannotTouchEvents() async throws {
        let log = try TemporaryLog()
        try await log.store.append(event("s"))
        await #expect(throws: (any Error).self) {
            try await log.store.commitProjection("p", codeVersion: 1, position: 1) { writer in
                try writer.execute("DELETE FROM events")
            }
        }
        #expect(try await log.store.count() == 1)
        #expect(try await log.store.checkpoint("p", codeVersion: 1) == nil)
    }
}
