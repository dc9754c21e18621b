// Verifying the hash chain: proof that no stored event was edited, removed or reordered.

import Foundation
import GRDB

/// What `verify` found.
public struct VerifyReport: Sendable, Hashable {
    /// How many events were checked.
    public var events: Int
    /// The last position checked.
    public var lastPosition: Int64
    /// The first position whose hash does not match, if any.
    public var firstBrokenPosition: Int64?
    /// What is wrong there, in words.
    public var problem: String?

    /// True when the whole chain holds.
    public var isIntact: Bool { firstBrokenPosition == nil }
}

extension EventStore {
    /// Recomputes the hash chain over every stored event and reports the first position where it breaks.
    public func verify() async throws -> VerifyReport {
        try await read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT position, event_id, stream, version, company, type, schema_version, payload,
                       causation_id, correlation_id, recorded_at, hash
                FROM events ORDER BY position
                """)
            var previous = HashChain.genesis
            var count = 0
            var lastPosition: Int64 = 0
            while let row = try rows.next() {
                let chained = HashChain.Row(
                    position: row[0], eventId: row[1], stream: row[2], version: row[3], company: row[4], type: row[5],
                    schemaVersion: row[6], payload: row[7], causationId: row[8], correlationId: row[9],
                    recordedAt: row[10])
                let stored: Data = row[11]
                let expected = HashChain.hash(previous: previous, row: chained)
                if chained.position <= lastPosition {
                    return VerifyReport(
                        events: count, lastPosition: lastPosition, firstBrokenPosition: chained.position,
                        problem: "position \(chained.position) is out of order")
                }
                if stored != expected {
                    return VerifyReport(
                        events: count, lastPosition: lastPosition, firstBrokenPosition: chained.position,
                        problem: "event \(chained.position) (\(chained.type) on \(chained.stream)) does not match its hash: it was changed, or an event before it was removed")
                }
                previous = stored
                count += 1
                lastPosition = chained.position
            }
            return VerifyReport(events: count, lastPosition: lastPosition, firstBrokenPosition: nil, problem: nil)
        }
    }
}
