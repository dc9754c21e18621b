// The company state's checkpoint: a head plus one row per user, contact, match and assignment. Loading it and folding
// from position 0 must give the same state, and a save after a small change rewrites only the rows that changed.

import ContactSync
import Emulators
import EventLog
import Foundation
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

    @Test("a checkpoint of an unknown layout or a broken row is ignored: the state is folded from the events")
    func brokenRowsRebuild() async throws {
        let scenario = try await Scenario(psa: .connectwise)
        defer { Task { await scenario.stop() } }
        try await scenario.run("Contoso")
        let log = scenario.engine.log(for: "Contoso")
        try await log.saveCheckpoint(try await log.state())
        try await scenario.store.commitProjection("company-state/Contoso", codeVersion: CompanyState.codeVersion, position: 1) { writer in
            try writer.execute("UPDATE company_state_rows SET body = ? WHERE kind = 'user'", [.blob(Data("{not json".utf8))])
        }
        let loaded = try await log.load()
        #expect(loaded.state == (try await log.state()))
        #expect(loaded.tail == (try await scenario.store.count(company: "Contoso")))

        // A user row whose snapshot reference points at another event is not trusted either.
        let whole = try await log.state()
        let saved = try await log.saveCheckpoint(whole)
        #expect(saved.written > 0)
        #expect(try await log.load().tail == 0)
        try await scenario.store.commitProjection("company-state/Contoso", codeVersion: CompanyState.codeVersion, position: whole.position) { writer in
            try writer.execute("UPDATE company_state_rows SET ref = 1 WHERE kind = 'user'")
        }
        let misread = try await log.load()
        #expect(misread.state == (try await log.state()))
        #expect(misread.tail > 0)

        // Rows deleted by hand: the state is folded from the events, not loaded with people missing.
        try await log.saveCheckpoint(whole)
        #expect(try await log.load().tail == 0)
        try await scenario.store.commitProjection("company-state/Contoso", codeVersion: CompanyState.codeVersion, position: whole.position) { writer in
            try writer.execute("""
                DELETE FROM company_state_rows
                WHERE kind = 'contact' AND key = (SELECT key FROM company_state_rows WHERE kind = 'contact' LIMIT 1)
                """)
        }
        let partial = try await log.load()
        #expect(partial.state == whole)
        #expect(partial.tail > 0)
    }
}
