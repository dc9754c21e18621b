// Builders for event log tests: a fresh log in a temporary folder, and events in one line.

import EventLog
import Foundation

/// A log in its own temporary folder, removed when the test is done with it.
final class TemporaryLog: Sendable {
    let folder: URL
    let store: EventStore
    var path: String { folder.appendingPathComponent("log.sqlite3").path }

    init(upcasters: Upcasters = Upcasters(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try EventStore(path: folder.appendingPathComponent("log.sqlite3").path, upcasters: upcasters, now: now)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}

func event(
    _ stream: String, company: String = "contoso", type: String = "Noted", id: String = UUID().uuidString,
    payload: String = #"{"n":1}"#, version: Int = 1
) -> NewEvent {
    NewEvent(eventId: id, stream: stream, company: company, type: type, schemaVersion: version, payload: Data(payload.utf8))
}
