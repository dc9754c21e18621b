// The append-only event log on SQLite: opening, schema, and appends with optimistic concurrency.
// Concurrency (the module's one style): SQLite work runs on GRDB's serial queues; stores are immutable `Sendable`
// classes, and the one shared table of open pools is behind a `Mutex`.

import Crypto
import Foundation
import GRDB
import Synchronization

/// An append-only log of events in one SQLite file (WAL mode, one writer connection, concurrent readers).
///
/// Rows can never be updated or deleted (triggers refuse it), each row carries a hash chained to the one before,
/// and SQLite work runs on GRDB's serial queues, off Swift's cooperative thread pool.
public final class EventStore: Sendable {
    /// The file the log lives in.
    public let path: String
    /// The log file's permission bits when other users of the machine may read it (group or others), else nil.
    public let exposedMode: mode_t?

    /// A one-line warning when others may read the log file, else nil.
    public var exposureWarning: String? {
        exposedMode.map {
            "warning: the event log \(path) can be read by other users of this machine (mode \(String($0, radix: 8))); "
                + "it holds people's names, emails and phone numbers. Make it private: chmod 600 \(path)*"
        }
    }

    /// The permission bits of the file at `path` when group or others may read or write it.
    static func exposedMode(_ path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let mode = status.st_mode & 0o777
        return mode & 0o077 == 0 ? nil : mode
    }
    let pool: DatabasePool
    let upcasters: Upcasters
    let now: @Sendable () -> Date

    /// SQLite `application_id` of a Rollcall log ("RCLL"), so that another program's database is refused.
    static let applicationId: Int32 = 0x5243_4C4C

    /// Opens (creating when absent) the log at `path`.
    ///
    /// - Parameters:
    ///   - upcasters: lift old payload versions on read.
    ///   - now: the store's clock for `recorded_at`; injectable for tests.
    public init(path: String, upcasters: Upcasters = Upcasters(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.path = path
        self.upcasters = upcasters
        self.now = now
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            // A new log gets 16 KB pages (SQLite's default is 4 KB): a first run writes hundreds of megabytes, and the
            // larger page means a quarter of the writes to the WAL. An existing log keeps the size it was made with.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // 32 MB of page cache per connection (SQLite's default is 2 MB): the stored state of a 100,000-user company
            // is saved in one transaction, and a small cache spilled and rewrote the same pages over and over.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        // The log holds people's names, emails and phones: a new one is made readable by its owner only (0600), and
        // SQLite gives its WAL and shared-memory files the database's own permissions.
        exposedMode = Self.exposedMode(path)
        if exposedMode == nil, !FileManager.default.fileExists(atPath: path) {
            let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if descriptor >= 0 { close(descriptor) }
        }
        do {
            pool = try PoolRegistry.shared.pool(path: path) { try DatabasePool(path: path, configuration: configuration) }
        } catch {
            throw EventLogError(
                .cannotOpen,
                "could not open the event log \(path): \(Self.describe(error)); check the path and that the file is a Rollcall database")
        }
        do {
            try pool.write { db in try Self.claim(db, path: path) }
            let migrator = Self.migrator
            try migrator.migrate(pool)
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw EventLogError(
                    .cannotOpen,
                    "the event log \(path) was written by a newer version of Rollcall; run that version (this one could misread it)")
            }
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError(
                .cannotOpen,
                "the file \(path) is not a usable Rollcall event log (\(Self.describe(error))); restore it from a backup or point --database at another file")
        }
    }

    /// Refuses another program's database, and marks a new file as a Rollcall log.
    static func claim(_ db: Database, path: String) throws {
        let appId = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if appId != applicationId && tableCount > 0 {
            throw EventLogError(
                .cannotOpen,
                "the file \(path) is an SQLite database of another program, not a Rollcall event log; point --database at another file")
        }
        try db.execute(sql: "PRAGMA application_id = \(applicationId)")
    }

