// Appending: positions, stream versions, expected versions, idempotent replays, and refusals that write nothing.

@testable import EventLog
import Foundation
import Testing

@Suite("Appending to the log")
struct AppendTests {
    @Test("a batch gets consecutive positions and per-stream versions")
    func positionsAndVersions() async throws {
        let log = try TemporaryLog()
        let result = try await log.store.append([event("a/user/1"), event("a/user/2"), event("a/user/1")])
        #expect(result.appended.map(\.position) == [1, 2, 3])
        #expect(result.appended.map(\.version) == [1, 1, 2])
        #expect(result.streamVersions == ["a/user/1": 2, "a/user/2": 1])
        #expect(try await log.store.version(of: "a/user/1") == 2)
        #expect(try await log.store.lastPosition() == 3)
    }

    @Test("noStream accepts a new stream and refuses an existing one")
    func noStream() async throws {
        let log = try TemporaryLog()
        try await log.store.append(event("s"), expecting: .noStream)
        await #expect(throws: EventLogError.self) { try await log.store.append(event("s"), expecting: .noStream) }
        #expect(try await log.store.count() == 1)
    }

    @Test("exact(n) appends only at version n, and a conflict names the stream and both versions")
    func exactVersion() async throws {
        let log = try TemporaryLog()
        try await log.store.append([event("s"), event("s")])
        try await log.store.append(event("s"), expecting: .exact(2))
        do {
            try await log.store.append(event("s"), expecting: .exact(2))
            Issue.record("a stale expected version was accepted")
        } catch let error as EventLogError {
            #expect(error.kind == .versionConflict)
            #expect(error.stream == "s")
            #expect(error.expected == .exact(2))
            #expect(error.actual == 3)
            #expect(error.message.contains("\"s\""))
        }
    }

    @Test("a conflict on one stream writes nothing of the whole batch")
    func conflictWritesNothing() async throws {
        let log = try TemporaryLog()
        try await log.store.append(event("b"))
        await #expect(throws: EventLogError.self) {
            try await log.store.append([event("a"), event("b")], expecting: ["a": .noStream, "b": .noStream])
        }
        #expect(try await log.store.count() == 1)
        #expect(try await log.store.version(of: "a") == 0)
    }

    @Test("an event whose id is stored is skipped, so replaying a batch is harmless")
    func idempotentReplay() async throws {
        let log = try TemporaryLog()
        let batch = [event("s", id: "e1"), event("s", id: "e2")]
        try await log.store.append(batch, expecting: ["s": .noStream])
        let replay = try await log.store.append(batch, expecting: ["s": .noStream])
        #expect(replay.appended.isEmpty)
        #expect(replay.skippedEventIds == ["e1", "e2"])
        let mixed = try await log.store.append([event("s", id: "e2"), event("s", id: "e3")])
        #expect(mixed.appended.map(\.eventId) == ["e3"])
        #expect(mixed.appended.map(\.version) == [3])
        #expect(try await log.store.count() == 3)
    }

    @Test("a payload that is not JSON is refused and nothing is written")
    func invalidPayload() async throws {
        let log = try TemporaryLog()
        let error = await #expect(throws: EventLogError.self) {
            try await log.store.append([event("s"), event("s", payload: "not json {")])
        }
        #expect(error?.kind == .invalidPayload)
        #expect(try await log.store.count() == 0)
    }

    @Test("recorded_at comes from the store's clock")
    func recordedAt() async throws {
        let fixed = Date(timeIntervalSince1970: 1_800_000_000)
        let log = try TemporaryLog(now: { fixed })
        try await log.store.append(event("s"))
        let stored = try await log.store.events(stream: "s").collect()
        #expect(stored.first?.recordedAt == fixed)
    }

    @Test("two tasks appending to one stream with the same expected version: exactly one wins", arguments: 0..<10)
    func concurrentAppend(round: Int) async throws {
        let log = try TemporaryLog()
        try await log.store.append(event("race"))
        let store = log.store
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        try await store.append([event("race"), event("race")], expecting: ["race": .exact(1)])
                        return true
                    } catch let error as EventLogError {
                        return error.kind == .versionConflict ? false : true
                    } catch {
                        return true
                    }
                }
            }
            var results: [Bool] = []
            for await outcome in group { results.append(outcome) }
            return results
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.version(of: "race") == 3)
    }

    @Test("two stores on one file: appends from both are serialised, nothing lost")
    func twoConnections() async throws {
        let log = try TemporaryLog()
        let other = try EventStore(path: log.path)
        async let a: Void = { for _ in 0..<50 { try await log.store.append(event("one")) } }()
        async let b: Void = { for _ in 0..<50 { try await other.append(event("two")) } }()
        _ = try await (a, b)
        #expect(try await log.store.count() == 100)
        #expect(try await log.store.verify().isIntact)
    }
}

@Suite("One writer per database file")
struct OneWriterTests {
    @Test("stores opened on the same file in one process share one connection pool, so one writer")
    func sharedPool() throws {
        let log = try TemporaryLog()
        let again = try EventStore(path: log.path)
        let viaOtherSpelling = try EventStore(path: log.folder.appendingPathComponent("./log.sqlite3").path)
        #expect(again.pool === log.store.pool)
        #expect(viaOtherSpelling.pool === log.store.pool)
        let other = try TemporaryLog()
        #expect(other.store.pool !== log.store.pool)
    }
}
