// A stable content hash for snapshots, so observers append a snapshot only when its content changed.

import Crypto
import Foundation

/// SHA-256 over sorted-key JSON: equal content gives an equal hash on every machine and run.
public enum ContentHash {
    /// The hex SHA-256 of `value` encoded as sorted-key JSON with ISO-8601 dates.
    public static func of<T: Encodable>(_ value: T) -> String {
        let data = (try? EventCodec.encoder.encode(value)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
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