    /// Every table of the log file, created and changed only here, one migration at a time.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Logs made before the migrator already hold these tables: `IF NOT EXISTS` lets them pass this step.
        migrator.registerMigration("events and checkpoints") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS events(
                  position       INTEGER PRIMARY KEY,
                  event_id       TEXT NOT NULL UNIQUE,
                  stream         TEXT NOT NULL,
                  version        INTEGER NOT NULL,
                  company        TEXT NOT NULL,
                  type           TEXT NOT NULL,
                  schema_version INTEGER NOT NULL,
                  payload        BLOB NOT NULL CHECK (json_valid(payload)),
                  causation_id   TEXT,
                  correlation_id TEXT,
                  recorded_at    INTEGER NOT NULL,
                  hash           BLOB NOT NULL,
                  UNIQUE(stream, version)
                ) STRICT;
                CREATE INDEX IF NOT EXISTS events_company ON events(company, position);
                CREATE TRIGGER IF NOT EXISTS events_never_updated BEFORE UPDATE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are immutable: a stored event can never be updated'); END;
                CREATE TRIGGER IF NOT EXISTS events_never_deleted BEFORE DELETE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are immutable: a stored event can never be deleted'); END;
                CREATE TABLE IF NOT EXISTS projection_checkpoints(
                  name         TEXT PRIMARY KEY,
                  code_version INTEGER NOT NULL,
                  position     INTEGER NOT NULL,
                  state        BLOB,
                  updated_at   INTEGER NOT NULL
                ) STRICT;
                """)
        }
        // Projections' rows in one table the log owns. The rows of the table SyncEngine kept before
        // (`company_state_rows`) go, with every checkpoint: checkpoints are a cache, rebuilt from the events.
        migrator.registerMigration("projection rows") { db in
            try db.execute(sql: """
                DROP TABLE IF EXISTS company_state_rows;
                DELETE FROM projection_checkpoints;
                CREATE TABLE projection_rows(
                  projection TEXT NOT NULL,
                  kind       TEXT NOT NULL,
                  key        TEXT NOT NULL,
                  ref        INTEGER,
                  body       BLOB NOT NULL,
                  PRIMARY KEY(projection, kind, key)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        // The console's local accounts (issue 18): a name, a role and a bcrypt hash; never a password.
        migrator.registerMigration("console accounts") { db in
            try db.execute(sql: """
                CREATE TABLE console_accounts(
                  name          TEXT PRIMARY KEY COLLATE NOCASE,
                  role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
                  password_hash TEXT NOT NULL,
                  created_at    INTEGER NOT NULL
                ) STRICT;
                """)
        }
        return migrator
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// Appends a batch in one transaction, after checking each stream named in `expecting`.
    ///
    /// Events whose id the log already holds are skipped (so replaying an append is harmless); a stream whose
    /// version differs from what is expected makes the whole batch fail with `versionConflict`, writing nothing.
    @discardableResult
    ///
    /// `evenIfCancelled` appends from a cancelled task too (the record of how a stopped run ended); otherwise a
    /// cancelled task's append fails without writing.
    public func append(
        _ events: [NewEvent], expecting: [String: ExpectedVersion] = [:], evenIfCancelled: Bool = false
    ) async throws -> AppendResult {
        guard !events.isEmpty else { return AppendResult(appended: [], skippedEventIds: [], streamVersions: [:]) }
        let recordedAt = Int64((now().timeIntervalSince1970 * 1000).rounded())
        let work: @Sendable (Database) throws -> AppendResult = { db in
            var result: AppendResult?
            try db.inTransaction(.immediate) {
                result = try Self.append(events, expecting: expecting, recordedAt: recordedAt, in: db)
                return .commit
            }
            return result!
        }
        do {
            guard evenIfCancelled else { return try await pool.writeWithoutTransaction(work) }
            // GRDB's scheduled write does not look at the task, so the append lands however the task ended.
            return try await withCheckedThrowingContinuation { continuation in
                pool.asyncWriteWithoutTransaction { db in continuation.resume(with: Result { try work(db) }) }
            }
        } catch let error as EventLogError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw EventLogError(.invalidPayload, "an event was refused by the log: \(Self.describe(error)); nothing was written")
        } catch {
            throw EventLogError(.storage, "appending to the event log \(path) failed: \(Self.describe(error)); nothing was written")
        }
    }

