// Projection checkpoints: a projection's state and the position it has folded to, committed together.

import Foundation
import GRDB

/// Where a projection stands: the code version that built it, the last position folded, and its saved state.
public struct ProjectionCheckpoint: Sendable, Hashable {
    public var name: String
    public var codeVersion: Int
    /// The last position the projection has folded.
    public var position: Int64
    /// The projection's state as its owner encoded it, if it keeps its state here.
    public var state: Data?
}

/// Writes a projection's rows inside the transaction that also moves its checkpoint; valid only inside that body.
///
/// A row is a `kind` and `key` (unique within the projection), a `body` the projection encodes, and optionally `ref`,
/// the position of an event the row stands for (read back with the row, so a row need not repeat an event's payload).
public struct ProjectionRowWriter {
    let projection: String
    let db: Database
    let upsert: Statement
    let delete: Statement

    /// Stores the row `kind`/`key`, replacing the one stored before.
    public func put(kind: String, key: String, ref: Int64? = nil, body: Data) throws {
        // Bound through SQLite's C API: a first run's save writes hundreds of thousands of rows.
        let step = RawStep(upsert)
        step.text(1, projection)
        step.text(2, kind)
        step.text(3, key)
        if let ref { step.integer(4, ref) } else { step.null(4) }
        step.blob(5, body)
        try step.run(in: db)
    }

    /// Removes the row `kind`/`key`, if stored.
    public func remove(kind: String, key: String) throws {
        let step = RawStep(delete)
        step.text(1, projection)
        step.text(2, kind)
        step.text(3, key)
        try step.run(in: db)
    }
}

/// A projection's stored rows, read one at a time; valid only inside `readProjection`'s body.
public struct ProjectionRows {
    let projection: String
    let db: Database

    /// Hands each row of the projection to `body`, with the event its `ref` names, in no particular order.
    public func forEach(_ body: (ProjectionRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.kind, r.key, r.body, r.ref, e.type, e.schema_version, e.payload
                FROM projection_rows r LEFT JOIN events e ON e.position = r.ref
                WHERE r.projection = ?
                """,
            arguments: [projection])
        while let row = try cursor.next() { try body(ProjectionRow(row: row)) }
    }
}

/// One stored row of a projection; valid only inside the `forEach` body that received it.
public struct ProjectionRow {
    let row: Row

    /// The row's kind, as written.
    public var kind: String { row[0] }
    /// The row's key within its kind.
    public var key: String { row[1] }
    /// The position of the event the row refers to, if it refers to one.
    public var ref: Int64? { row[3] }
    /// The type of the event at `ref` (`nil` without `ref`, or when no event is stored there).
    public var referencedType: String? { row[4] }
    /// The payload version of the event at `ref`.
    public var referencedSchemaVersion: Int? { row[5] }

    /// Hands the row's body to `body` without copying it out of SQLite.
    public func withBody<T>(_ body: (Data) throws -> T) throws -> T {
        try row.withUnsafeData(atIndex: 2) { try body($0 ?? Data()) }
    }

    /// Hands the payload of the event at `ref` to `body` without copying it (`nil` when there is none).
    public func withReferencedPayload<T>(_ body: (Data?) throws -> T) throws -> T {
        try row.withUnsafeData(atIndex: 6, body)
    }
}

extension EventStore {
    /// The checkpoint of a projection, or `nil` when there is none or it was built by another code version
    /// (the caller then rebuilds from position 0).
    public func checkpoint(_ name: String, codeVersion: Int) async throws -> ProjectionCheckpoint? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT code_version, position, state FROM projection_checkpoints WHERE name = ?",
                arguments: [name])
            else { return nil }
            let storedVersion: Int = row[0]
            guard storedVersion == codeVersion else { return nil }
            return ProjectionCheckpoint(name: name, codeVersion: storedVersion, position: row[1], state: row[2])
        }
    }

    /// Saves a projection's state and checkpoint in one transaction, after `rows` has written the projection's rows
    /// (all of its stored rows are removed first when `replacingRows`). If `rows` throws, nothing changes.
    public func commitProjection(
        _ name: String, codeVersion: Int, position: Int64, state: Data? = nil, replacingRows: Bool = false,
        rows: (@Sendable (ProjectionRowWriter) throws -> Void)? = nil
    ) async throws {
        let updatedAt = Int64((now().timeIntervalSince1970 * 1000).rounded())
        do {
            try await pool.write { db in
                if replacingRows {
                    try db.execute(sql: "DELETE FROM projection_rows WHERE projection = ?", arguments: [name])
                }
                if let rows {
                    let writer = ProjectionRowWriter(
                        projection: name, db: db,
                        upsert: try db.cachedStatement(
                            sql: "INSERT OR REPLACE INTO projection_rows(projection, kind, key, ref, body) VALUES (?,?,?,?,?)"),
                        delete: try db.cachedStatement(
                            sql: "DELETE FROM projection_rows WHERE projection = ? AND kind = ? AND key = ?"))
                    try rows(writer)
                }
                try db.execute(
                    sql: """
                        INSERT INTO projection_checkpoints(name, code_version, position, state, updated_at)
                        VALUES (?,?,?,?,?)
                        ON CONFLICT(name) DO UPDATE SET code_version = excluded.code_version,
                          position = excluded.position, state = excluded.state, updated_at = excluded.updated_at
                        """,
                    arguments: [name, codeVersion, position, state, updatedAt])
            }
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError(.storage, "saving projection \"\(name)\" failed: \(Self.describe(error)); its checkpoint is unchanged")
        }
    }

    /// Reads a projection's checkpoint and rows in one transaction: `body` gets the checkpoint and the rows to read.
    /// `nil` when there is no checkpoint of `codeVersion` (the caller then rebuilds from the events).
    public func readProjection<T: Sendable>(
        _ name: String, codeVersion: Int,
        _ body: @escaping @Sendable (ProjectionCheckpoint, ProjectionRows) throws -> T
    ) async throws -> T? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT code_version, position, state FROM projection_checkpoints WHERE name = ?", arguments: [name]),
                  row[0] as Int == codeVersion
            else { return nil }
            let checkpoint = ProjectionCheckpoint(name: name, codeVersion: codeVersion, position: row[1], state: row[2])
            return try body(checkpoint, ProjectionRows(projection: name, db: db))
        }
    }
}
