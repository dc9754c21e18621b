// The bridge between the domain's events and the SQLite log: appending domain events, folding them into state.

import ContactSync
import EventLog
import Foundation
import StoredFormat
import Logging

/// One company's view of the event log: appends domain events and keeps its projections' checkpoint.
public struct CompanyLog: Sendable {
    /// The log file's store.
    public let store: EventStore
    /// The company's name, as in rollcall.yaml.
    public let company: String

    /// The checkpoint name of the company's projections.
    var checkpointName: String { "company-state/\(company)" }

    /// Where a checkpoint that cannot be read is reported.
    let logger: Logger

    /// Makes a view of the log for one company.
    public init(store: EventStore, company: String, logger: Logger = Logger(label: "rollcall.log")) {
        self.store = store
        self.company = company
        self.logger = logger
    }

    /// Appends domain events in one transaction; ids are `prefix/index` so that replaying the same append is harmless.
    @discardableResult
    public func append(
        _ events: [DomainEvent], idPrefix: String, correlationId: String?, causationId: String? = nil,
        expecting: [String: ExpectedVersion] = [:]
    ) async throws -> [EventEnvelope] {
        try await append(groups: [(events, idPrefix)], correlationId: correlationId, causationId: causationId, expecting: expecting)
    }

    /// Appends several groups of events in one transaction, each group's ids under its own prefix; returns the
    /// envelopes of the events appended, in order.
    public func append(
        groups: [(events: [DomainEvent], idPrefix: String)], correlationId: String?, causationId: String? = nil,
        expecting: [String: ExpectedVersion] = [:], evenIfCancelled: Bool = false
    ) async throws -> [EventEnvelope] {
        let total = groups.reduce(0) { $0 + $1.events.count }
        guard total > 0 else { return [] }
        var batch: [NewEvent] = []
        batch.reserveCapacity(total)
        for (events, idPrefix) in groups {
            for (index, event) in events.enumerated() {
                batch.append(NewEvent(
                    eventId: "\(idPrefix)/\(index)", stream: StreamName.stream(for: event, company: company), company: company,
                    type: event.typeName, schemaVersion: event.schemaVersion, payload: try event.encodePayload(),
                    causationId: causationId, correlationId: correlationId))
            }
        }
        let result = try await store.append(batch, expecting: expecting, evenIfCancelled: evenIfCancelled)
        // Usually every event was new and positions come back in the order the events went in; after a replayed
        // step, only the events not stored before come back, found by id.
        let inOrder = result.appended.count == batch.count
            && zip(result.appended, batch).allSatisfy { $0.eventId == $1.eventId }
        let byId = inOrder ? [:] : Dictionary(uniqueKeysWithValues: result.appended.map { ($0.eventId, $0) })
        var envelopes: [EventEnvelope] = []
        envelopes.reserveCapacity(result.appended.count)
        var index = 0
        for (events, _) in groups {
            for event in events {
                let new = batch[index]
                if let stored = inOrder ? result.appended[index] : byId[new.eventId] {
                    envelopes.append(EventEnvelope(
                        position: stored.position, stream: new.stream, recordedAt: stored.recordedAt, eventId: new.eventId,
                        event: event))
                }
                index += 1
            }
        }
        return envelopes
    }

    /// The company's events after `position` (up to `through`), decoded, in order.
    public func envelopes(after position: Int64 = 0, through: Int64? = nil, types: Set<String>? = nil) -> AsyncThrowingMapSequence<EventSequence, EventEnvelope> {
        store.events(EventQuery(company: company, after: position, through: through, types: types)).map { stored in
            try Self.envelope(stored)
        }
    }

    /// Decodes a stored event into the domain's envelope.
    public static func envelope(_ stored: StoredEvent) throws -> EventEnvelope {
        let event = try DomainEvent.decode(type: stored.type, schemaVersion: stored.schemaVersion, payload: stored.payload)
        return EventEnvelope(
            position: stored.position, stream: stored.stream, recordedAt: stored.recordedAt, eventId: stored.eventId,
            event: event)
    }

    /// The company's current state: the stored checkpoint (when built by this code version) plus every event after it.
    public func currentState() async throws -> CompanyState {
        try await load().state
    }

