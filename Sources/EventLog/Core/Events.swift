// The values that go into and come out of the log: new events, stored events, expected versions.

import Foundation

/// An event to append: what happened, to which stream, for which company, and why.
public struct NewEvent: Sendable, Hashable {
    /// A client-made id; appending an event whose id is already stored is skipped, so an append can be replayed.
    public var eventId: String
    /// The stream the event belongs to, e.g. `contoso/user/<objectId>`.
    public var stream: String
    /// The company the event belongs to, the axis of replay and audit.
    public var company: String
    /// The event type, e.g. `DirectoryUserObserved`.
    public var type: String
    /// The version of the payload's schema.
    public var schemaVersion: Int
    /// The payload, as JSON.
    public var payload: Data
    /// The id of the event that caused this one.
    public var causationId: String?
    /// The id that ties events of one run together.
    public var correlationId: String?

    /// Makes an event to append.
    public init(
        eventId: String, stream: String, company: String, type: String, schemaVersion: Int = 1, payload: Data,
        causationId: String? = nil, correlationId: String? = nil
    ) {
        self.eventId = eventId
        self.stream = stream
        self.company = company
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.causationId = causationId
        self.correlationId = correlationId
    }
}

/// An event as the log holds it, with its place in the global order and in its stream.
public struct StoredEvent: Sendable, Hashable {
    /// The global order: commit order, strictly increasing.
    public var position: Int64
    public var eventId: String
    public var stream: String
    /// The event's number within its stream, from 1.
    public var version: Int64
    public var company: String
    public var type: String
    /// The payload's schema version after upcasting (the current one for its type).
    public var schemaVersion: Int
    /// The schema version the payload was stored with.
    public var storedSchemaVersion: Int
    /// The payload, upcast to `schemaVersion`.
    public var payload: Data
    public var causationId: String?
    public var correlationId: String?
    /// When the store recorded the event.
    public var recordedAt: Date
}

/// What the appender expects a stream's version to be; a different version is a conflict and nothing is written.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// Any version, including a stream that does not exist yet.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last version must be exactly this.
    case exact(Int64)

    public var description: String {
        switch self {
        case .any: "any version"
        case .noStream: "no stream"
        case .exact(let version): "version \(version)"
        }
    }
}

/// What an append did.
public struct AppendResult: Sendable, Hashable {
    /// The events written, in order, as stored.
    public var appended: [AppendedEvent]
    /// Ids of events skipped because the log already held them.
    public var skippedEventIds: [String]
    /// The last version of each stream the batch touched, after the append.
    public var streamVersions: [String: Int64]

    /// The last position written, if any event was written.
    public var lastPosition: Int64? { appended.last?.position }
}

/// Where one appended event landed.
public struct AppendedEvent: Sendable, Hashable {
    public var eventId: String
    public var position: Int64
    public var stream: String
    public var version: Int64
    /// When the store recorded it, by the store's clock (to the millisecond, as read back).
    public var recordedAt: Date
}
