// A stable content hash for snapshots, so observers append a snapshot only when its content changed.

import Crypto
import Foundation

/// SHA-256 over sorted-key JSON: equal content gives an equal hash on every machine and run.
public enum ContentHash {
    /// The hex SHA-256 of `value` encoded as sorted-key JSON with ISO-8601 dates.
    public static func of<T: Encodable>(_ value: T) -> String {
        let bytes = (try? CanonicalJSON.bytes(value)) ?? []
        return hex(SHA256.hash(data: bytes))
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

extension DirectoryUser {
    /// The content hash of this snapshot (`ContentHash.of(self)`).
    public var contentHash: String { ContentHash.of(self) }
}

extension PSAContact {
    /// The content hash of this snapshot (`ContentHash.of(self)`).
    public var contentHash: String { ContentHash.of(self) }
}
