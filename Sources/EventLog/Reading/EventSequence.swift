// Reading the log in order as an async sequence that fetches one page at a time, never the whole log.

import Foundation
import GRDB

/// Which events to read: all, one company's, or one stream's, from a position, up to a position, of some types.
public struct EventQuery: Sendable, Hashable {
    public var company: String?
    public var stream: String?
    /// Read events after this position (0 reads from the start).
    public var after: Int64
    /// Stop at this position (inclusive); `nil` reads to the end.
    public var through: Int64?
    /// Only these types; `nil` reads every type.
    public var types: Set<String>?

    /// Makes a query; with no arguments it reads the whole log.
    public init(company: String? = nil, stream: String? = nil, after: Int64 = 0, through: Int64? = nil, types: Set<String>? = nil) {
        self.company = company
        self.stream = stream
        self.after = after
        self.through = through
        self.types = types
    }
}

extension EventStore {
    /// The events a query selects, in position order, fetched a page at a time as the caller iterates.
    public func events(_ query: EventQuery = EventQuery(), pageSize: Int = 2_000) -> EventSequence {
        EventSequence(store: self, query: query, pageSize: max(1, pageSize))
    }

    /// One company's events after `position`, in order.
    public func events(company: String, after position: Int64 = 0) -> EventSequence {
        events(EventQuery(company: company, after: position))
    }

    /// One stream's events, in order.
    public func events(stream: String) -> EventSequence {
        events(EventQuery(stream: stream))
    }

    func page(_ query: EventQuery, after: Int64, limit: Int) async throws -> [StoredEvent] {
        var sql = """
            SELECT position, event_id, stream, version, company, type, schema_version, payload,
                   causation_id, correlation_id, recorded_at
            FROM events WHERE position > ?
            """
        var arguments: [any DatabaseValueConvertible] = [after]
        if let company = query.company {
            sql += " AND company = ?"
            arguments.append(company)
        }
        if let stream = query.stream {
            sql += " AND stream = ?"
            arguments.append(stream)
        }
        if let through = query.through {
            sql += " AND position <= ?"
            arguments.append(through)
        }
        if let types = query.types {
            sql += " AND type IN (\(Array(repeating: "?", count: types.count).joined(separator: ",")))"
            arguments.append(contentsOf: types.sorted())
        }
        sql += " ORDER BY position LIMIT \(limit)"
        let statementArguments = StatementArguments(arguments)
        let finalSQL = sql
        let upcasters = self.upcasters
        return try await read { db in
            let statement = try db.cachedStatement(sql: finalSQL)
            let rows = try Row.fetchCursor(statement, arguments: statementArguments)
            var events: [StoredEvent] = []
            events.reserveCapacity(limit)
            while let row = try rows.next() {
                let type: String = row[5]
                let storedVersion: Int = row[6]
                var payload: Data = row[7]
                var version = storedVersion
                if !upcasters.isEmpty {
                    (payload, version) = try upcasters.upcast(type: type, version: storedVersion, payload: payload)
                }
                events.append(StoredEvent(
                    position: row[0], eventId: row[1], stream: row[2], version: row[3], company: row[4], type: type,
                    schemaVersion: version, storedSchemaVersion: storedVersion, payload: payload,
                    causationId: row[8], correlationId: row[9],
                    recordedAt: Date(timeIntervalSince1970: Double(row[10] as Int64) / 1000)))
            }
            return events
        }
    }
}

/// Events in position order, read from the log one page at a time as they are consumed.
public struct EventSequence: AsyncSequence, Sendable {
    /// Each element is one stored event.
    public typealias Element = StoredEvent
    let store: EventStore
    let query: EventQuery
    let pageSize: Int

    /// Starts reading.
    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, query: query, pageSize: pageSize, after: query.after)
    }

    /// Reads every selected event into an array (for small selections: one company's stream, a test).
    public func collect() async throws -> [StoredEvent] {
        var all: [StoredEvent] = []
        for try await event in self { all.append(event) }
        return all
    }

    /// Fetches the next page when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let store: EventStore
        let query: EventQuery
        let pageSize: Int
        var after: Int64
        var buffer: [StoredEvent] = []
        var index = 0
        var finished = false

        init(store: EventStore, query: EventQuery, pageSize: Int, after: Int64) {
            self.store = store
            self.query = query
            self.pageSize = pageSize
            self.after = after
        }

        /// The next event, or `nil` at the end of the selection.
        public mutating func next() async throws -> StoredEvent? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            if finished { return nil }
            buffer = try await store.page(query, after: after, limit: pageSize)
            index = 0
            if buffer.count < pageSize { finished = true }
            guard let last = buffer.last else { return nil }
            after = last.position
            index = 1
            return buffer[0]
        }
    }
}
