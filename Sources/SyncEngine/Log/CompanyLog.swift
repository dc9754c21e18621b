// The bridge between the domain's events and the SQLite log: appending domain events, folding them into state.

import ContactSync
import EventLog
import Foundation

/// One company's view of the event log: appends domain events and keeps its projections' checkpoint.
public struct CompanyLog: Sendable {
    /// The log file's store.
    public let store: EventStore
    /// The company's name, as in rollcall.yaml.
    public let company: String

    /// The checkpoint name of the company's projections.
    var checkpointName: String { "company-state/\(company)" }

    /// Makes a view of the log for one company.
    public init(store: EventStore, company: String) {
        self.store = store
        self.company = company
    }

    /// Appends domain events in one transaction; ids are `prefix/index` so that replaying the same append is harmless.
    @discardableResult
    public func append(
        _ events: [DomainEvent], idPrefix: String, correlationId: String?, causationId: String? = nil,
        expecting: [String: ExpectedVersion] = [:]
    ) async throws -> [EventEnvelope] {
        guard !events.isEmpty else { return [] }
        var batch: [NewEvent] = []
        batch.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            batch.append(NewEvent(
                eventId: "\(idPrefix)/\(index)", stream: StreamName.stream(for: event, company: company), company: company,
                type: event.typeName, schemaVersion: event.schemaVersion, payload: try event.encodePayload(),
                causationId: causationId, correlationId: correlationId))
        }
        let result = try await store.append(batch, expecting: expecting)
        let positions = Dictionary(uniqueKeysWithValues: result.appended.map { ($0.eventId, $0.position) })
        let now = Date()
        return zip(batch, events).compactMap { new, event in
            positions[new.eventId].map {
                EventEnvelope(position: $0, stream: new.stream, recordedAt: now, eventId: new.eventId, event: event)
            }
        }
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
        try await currentStateAndTail().state
    }

    /// The company's current state, and how many events it folded after the stored checkpoint (all, without one).
    public func currentStateAndTail() async throws -> (state: CompanyState, tail: Int) {
        var state = CompanyState(company: company)
        if let checkpoint = try await store.checkpoint(checkpointName, codeVersion: CompanyState.codeVersion),
           let data = checkpoint.state,
           let saved = try? EventCodec.decoder.decode(CompanyState.self, from: data) {
            state = saved
        }
        var tail = 0
        for try await stored in store.events(EventQuery(company: company, after: state.position)) {
            try Self.fold(stored, into: &state)
            tail += 1
        }
        return (state, tail)
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

    /// Saves the state as the company's checkpoint.
    public func saveCheckpoint(_ state: CompanyState) async throws {
        let data = try EventCodec.encoder.encode(state)
        try await store.commitProjection(
            checkpointName, codeVersion: CompanyState.codeVersion, position: state.position, state: data)
    }
}
