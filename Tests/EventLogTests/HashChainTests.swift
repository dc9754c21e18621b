// The hash chain's bytes must never change: every stored log was chained with them.

import Crypto
@testable import EventLog
import Foundation
import Testing

/// The chain as it was first written: field by field into an incremental SHA-256.
private func reference(previous: Data, row: HashChain.Row) -> Data {
    var hasher = SHA256()
    hasher.update(data: previous)
    func length(_ count: Int) { withUnsafeBytes(of: UInt32(count).bigEndian) { hasher.update(bufferPointer: $0) } }
    func put(_ value: Int64) { withUnsafeBytes(of: value.bigEndian) { hasher.update(bufferPointer: $0) } }
    func put(_ text: String?) {
        guard let text else { return withUnsafeBytes(of: UInt32.max.bigEndian) { hasher.update(bufferPointer: $0) } }
        length(text.utf8.count)
        hasher.update(data: Data(text.utf8))
    }
    put(row.position); put(row.eventId); put(row.stream); put(row.version); put(row.company); put(row.type)
    put(row.schemaVersion); length(row.payload.count); hasher.update(data: row.payload)
    put(row.causationId); put(row.correlationId); put(row.recordedAt)
    return Data(hasher.finalize())
}

@Suite("Hash chain")
struct HashChainTests {
    @Test("each row's hash is the one the log has always computed, whatever the text, payload and absent ids")
    func sameBytesAsEver() {
        var previous = HashChain.genesis
        for n in 0..<300 {
            let texts = ["", "Contoso/run-\(n)/decide/\(n)", "Zoë 😀 \u{0}", String(repeating: "x", count: n)]
            let row = HashChain.Row(
                position: Int64(n + 1), eventId: texts[n % 4], stream: texts[(n + 1) % 4], version: Int64(n % 9),
                company: "Contoso", type: "CommandSucceeded", schemaVersion: 1,
                payload: Data((0..<(n * 7 % 900)).map { UInt8($0 % 251) }),
                causationId: n % 3 == 0 ? nil : texts[(n + 2) % 4], correlationId: n % 5 == 0 ? nil : "run-\(n)",
                recordedAt: 1_764_460_800_000 + Int64(n))
            let hash = HashChain.hash(previous: previous, row: row)
            #expect(hash == reference(previous: previous, row: row), "row \(n)")
            #expect(hash.count == 32)
            previous = hash
        }
        // Pinned: the chain's end after these rows, so that a change to both implementations shows too.
        let hex = previous.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "fd1b124edb26b63d52cd8ef11d33a552f5ee6bc9887e7e217a87313d4e8d2562", "the chain's end is \(hex)")
    }
}
