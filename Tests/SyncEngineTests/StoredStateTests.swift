// The company state's checkpoint: a head plus one row per user, contact, match and assignment. Loading it and folding
// from position 0 must give the same state, and a save after a small change rewrites only the rows that changed.

import ContactSync
import Emulators
import EventLog
import Foundation
import RollcallTesting
import SyncEngine
import Testing

@Suite("Stored company state")
struct StoredStateTests {
    @Test("a saved checkpoint loads back as the state folded from position 0, and later saves write only what changed")
    func roundTripAndIncremental() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let log = scenario.engine.log(for: "Contoso")
        let folded = try await log.state()
        #expect(folded.directory.users.count > 3 && folded.matches.byUser.count > 3)

        let first = try await log.saveCheckpoint(folded)
        let everything = folded.directory.users.count + folded.psa.contacts.count + folded.matches.byUser.count
            + folded.assignments.byUser.count
        #expect(first.written == everything)
        let loaded = try await log.load()
        #expect(loaded.tail == 0)
        #expect(loaded.state == folded)

        // Nothing changed: nothing is written.
        #expect(try await log.saveCheckpoint(loaded.state, over: loaded.rows).written == 0)

        // One title changes in Microsoft 365: its user row, its contact row (the update) and nothing else of note.
        try await scenario.running.graph.updateUser(Scenario.userId("Contoso", 1), in: scenario.tenant("Contoso")) {
            $0.jobTitle = "Chief Tester"
        }
        try await scenario.run("Contoso")
        let after = try await log.load()
        #expect(after.tail > 0)
        let second = try await log.saveCheckpoint(after.state, over: after.rows)
        #expect(second.written >= 2 && second.written <= 4, "\(second.written) rows written for one changed user")
        let reloaded = try await log.load()
        #expect(reloaded.tail == 0)
        #expect(reloaded.state == (try await log.state()))
    }

    @Test("a checkpoint of an unknown layout or a broken row is logged, not used: the state is folded from the events")
    func brokenRowsRebuild() async throws {
        let scenario = try await Scenario(psa: .connectwise)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let logged = LogCapture()
        let log = CompanyLog(store: scenario.store, company: "Contoso", logger: logged.logger())
        try await log.saveCheckpoint(try await log.state())
        let firstUser = try #require(try await log.state().directory.users.first)
        try await rewriteRows(of: scenario.store) { writer in
            try writer.put(kind: "user", key: firstUser.key, ref: firstUser.value.position, body: Data("{not json".utf8))
        }
        let loaded = try await log.load()
        #expect(loaded.state == (try await log.state()))
        #expect(loaded.tail == (try await scenario.store.count(company: "Contoso")))
        let warning = try #require(logged.entries.last)
        #expect(warning.level == .warning)
        #expect(warning.message.contains("Contoso: the saved state could not be read"))
        #expect(warning.message.contains("rebuilding it from the event log"))

        // A user row whose snapshot reference points at another event is not trusted either.
        let whole = try await log.state()
        let saved = try await log.saveCheckpoint(whole)
        #expect(saved.written > 0)
        #expect(try await log.load().tail == 0)
        let userRows = try #require(try await scenario.store.readProjection(
            "company-state/Contoso", codeVersion: CompanyState.codeVersion
        ) { _, rows in
            var found: [String: Data] = [:]
            try rows.forEach { row in
                if row.kind == "user" { found[row.key] = try row.withBody { Data($0) } }
            }
            return found
        })
        #expect(!userRows.isEmpty)
        try await rewriteRows(of: scenario.store) { writer in
            for (id, body) in userRows { try writer.put(kind: "user", key: id, ref: 1, body: body) }
        }
        let misread = try await log.load()
        #expect(misread.state == (try await log.state()))
        #expect(misread.tail > 0)
        #expect(logged.entries.last?.message.contains("does not refer to that user's snapshot") == true)

        // Rows deleted by hand: the state is folded from the events, not loaded with people missing.
        try await log.saveCheckpoint(whole)
        #expect(try await log.load().tail == 0)
        let someContact = try #require(whole.psa.contacts.keys.first)
        try await rewriteRows(of: scenario.store) { writer in
            try writer.remove(kind: "contact", key: String(someContact))
        }
        let partial = try await log.load()
        #expect(partial.state == whole)
        #expect(partial.tail > 0)
    }

    /// Changes Contoso's stored rows by hand, keeping its checkpoint's head and position as they are.
    private func rewriteRows(
        of store: EventStore, _ change: @escaping @Sendable (ProjectionRowWriter) throws -> Void
    ) async throws {
        let name = "company-state/Contoso"
        let saved = try #require(try await store.checkpoint(name, codeVersion: CompanyState.codeVersion))
        try await store.commitProjection(
            name, codeVersion: CompanyState.codeVersion, position: saved.position, state: saved.state, rows: change)
    }
}
