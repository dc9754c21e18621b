// The stored format against golden bytes kept beside this file: what Rollcall writes into the log today must be what
// it wrote when the goldens were made, on every machine. A payload is read from a file with its keys in another order
// and other spacing, and must come out as the golden file's bytes; a mismatch leaves `<name>.actual` beside the golden.

import ContactSync
import Foundation
import StoredFormat
import Testing

@Suite("Stored format: golden bytes")
struct GoldenTests {
    /// The folder of the golden files.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// `Type.vN` of every event payload with a golden file.
    static let payloads: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasSuffix(".input.json") && $0.contains(".v") }
        .map { String($0.dropLast(".input.json".count)) }
        .sorted()

    @Test("a golden file exists for every payload type the demo writes")
    func coverage() {
        #expect(Self.payloads.count >= 16, "\(Self.payloads)")
    }

    @Test("each event payload is written byte for byte as its golden file, whatever the order of the keys it was read with",
          arguments: payloads)
    func payload(_ name: String) throws {
        let parts = name.split(separator: ".")
        let (type, version) = (String(parts[0]), Int(parts[1].dropFirst())!)
        let event = try DomainEvent.decode(type: type, schemaVersion: version, payload: try Self.read("\(name).input.json"))
        try Self.expectGolden(try event.encodePayload(), name)
    }

    @Test("the canonical form: keys in UTF-8 byte order at every depth, arrays kept in order, strings escaped as specified")
    func canonicalForm() throws {
        let user = try EventCodec.decoder.decode(DirectoryUser.self, from: try Self.read("TrickyUser.input.json"))
        try Self.expectGolden(try CanonicalJSON.encode(user), "TrickyUser")
    }

    @Test("content hashes have the same golden values on every machine and run")
    func contentHashes() throws {
        let observed = try EventCodec.decoder.decode(DirectoryUserObserved.self, from: try Self.read("DirectoryUserObserved.v1.input.json"))
        #expect(try ContentHash.of(observed.user) == "219d18594621f9c1d40295ee6ff4576dea2a34578297841adc3a270eb81e71aa")
        #expect(observed.contentHash == "219d18594621f9c1d40295ee6ff4576dea2a34578297841adc3a270eb81e71aa")
        let contact = try EventCodec.decoder.decode(PsaContactObserved.self, from: try Self.read("PsaContactObserved.v1.input.json"))
        #expect(try ContentHash.of(contact.contact) == "8a655659b6465e46a9a36c6a0c31aeb5e4f1f97d6e1d3a0bc02b3ef2289f935e")
        let tricky = try EventCodec.decoder.decode(DirectoryUser.self, from: try Self.read("TrickyUser.input.json"))
        #expect(try ContentHash.of(tricky) == "b1d5bfbcedcbdd6fd4f9517a21a95a42646e20f51153cb08ab50edf023afea00")
        #expect(try DirectoryUserObserved(user: tricky).contentHash == ContentHash.of(tricky))
    }

    @Test("a value that cannot be written as JSON has no content hash: it is refused, not hashed as nothing")
    func unwritableValue() {
        #expect(throws: (any Error).self) { try ContentHash.of(["ratio": Double.nan]) }
    }

    /// A golden folder file's bytes.
    static func read(_ file: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(file))
    }

    /// Expects `written` to be `<name>.json`'s bytes; when not, writes them to `<name>.actual` for a person to compare.
    static func expectGolden(_ written: Data, _ name: String) throws {
        let golden = try read("\(name).json")
        if written != golden { try written.write(to: folder.appendingPathComponent("\(name).actual")) }
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: golden, as: UTF8.self), "\(name)")
    }
}
