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

/// A value a projection writes into its own table.
public enum ProjectionValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        }
    }
}

/// Writes a projection's own rows inside the transaction that also moves its checkpoint.
public struct ProjectionWriter: ~Copyable {
    let db: Database

    /// Runs one SQL statement (CREATE, INSERT, UPDATE, DELETE on the projection's own tables; the events table refuses changes).
    public func execute(_ sql: String, _ values: [ProjectionValue] = []) throws {
        try db.execute(sql: sql, arguments: StatementArguments(values.map(\.databaseValue)))
    }

    /// Prepares a statement to run many times with different values (one row each, say).
    public func prepare(_ sql: String) throws -> ProjectionStatement {
        ProjectionStatement(statement: try db.makeStatement(sql: sql), db: db)
    }

    /// Runs a query and hands each row to `body`, one at a time.
    public func forEachRow(_ sql: String, _ values: [ProjectionValue] = [], _ body: (ProjectionRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(values.map(\.databaseValue)))
        while let row = try cursor.next() { try body(ProjectionRow(row: row)) }
    }

    /// Whether a table exists in the database.
    public func tableExists(_ name: String) throws -> Bool {
        try db.tableExists(name)
    }

    /// The first column of the first row of a query, as an integer.
    public func integer(_ sql: String, _ values: [ProjectionValue] = []) throws -> Int64? {
        try Int64.fetchOne(db, sql: sql, arguments: StatementArguments(values.map(\.databaseValue)))
    }
}

/// A prepared statement of a projection's writer.
public struct ProjectionStatement {
    let statement: Statement
    let db: Database

    /// Runs the statement once with these values (bound through SQLite's C API: a save can write hundreds of
    /// thousands of rows).
    public func execute(_ values: [ProjectionValue]) throws {
        let step = RawStep(statement)
        guard values.count == step.parameterCount else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "\(values.count) values for \(step.parameterCount) parameters", sql: statement.sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: step.null(index)
            case .integer(let number): step.integer(index, number)
            case .real(let number): step.real(index, number)
            case .text(let text): step.text(index, text)
            case .blob(let data): step.blob(index, data)
            }
        }
        try step.run(in: db)
    }
}

/// One row of a projection query; valid only inside the `forEachRow` body that received it.
public struct ProjectionRow {
    let row: Row

    /// The column as text (`nil` when NULL).
    public func text(_ index: Int) -> String? { row[index] }
    /// The column as an integer (`nil` when NULL).
    public func integer(_ index: Int) -> Int64? { row[index] }
    /// Hands the column's bytes to `body` without copying them out of SQLite (`nil` when NULL).
    public func withBytes<T>(_ index: Int, _ body: (Data?) throws -> T) throws -> T {
        try row.withUnsafeData(atIndex: index, body)
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

    /// Saves a projection's state and checkpoint in one transaction, after running `rows` to write its own tables.
    /// If `rows` throws, neither the rows nor the checkpoint change.
    public func commitProjection(
        _ name: String, codeVersion: Int, position: Int64, state: Data? = nil,
        rows: (@Sendable (borrowing ProjectionWriter) throws -> Void)? = nil
    ) async throws {
        let updatedAt = Int64((now().timeIntervalSince1970 * 1000).rounded())
        do {
            try await pool.write { db in
                if let rows { try rows(ProjectionWriter(db: db)) }
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

    /// Reads from a projection's own tables.
    public func readProjection<T: Sendable>(_ body: @escaping @Sendable (borrowing ProjectionWriter) throws -> T) async throws -> T {
        try await read { db in try body(ProjectionWriter(db: db)) }
    }
}
