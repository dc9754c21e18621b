// Binding and stepping a prepared statement through SQLite's C API, for the log's two hot writes: appended events
// and projection rows. A first run writes hundreds of thousands of each, and boxing every column into GRDB's
// `StatementArguments` cost more than SQLite's own work.

import Foundation
import GRDB
import GRDBSQLite

/// One execution of a prepared statement: bind each parameter (1-based), then `run`. Errors are GRDB's
/// `DatabaseError`, as from any other statement; the statement is reset after every run.
struct RawStep {
    private let statement: Statement
    private let sqlite: OpaquePointer
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement) {
        self.statement = statement
        sqlite = statement.sqliteStatement
        sqlite3_reset(sqlite)
    }

    /// How many parameters the statement has.
    var parameterCount: Int { Int(sqlite3_bind_parameter_count(sqlite)) }

    func integer(_ index: Int32, _ value: Int64?) {
        guard let value else { return null(index) }
        sqlite3_bind_int64(sqlite, index, value)
    }

    func real(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(sqlite, index, value)
    }

    func text(_ index: Int32, _ value: String?) {
        guard var value else { return null(index) }
        _ = value.withUTF8 { sqlite3_bind_text(sqlite, index, $0.baseAddress, Int32($0.count), Self.transient) }
    }

    func blob(_ index: Int32, _ value: Data?) {
        guard let value else { return null(index) }
        _ = value.withUnsafeBytes { bytes in
            sqlite3_bind_blob(sqlite, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Self.transient)
        }
    }

    func null(_ index: Int32) {
        sqlite3_bind_null(sqlite, index)
    }

    /// Steps the statement to its end.
    func run(in db: Database) throws {
        let code = sqlite3_step(sqlite)
        defer { sqlite3_reset(sqlite) }
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }
}
