// Reading the log: by company, by stream, whole, from a position, by type, across pages; and upcasting on read.

import EventLog
import Foundation
import GRDB
import Testing

@Suite("Reading the log")
struct ReadingTests {
    @Test("reads by company, by stream and whole, in position order across many pages")
    func readsAcrossPages() async throws {
        let log = try TemporaryLog()
        var batch: [NewEvent] = []
        for i in 0..<250 {
            batch.append(event("c\(i % 2)/user/\(i % 7)", company: "c\(i % 2)"))
        }
        try await log.store.append(batch)
        let all = try await log.store.events(EventQuery(), pageSize: 16).collect()
        #expect(all.map(\.position) == Array(1...250))
        let c1 = try await log.store.events(EventQuery(company: "c1"), pageSize: 16).collect()
        #expect(c1.count == 125)
        #expect(c1.allSatisfy { $0.company == "c1" })
        #expect(c1.map(\.position) == c1.map(\.position).sorted())
        let stream = try await log.store.events(stream: "c0/user/0").collect()
        #expect(stream.map(\.version) == Array(1...Int64(stream.count)))
    }

    @Test("reads from a position, up to a position, and only some types")
    func readsRanges() async throws {
        let log = try TemporaryLog()
        try await log.store.append((0..<20).map { event("s", type: $0 % 2 == 0 ? "Even" : "Odd") })
        let after = try await log.store.events(company: "contoso", after: 15).collect()
        #expect(after.map(\.position) == [16, 17, 18, 19, 20])
        let window = try await log.store.events(EventQuery(after: 5, through: 8)).collect()
        #expect(window.map(\.position) == [6, 7, 8])
        let odd = try await log.store.events(EventQuery(types: ["Odd"]), pageSize: 3).collect()
        #expect(odd.count == 10)
        #expect(odd.allSatisfy { $0.type == "Odd" })
    }

    @Test("an upcaster lifts old payloads on read and the stored row is never rewritten")
    func upcasting() async throws {
        var upcasters = Upcasters()
        upcasters.register(type: "Renamed", from: 1) { data in
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["fullName"] = object.removeValue(forKey: "name")
            return try JSONSerialization.data(withJSONObject: object)
        }
        let plain = try TemporaryLog()
        try await plain.store.append(event("s", type: "Renamed", payload: #"{"name":"Ada"}"#, version: 1))
        let lifted = try EventStore(path: plain.path, upcasters: upcasters)
        let read = try await lifted.events(stream: "s").collect()
        #expect(read.first?.schemaVersion == 2)
        #expect(read.first?.storedSchemaVersion == 1)
        let object = try JSONSerialization.jsonObject(with: read.first!.payload) as? [String: String]
        #expect(object == ["fullName": "Ada"])
        let stored = try await DatabaseQueue(path: plain.path).read {
            try String.fetchOne($0, sql: "SELECT CAST(payload AS TEXT) FROM events")
        }
        #expect(stored == #"{"name":"Ada"}"#)
        #expect(try await lifted.verify().isIntact)
    }
}
