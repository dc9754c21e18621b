// A checkpoint's user rows are written by hand; they must be the bytes their `Encodable` conformance writes.

import ContactSync
import Foundation
import StoredFormat
@testable import SyncEngine
import Testing

@Suite("Stored user rows")
struct StoredRowTests {
    @Test("a user row is written byte for byte as Foundation writes it, whatever fields changed and whether removed")
    func userRowsMatchFoundation() throws {
        let reasons: [IneligibleReason?] = [nil, .disabled, .unlicensed, .deleted, .softDeleted, .notFound, .outOfScope]
        for seed in 0..<512 {
            var changed: [SyncedField: Int64] = [:]
            for (index, field) in SyncedField.allCases.enumerated() where (seed >> index) & 1 == 1 {
                changed[field] = Int64(seed * 31 + index)
            }
            let removal = reasons[seed % reasons.count]
            let record = UserRecord(
                user: DirectoryUser(id: "u\(seed)", userPrincipalName: "u\(seed)@contoso.com"), position: Int64(seed) << 20,
                removal: removal, removalPosition: removal == nil ? nil : Int64(seed),
                fieldChangedAt: changed, eligibilitySince: Int64(seed % 13))
            let row = UserRow(record)
            #expect(row.json == (try EventCodec.encoder.encode(row)), "\(seed)")
        }
    }
}
