// The fast subset of `scripts/faults`: one injected fault per test against the in-process emulators, then the PSA
// and the log are checked.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Faults: one fault injected, the PSA and the log checked afterwards")
struct FaultsTests {
    /// A scenario after Contoso's first run on Autotask: 8 matched, active contacts.
    static func afterFirstRun() async throws -> Scenario {
        let scenario = try await Scenario(psa: .autotask)
        let first = try await scenario.run("Contoso")
        #expect(first.status == .completed)
        return scenario
    }

    static func activeCount(_ scenario: Scenario) async -> Int {
        await scenario.contacts("Contoso").count { $0.active }
    }

    /// Commands attempted with no recorded success or failure.
    static func attemptsWithoutOutcome(_ store: EventStore) async throws -> Int {
        var attempted = Set<String>()
        var done = Set<String>()
        for stored in try await store.events(EventQuery(types: ["CommandAttempted", "CommandSucceeded", "CommandFailed"])).collect() {
            let envelope = try CompanyLog.envelope(stored)
            switch envelope.event {
            case .commandAttempted(let e): attempted.insert(e.runId + "/" + e.commandId)
            case .commandSucceeded(let e): done.insert(e.runId + "/" + e.commandId)
            case .commandFailed(let e): done.insert(e.runId + "/" + e.commandId)
            default: break
            }
        }
        return attempted.subtracting(done).count
    }

    static func duplicateEmails(_ contacts: [HeldContact]) -> Int {
        let emails = contacts.compactMap { $0.email?.lowercased() }
        return emails.count - Set(emails).count
    }

    @Test("R1.3 Graph answering an empty user list deactivates nobody")
    func emptyUserList() async throws {
        let scenario = try await Self.afterFirstRun()
        defer { Task { await scenario.stop() } }
        let active = await Self.activeCount(scenario)
        await scenario.running.graph.control.inject(Fault(
            .status(code: 200, retryAfter: nil, body: #"{"value":[]}"#), pathContains: "/v1.0/users", count: 1, after: 1))
        let summary = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(summary.status == .failed)
        #expect(summary.deactivated == 0)
        #expect(await Self.activeCount(scenario) == active)
    }

    @Test("R1.3 a truncated user page deactivates nobody and is recorded as a failed read")
    func truncatedPage() async throws {
        let scenario = try await Self.afterFirstRun()
        defer { Task { await scenario.stop() } }
        let active = await Self.activeCount(scenario)
        await scenario.running.graph.control.inject(Fault(
            .status(code: 200, retryAfter: nil, body: #"{"value":[{"id":"c0ffee","userPrincipalName":"a@b.c""#),
            pathContains: "/v1.0/users", count: 1, after: 1))
        let summary = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(summary.status == .failed)
        #expect(await Self.activeCount(scenario) == active)
        let failed = try await scenario.store.events(EventQuery(company: "Contoso", types: ["DirectoryReadFailed"])).collect()
        #expect(failed.count == 1)
    }

    @Test("R1.3 a 401 in the middle of a read deactivates nobody")
    func unauthorizedMidRead() async throws {
        let scenario = try await Self.afterFirstRun()
        defer { Task { await scenario.stop() } }
        let active = await Self.activeCount(scenario)
        await scenario.running.graph.control.inject(Fault(
            .status(code: 401, retryAfter: nil, body: #"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#),
            pathContains: "/v1.0/users", count: nil, after: 1))
        let summary = try await scenario.run("Contoso", RunOptions(mode: .full))
        #expect(summary.status == .failed)
        #expect(await Self.activeCount(scenario) == active)
    }

    @Test("a 429 storm on PSA writes: the run finishes, nothing duplicated, retries bounded")
    func psaThrottleStorm() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        await scenario.running.autotask.control.inject(Fault(
            .status(code: 429, retryAfter: "0", body: #"{"errors":["Too many requests."]}"#),
            pathContains: "/Companies/100/Contacts", count: 6))
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .completed)
        let contacts = await scenario.contacts("Contoso")
        #expect(Self.duplicateEmails(contacts) == 0)
        #expect(contacts.count { $0.active } == 9)   // 8 synced (7 created, Adele reactivated) + the front desk
        #expect(summary.psaRequests <= 8 + 6 + 10)    // the writes, the storm, a few reads: retries are bounded
        #expect(try await Self.attemptsWithoutOutcome(scenario.store) == 0)
    }

    @Test("dropped PSA connections: every attempt gets an outcome and the next run leaves one contact per user")
    func droppedConnections() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        await scenario.running.autotask.control.inject(Fault(.drop, pathContains: "/Companies/100/Contacts", count: 4))
        _ = try await scenario.run("Contoso")
        #expect(try await Self.attemptsWithoutOutcome(scenario.store) == 0)
        let again = try await scenario.run("Contoso")
        #expect(again.status == .completed)
        let contacts = await scenario.contacts("Contoso")
        #expect(Self.duplicateEmails(contacts) == 0)
        #expect(contacts.count == 9)
    }

    @Test("a corrupted log file is refused with a message and left as it was")
    func corruptedDatabase() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("rollcall.sqlite3").path
        let garbage = Data(repeating: 0x5A, count: 8192)
        #expect(FileManager.default.createFile(atPath: path, contents: garbage))
        #expect {
            _ = try EventStore(path: path)
        } throws: { error in
            (error as? EventLogError)?.message.contains(path) == true
        }
        #expect(FileManager.default.contents(atPath: path) == garbage)
    }

    @Test("no configured secret reaches the log")
    func secretsStayOut() async throws {
        let scenario = try await Self.afterFirstRun()
        defer { Task { await scenario.stop() } }
        await scenario.running.autotask.control.inject(Fault(
            .status(code: 500, retryAfter: "0", body: #"{"errors":["boom"]}"#), pathContains: "/Contacts", count: 2))
        _ = try await scenario.run("Contoso", RunOptions(mode: .full))
        var bytes = Data()
        for suffix in ["", "-wal"] {
            bytes += FileManager.default.contents(atPath: scenario.store.path + suffix) ?? Data()
        }
        #expect(!bytes.isEmpty)
        for secret in SampleMSP.environment.values {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "secret \(secret.prefix(3))… found in the log")
        }
    }
}
