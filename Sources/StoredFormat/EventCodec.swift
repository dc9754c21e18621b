// The JSON settings every stored payload uses, and the errors reading one can meet.

import ContactSync
import Foundation

/// The one JSON shape of stored payloads: sorted keys, ISO-8601 dates.
public enum EventCodec {
    /// An encoder with sorted keys and ISO-8601 dates.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// A decoder that reads what `encoder` writes.
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    /// One `decoder` for every stored payload read: `JSONDecoder` may decode on several threads at once as long as
    /// nobody changes its settings, and making one per event cost a replay several percent.
    static let sharedDecoder = decoder
}

/// A stored event that this version of Rollcall cannot read.
public enum EventCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The type name is not in the catalog.
    case unknownType(String)
    /// The type is known but not at this schema version (an upcaster is missing).
    case unknownVersion(type: String, schemaVersion: Int)
    /// The payload is not valid JSON for its type.
    case unreadable(type: String, schemaVersion: Int, detail: String)

    public var description: String {
        switch self {
        case .unknownType(let t):
            "the event log holds an event of type \"\(t)\", which this version of Rollcall does not know; upgrade Rollcall"
        case .unknownVersion(let t, let v):
            "the event log holds \(t) v\(v), which this version of Rollcall cannot read; upgrade Rollcall"
        case .unreadable(let t, let v, let d):
            "a stored \(t) v\(v) payload could not be read (\(d)); run `rollcall verify` to check the log"
        }
    }
}