    /// The company's current state, how many events it folded after the stored checkpoint (all, without one), and
    /// the stored rows it was loaded from (for `saveCheckpoint(_:over:)` to rewrite only what changed). A checkpoint
    /// that cannot be read is logged, and the state is folded from the events instead.
    public func load() async throws -> LoadedState {
        var loaded = LoadedState(state: CompanyState(company: company), tail: 0, rows: StoredRows())
        do {
            if let stored = try await readStoredState() { (loaded.state, loaded.rows) = stored }
        } catch {
            logger.warning(
                "\(company): the saved state could not be read (\(error)); rebuilding it from the event log",
                metadata: ["company": "\(company)"])
        }
        for try await stored in store.events(EventQuery(company: company, after: loaded.state.position)) {
            try Self.fold(stored, into: &loaded.state)
            loaded.tail += 1
        }
        return loaded
    }

    /// The state as it was at a position or a time (replay); never reads the checkpoint.
    public func state(through position: Int64? = nil, asOf time: Date? = nil) async throws -> CompanyState {
        var state = CompanyState(company: company)
        for try await stored in store.events(EventQuery(company: company, through: position)) {
            if let time, stored.recordedAt > time { break }
            try Self.fold(stored, into: &state)
        }
        return state
    }

    /// Folds one stored event, passing over the types the fold does not read without decoding them.
    static func fold(_ stored: StoredEvent, into state: inout CompanyState) throws {
        if CompanyState.unreadTypes.contains(stored.type) {
            state.pass(position: stored.position)
        } else {
            state.apply(try envelope(stored))
        }
    }

    /// Saves the state as the company's checkpoint: the head (everything but the per-user and per-contact maps) with
    /// the checkpoint, and one row per user, contact, match and assignment, of which only those that differ from
    /// `stored` are written. Returns what is stored now.
    @discardableResult
    public func saveCheckpoint(_ state: CompanyState, over stored: StoredRows = StoredRows()) async throws -> StoredRows {
        var head = state
        head.directory.users = [:]
        head.psa.contacts = [:]
        head.matches = MatchProjection()
        head.assignments.byUser = [:]
        var next = StoredRows(exact: true)
        let users = RowChanges.between(state.directory.users, stored.users, into: &next.users, UserRow.fingerprint)
        let contacts = RowChanges.between(state.psa.contacts, stored.contacts, into: &next.contacts) { $0.hashValue }
        let matches = RowChanges.between(state.matches.byUser, stored.matches, into: &next.matches) { $0.hashValue }
        let assignments = RowChanges.between(state.assignments.byUser, stored.assignments, into: &next.assignments) {
            $0.hashValue
        }
        // Each kind's keys in order: SQLite then fills its primary-key B-tree front to back instead of splitting pages
        // all over it (user ids are random GUIDs; a first run writes hundreds of thousands of rows). Rows are encoded
        // one at a time as they are written, so a first run's 370,000 rows are never all held at once.
        let userKeys = users.upserts.sorted()
        let contactKeys = contacts.upserts.map { String($0) }.sorted()
        let matchKeys = matches.upserts.sorted()
        let assignmentKeys = assignments.upserts.sorted()
        let deletes: [(RowKind, [String])] = [
            (.user, users.deletes), (.contact, contacts.deletes.map { String($0) }), (.match, matches.deletes),
            (.assignment, assignments.deletes),
        ]
        let (userRecords, contactRecords) = (state.directory.users, state.psa.contacts)
        let (matchRecords, assignmentRecords) = (state.matches.byUser, state.assignments.byUser)
        let headData = try Self.headEncoder.encode(StoredHead(state: head, rows: next.counts))
        try await store.commitProjection(
            checkpointName, codeVersion: CompanyState.codeVersion, position: state.position, state: headData,
            replacingRows: !stored.exact
        ) { writer in
            func putAll(_ kind: RowKind, _ keys: [String], _ row: (String) throws -> (ref: Int64?, body: Data)) throws {
                for key in keys {
                    let (ref, body) = try row(key)
                    try writer.put(kind: kind.rawValue, key: key, ref: ref, body: body)
                }
            }
            // A user row refers to the user's latest snapshot event instead of repeating it.
            try putAll(.user, userKeys) { key in
                let record = userRecords[key]!
                return (record.position, UserRow(record).json)
            }
            try putAll(.contact, contactKeys) { key in (nil, try CanonicalJSON.encode(contactRecords[Int(key)!]!)) }
            try putAll(.match, matchKeys) { key in (nil, try CanonicalJSON.encode(matchRecords[key]!)) }
            try putAll(.assignment, assignmentKeys) { key in (nil, try CanonicalJSON.encode(assignmentRecords[key]!)) }
            for (kind, keys) in deletes {
                for key in keys { try writer.remove(kind: kind.rawValue, key: key) }
            }
        }
        next.written = users.upserts.count + contacts.upserts.count + matches.upserts.count + assignments.upserts.count
            + users.deletes.count + contacts.deletes.count + matches.deletes.count + assignments.deletes.count
        return next
    }

