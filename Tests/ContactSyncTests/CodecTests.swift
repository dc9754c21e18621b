// The event codec: every type round-trips, unknown types are named, and real events validate against the schemas.

import ContactSync
import Foundation
import StoredFormat
import Testing

@Suite("Event codec and schemas")
struct CodecTests {
    /// Events produced by running a tenant through several runs (not written by hand), plus the failure kinds.
    static func producedEvents() -> [EventEnvelope] {
        var t = randomHistory(seed: 7, runs: 6, users: 20)
        let victims = t.users.keys.sorted()
        for v in victims { t.edit(v) { $0.accountEnabled = false } }
        t.settings.deactivationThreshold = .standard
        t.contactTypes = [PSAContactType(id: 3, name: "Staff")]
        t.sites.append(PSASite(id: 9, name: "Annex", isActive: false))
        t.refuse = [-1]
        t.user("late")
        let held = t.run().safety
        if held.held { t.approve(runId: "run-7") }
        t.run(mode: .full, complete: false)
        t.append(.psaReadFailed(PsaReadFailed(kind: PSAError.Kind.throttled.rawValue, error: "Autotask throttled the read; try later", status: 429, runId: "run-9")))
        t.append(.runFailed(RunFailed(runId: "run-9", kind: "psa", error: "the PSA could not be read")))
        t.append(.runPaused(RunPaused(
            runId: "10", writesLeft: 40, resumeAt: Date(timeIntervalSince1970: 1_800_003_600),
            reason: "Rollcall has used its share of Autotask's API budget", psaRequests: 120, threshold: 10_000, windowMinutes: 60)))
        t.append(.runRequested(RunRequested(trigger: .resumed, mode: .delta, outcome: .queued)))
        let staff = GroupNode(groupId: "g-staff", displayName: "Staff", userIds: Array(victims.prefix(3)), groupIds: ["g-nested"])
        let nested = GroupNode(groupId: "g-nested", displayName: "Nested", userIds: Array(victims.suffix(2)), groupIds: [])
        t.append(.groupsDeltaObserved(GroupsDeltaObserved(
            fresh: true, trackedGroupIds: ["g-nested", "g-staff"], groups: [nested, staff], removedGroupIds: [],
            deltaLink: "https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=abc", runId: "11")))
        t.append(.groupsDeltaObserved(GroupsDeltaObserved(
            fresh: false, trackedGroupIds: ["g-nested", "g-staff"], groups: [staff], removedGroupIds: ["g-nested"],
            deltaLink: "https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=abd", runId: "12")))
        t.append(.deactivationsDismissed(DeactivationsDismissed(
            runId: "12", commandIds: ["contact:30684001"], reason: "licenses lapsed by mistake; renewal under way", dismissedBy: "dana")))
        return t.events
    }

    @Test("every event type round-trips through its stored JSON")
    func roundTrip() throws {
        let events = Self.producedEvents()
        let types = Set(events.map(\.event.typeName))
        #expect(types == Set(DomainEvent.typeNames), "missing: \(Set(DomainEvent.typeNames).subtracting(types).sorted())")
        for e in events {
            let data = try e.event.encodePayload()
            let back = try DomainEvent.decode(type: e.event.typeName, schemaVersion: e.event.schemaVersion, payload: data)
            #expect(back == e.event)
            #expect(String(decoding: data, as: UTF8.self).contains("\"clientSecret\"") == false)
        }
    }

    @Test("an unknown type or version is a typed error that names it")
    func unknownType() {
        #expect(throws: EventCodecError.unknownType("ContactMerged")) {
            try DomainEvent.decode(type: "ContactMerged", schemaVersion: 1, payload: Data("{}".utf8))
        }
        #expect(throws: EventCodecError.unknownVersion(type: "RunStarted", schemaVersion: 9)) {
            try DomainEvent.decode(type: "RunStarted", schemaVersion: 9, payload: Data("{}".utf8))
        }
        do {
            _ = try DomainEvent.decode(type: "RunStarted", schemaVersion: 1, payload: Data("{\"runId\":1}".utf8))
            Issue.record("a bad payload was read")
        } catch {
            #expect("\(error)".contains("RunStarted v1"))
        }
    }

    @Test("the content hash is stable and changes with content")
    func contentHash() throws {
        let u = DirectoryUser(id: "1", userPrincipalName: "a@b.c", extensionAttributes: ["extensionAttribute2": "x", "extensionAttribute1": "y"])
        var v = u
        #expect(try ContentHash.of(u) == ContentHash.of(v))
        #expect(try ContentHash.of(u).count == 64)
        v.jobTitle = "CTO"
        #expect(try ContentHash.of(u) != ContentHash.of(v))
    }

    @Test("produced events validate against Schemas/events with jsonschema (Draft 2020-12)")
    func schemas() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in DomainEvent.typeNames {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Schemas/events/\(name).v1.json").path), "no schema for \(name)")
        }
        var lines = ""
        for e in Self.producedEvents() {
            let payload = String(decoding: try e.event.encodePayload(), as: UTF8.self)
            lines += "{\"type\":\"\(e.event.typeName)\",\"schemaVersion\":\(e.event.schemaVersion),\"payload\":\(payload)}\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-events-\(UUID().uuidString).jsonl")
        try lines.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/validate-events").path, file.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)\(errors.prefix(3000))")
        #expect(output.contains(" 0 failed"))
    }
}