    /// Appends one event; see `append(_:expecting:)`.
    @discardableResult
    public func append(_ event: NewEvent, expecting: ExpectedVersion = .any) async throws -> AppendResult {
        try await append([event], expecting: [event.stream: expecting])
    }

    private static func append(
        _ events: [NewEvent], expecting: [String: ExpectedVersion], recordedAt: Int64, in db: Database
    ) throws -> AppendResult {
        var versions: [String: Int64] = [:]
        let versionStatement = try db.cachedStatement(
            sql: "SELECT version FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1")
        func currentVersion(_ stream: String) throws -> Int64 {
            if let known = versions[stream] { return known }
            let found = try Int64.fetchOne(versionStatement, arguments: [stream]) ?? 0
            versions[stream] = found
            return found
        }
        for (stream, expected) in expecting {
            let actual = try currentVersion(stream)
            let matches: Bool
            switch expected {
            case .any: matches = true
            case .noStream: matches = actual == 0
            case .exact(let version): matches = actual == version
            }
            if !matches {
                // A replayed batch finds its own events already stored: that is harmless, not a conflict.
                let ids = events.filter { $0.stream == stream }.map(\.eventId)
                let stored = try ids.allSatisfy { try eventExists($0, in: db) }
                if !(stored && !ids.isEmpty) {
                    throw EventLogError.conflict(stream: stream, expected: expected, actual: actual == 0 ? nil : actual)
                }
            }
        }

        let last = try Row.fetchOne(db, sql: "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        var position: Int64 = last?[0] ?? 0
        var previousHash: Data = last?[1] ?? HashChain.genesis
        let insert = try db.cachedStatement(sql: """
            INSERT INTO events(position, event_id, stream, version, company, type, schema_version, payload,
                               causation_id, correlation_id, recorded_at, hash)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(event_id) DO NOTHING
            """)
        var appended: [AppendedEvent] = []
        appended.reserveCapacity(events.count)
        var skipped: [String] = []
        for event in events {
            let version = try currentVersion(event.stream) + 1
            let row = HashChain.Row(
                position: position + 1, eventId: event.eventId, stream: event.stream, version: version,
                company: event.company, type: event.type, schemaVersion: Int64(event.schemaVersion),
                payload: event.payload, causationId: event.causationId, correlationId: event.correlationId,
                recordedAt: recordedAt)
            let hash = HashChain.hash(previous: previousHash, row: row)
            try insertRow(insert, row, hash: hash, in: db)
            if db.changesCount == 0 {
                skipped.append(event.eventId)
                continue
            }
            position += 1
            previousHash = hash
            versions[event.stream] = version
            appended.append(AppendedEvent(
                eventId: event.eventId, position: position, stream: event.stream, version: version,
                recordedAt: Date(timeIntervalSince1970: Double(recordedAt) / 1000)))
        }
        var touched: [String: Int64] = [:]
        for event in events { touched[event.stream] = versions[event.stream] }
        return AppendResult(appended: appended, skippedEventIds: skipped, streamVersions: touched)
    }

    /// Inserts one row (through `RawStep`: a first run appends hundreds of thousands of events).
    private static func insertRow(_ insert: Statement, _ row: HashChain.Row, hash: Data, in db: Database) throws {
        let step = RawStep(insert)
        step.integer(1, row.position)
        step.text(2, row.eventId)
        step.text(3, row.stream)
        step.integer(4, row.version)
        step.text(5, row.company)
        step.text(6, row.type)
        step.integer(7, row.schemaVersion)
        step.blob(8, row.payload)
        step.text(9, row.causationId)
        step.text(10, row.correlationId)
        step.integer(11, row.recordedAt)
        step.blob(12, hash)
        try step.run(in: db)
    }

    private static func eventExists(_ eventId: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM events WHERE event_id = ?", arguments: [eventId]) ?? false
    }

    /// The position of the last event, or 0 for an empty log.
    public func lastPosition() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT max(position) FROM events") ?? 0 }
    }

