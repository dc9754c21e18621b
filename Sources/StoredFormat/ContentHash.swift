// A stable content hash for snapshots, so observers append a snapshot only when its content changed.

import Crypto
import ContactSync
import Foundation

/// SHA-256 over the canonical JSON of a value: equal content gives an equal hash on every machine and run (the
/// golden values in `StoredFormatTests` hold it to that).
public enum ContentHash {
    /// The lower-case hex SHA-256 of `value`'s canonical JSON; throws when the value cannot be written as JSON.
    public static func of<T: Encodable>(_ value: T) throws -> String {
        hex(SHA256.hash(data: try CanonicalJSON.bytes(value)))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of the bytes; `String(format:)` per byte cost more than the hash itself.
    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension DirectoryUserObserved {
    /// The snapshot event of `user`, with its content hash.
    public init(user: DirectoryUser, runId: String? = nil) throws {
        self.init(user: user, contentHash: try ContentHash.of(user), runId: runId)
    }
}

extension PsaContactObserved {
    /// The snapshot event of `contact`, with its content hash.
    public init(contact: PSAContact, runId: String? = nil) throws {
        self.init(contact: contact, contentHash: try ContentHash.of(contact), runId: runId)
    }
}
