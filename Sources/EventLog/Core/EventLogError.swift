// Errors of the event log, typed so callers can match them and worded for the person who meets them.

/// A failure of the event log.
public struct EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is; callers match on this.
    public enum Kind: String, Sendable, Hashable {
        /// A stream was not at the version the appender expected; nothing was written.
        case versionConflict
        /// The database file could not be opened or is not a Rollcall event log.
        case cannotOpen
        /// An event was refused because stored events can never be changed or deleted.
        case immutable
        /// A payload is not valid JSON, or an upcaster failed.
        case invalidPayload
        /// SQLite failed for another reason.
        case storage
    }

    public var kind: Kind
    /// A sentence that says what happened, to what, and what to do.
    public var message: String
    /// For `versionConflict`: the stream, what was expected and what was found.
    public var stream: String?
    public var expected: ExpectedVersion?
    public var actual: Int64?

    /// Makes an error.
    public init(_ kind: Kind, _ message: String, stream: String? = nil, expected: ExpectedVersion? = nil, actual: Int64? = nil) {
        self.kind = kind
        self.message = message
        self.stream = stream
        self.expected = expected
        self.actual = actual
    }

    public var description: String { message }

    static func conflict(stream: String, expected: ExpectedVersion, actual: Int64?) -> EventLogError {
        let found = actual.map { "it is at version \($0)" } ?? "it does not exist"
        return EventLogError(
            .versionConflict,
            "stream \"\(stream)\" was expected at \(expected) but \(found); another writer got there first — read again and retry",
            stream: stream, expected: expected, actual: actual)
    }
}