    /// The head keeps dates to the millisecond (when reads happened, from the log's own clock): ISO-8601 would round
    /// them to the second and a loaded state would differ from the folded one. Rows hold only dates from payloads.
    static var headEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }

    static var headDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }

    /// The stored head and rows, read in one transaction; `nil` without a checkpoint of this code version. Throws
    /// `RowUnreadable` when the head or a row cannot be read back, or rows are missing.
    private func readStoredState() async throws -> (CompanyState, StoredRows)? {
        try await store.readProjection(checkpointName, codeVersion: CompanyState.codeVersion) { checkpoint, rows in
            guard let headData = checkpoint.state else { throw RowUnreadable("it has no head") }
            let head = try Self.headDecoder.decode(StoredHead.self, from: headData)
            let decoder = EventCodec.decoder
            var state = head.state
            var stored = StoredRows(exact: true)
            try rows.forEach { row in
                guard let kind = RowKind(rawValue: row.kind) else { throw RowUnreadable("a row has the unknown kind \(row.kind)") }
                let key = row.key
                var user: DirectoryUser?
                if kind == .user {
                    // The row's snapshot must be the user's own, in the payload version this code reads.
                    guard row.referencedType == DirectoryUserObserved.eventType,
                          row.referencedSchemaVersion == DirectoryUserObserved.schemaVersion,
                          let snapshot = try row.withReferencedPayload({ try $0.map { try decoder.decode(DirectoryUserObserved.self, from: $0) } }),
                          snapshot.user.id == key
                    else { throw RowUnreadable("the row of user \(key) does not refer to that user's snapshot") }
                    user = snapshot.user
                }
                try row.withBody { body in
                    try Self.restore(kind, key: key, body: body, user: user, decoder: decoder, into: &state, rows: &stored)
                }
            }
            // Rows lost since the save (deleted by hand, say) would leave users or contacts out: refuse such a state.
            guard stored.counts == head.rows else {
                throw RowUnreadable("it lists \(head.rows) rows and \(stored.counts) were found")
            }
            return (state, stored)
        }
    }
}

extension CompanyLog {
    /// Puts one stored row back into the state and notes its fingerprint.
    fileprivate static func restore(
        _ kind: RowKind, key: String, body: Data, user: DirectoryUser?, decoder: JSONDecoder, into state: inout CompanyState,
        rows: inout StoredRows
    ) throws {
        switch kind {
        case .user:
            guard let user else { throw RowUnreadable() }
            let record = try decoder.decode(UserRow.self, from: body).record(user)
            state.directory.users[key] = record
            rows.users[key] = UserRow.fingerprint(record)
        case .contact:
            guard let id = Int(key) else { throw RowUnreadable() }
            let record = try decoder.decode(ContactRecord.self, from: body)
            state.psa.contacts[id] = record
            rows.contacts[id] = record.hashValue
        case .match:
            let record = try decoder.decode(MatchRecord.self, from: body)
            state.matches.byUser[key] = record
            state.matches.byContact[record.contactId] = key
            rows.matches[key] = record.hashValue
        case .assignment:
            let record = try decoder.decode(Assignment.self, from: body)
            state.assignments.byUser[key] = record
            rows.assignments[key] = record.hashValue
        }
    }
}

/// A company's state as loaded: the state, how many events were folded after its checkpoint, and its stored rows.
public struct LoadedState: Sendable {
    /// The company's current state.
    public var state: CompanyState
    /// Events folded after the checkpoint (all of them without one).
    public var tail: Int
    /// The stored rows the state was loaded from, for the next save to rewrite only what changed.
    public var rows: StoredRows
}