    /// The last position of one company's events, or 0 when it has none.
    public func lastPosition(company: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT max(position) FROM events WHERE company = ?", arguments: [company]) ?? 0
        }
    }

    /// The last version of a stream, or 0 when it does not exist.
    public func version(of stream: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(
                db, sql: "SELECT version FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1", arguments: [stream]) ?? 0
        }
    }

    /// Whether the log holds an event with this id.
    public func contains(eventId: String) async throws -> Bool {
        try await read { db in try Self.eventExists(eventId, in: db) }
    }

    /// How many events the log holds, per company when given.
    public func count(company: String? = nil) async throws -> Int {
        try await read { db in
            if let company {
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE company = ?", arguments: [company]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0
        }
    }

    /// Writes the WAL back into the main file (useful after a large backfill); returns when done.
    public func checkpointWAL() async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError(.storage, "reading the event log \(path) failed: \(Self.describe(error))")
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError(.storage, "writing to the event log \(path) failed: \(Self.describe(error))")
        }
    }
}

/// One connection pool — so one writer — per database file in this process, however many stores open it.
final class PoolRegistry: Sendable {
    static let shared = PoolRegistry()
    private let pools = Mutex<[String: WeakPool]>([:])

    private final class WeakPool {
        weak var pool: DatabasePool?
        init(_ pool: DatabasePool) { self.pool = pool }
    }

    /// The open pool of the file, or a new one made by `open`.
    func pool(path: String, open: () throws -> DatabasePool) throws -> DatabasePool {
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        return try pools.withLock { pools in
            if let existing = pools[key]?.pool { return existing }
            let made = try open()
            pools[key] = WeakPool(made)
            pools = pools.filter { $0.value.pool != nil }
            return made
        }
    }
}

/// The hash chain that lets `verify` prove no stored row was edited.
enum HashChain {
    static let genesis = Data(repeating: 0, count: 32)

    struct Row {
        var position: Int64
        var eventId: String
        var stream: String
        var version: Int64
        var company: String
        var type: String
        var schemaVersion: Int64
        var payload: Data
        var causationId: String?
        var correlationId: String?
        var recordedAt: Int64
    }

    /// SHA-256 over the previous hash and every column of the row, each length-prefixed so fields cannot run together.
    /// The bytes are laid out in one buffer and hashed at once (a dozen small `update`s cost more than the copy).
    static func hash(previous: Data, row: Row) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(previous.count + row.payload.count + 256)
        bytes.append(contentsOf: previous)
        func putLength(_ count: Int) {
            withUnsafeBytes(of: UInt32(count).bigEndian) { bytes.append(contentsOf: $0) }
        }
        func put(_ value: Int64) {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        func put(_ text: String?) {
            guard let text else {
                withUnsafeBytes(of: UInt32.max.bigEndian) { bytes.append(contentsOf: $0) }
                return
            }
            putLength(text.utf8.count)
            bytes.append(contentsOf: text.utf8)
        }
        put(row.position)
        put(row.eventId)
        put(row.stream)
        put(row.version)
        put(row.company)
        put(row.type)
        put(row.schemaVersion)
        putLength(row.payload.count)
        bytes.append(contentsOf: row.payload)
        put(row.causationId)
        put(row.correlationId)
        put(row.recordedAt)
        return Data(SHA256.hash(data: bytes))
    }
}