/// What the stored rows of a company state hold: a fingerprint (`hashValue`, this process only) of each row's record.
public struct StoredRows: Sendable {
    /// True when these are exactly the company's rows in the table; false when unknown (none loaded), in which
    /// case a save replaces all of them.
    var exact = false
    var users: [String: Int] = [:]
    var contacts: [Int: Int] = [:]
    var matches: [String: Int] = [:]
    var assignments: [String: Int] = [:]
    /// How many rows the save that returned these wrote or deleted.
    public internal(set) var written = 0

    /// How many rows of each kind these are, keyed by `RowKind`.
    var counts: [String: Int] {
        [
            RowKind.user.rawValue: users.count, RowKind.contact.rawValue: contacts.count,
            RowKind.match.rawValue: matches.count, RowKind.assignment.rawValue: assignments.count,
        ]
    }

    /// Nothing known of the stored rows: the next save rewrites them all.
    public init() {}

    init(exact: Bool) {
        self.exact = exact
    }
}

/// The kinds of row of a stored company state.
enum RowKind: String {
    case user, contact, match, assignment
}

/// The checkpoint's own state: the company state without its per-user and per-contact maps, and how many rows of
/// each kind the save left among the projection's rows.
struct StoredHead: Codable {
    var state: CompanyState
    var rows: [String: Int]
}

/// A user's stored row: the record without the snapshot, which the row's `ref` points to in the events table.
struct UserRow: Codable {
    var position: Int64
    var removal: IneligibleReason?
    var removalPosition: Int64?
    var fieldChangedAt: [SyncedField: Int64]
    var eligibilitySince: Int64

    init(_ record: UserRecord) {
        position = record.position
        removal = record.removal
        removalPosition = record.removalPosition
        fieldChangedAt = record.fieldChangedAt
        eligibilitySince = record.eligibilitySince
    }

    /// The synced fields in the order their names sort, as the keys of `fieldChangedAt` are written.
    private static let fieldsByName = SyncedField.allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }

    /// A fingerprint of what the row stores (this process only): the user's snapshot is the event at `position`, so
    /// hashing the whole user as well would only cost time.
    static func fingerprint(_ record: UserRecord) -> Int {
        var hasher = Hasher()
        hasher.combine(record.position)
        hasher.combine(record.removal)
        hasher.combine(record.removalPosition)
        hasher.combine(record.fieldChangedAt)
        hasher.combine(record.eligibilitySince)
        return hasher.finalize()
    }

    /// The row's JSON, byte for byte what its `Encodable` conformance writes with the event codec's settings.
    var json: Data {
        var object = FlatJSONObject()
        object.integer("eligibilitySince", eligibilitySince)
        object.integerObject("fieldChangedAt", Self.fieldsByName.compactMap { field in
            fieldChangedAt[field].map { (key: field.rawValue, value: $0) }
        })
        object.integer("position", position)
        object.string("removal", removal?.rawValue)
        object.integer("removalPosition", removalPosition)
        return object.data()
    }

    func record(_ user: DirectoryUser) -> UserRecord {
        UserRecord(
            user: user, position: position, removal: removal, removalPosition: removalPosition, fieldChangedAt: fieldChangedAt,
            eligibilitySince: eligibilitySince)
    }
}

/// A stored checkpoint that does not read back as the state it was saved from.
struct RowUnreadable: Error, CustomStringConvertible {
    let description: String
    init(_ description: String = "a row does not read back as its record") { self.description = description }
}

/// The rows of one kind to write and to delete, found by comparing fingerprints.
struct RowChanges<Key: Hashable & Sendable>: Sendable {
    var upserts: [Key] = []
    var deletes: [Key] = []

    /// The changes from the `stored` fingerprints to `current`, filling `next` with the fingerprints of `current`.
    static func between<Value>(
        _ current: [Key: Value], _ stored: [Key: Int], into next: inout [Key: Int], _ fingerprintOf: (Value) -> Int
    ) -> RowChanges {
        var changes = RowChanges()
        next.reserveCapacity(current.count)
        for (key, value) in current {
            let fingerprint = fingerprintOf(value)
            next[key] = fingerprint
            if stored[key] != fingerprint { changes.upserts.append(key) }
        }
        for key in stored.keys where current[key] == nil { changes.deletes.append(key) }
        return changes
    }
}
