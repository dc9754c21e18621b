// The fast JSON writer must write exactly what Foundation's encoder with `EventCodec`'s settings writes: payloads,
// content hashes and stored projections depend on it.

@testable import ContactSync
import Foundation
@testable import StoredFormat
import PropertyBased
import Testing

private func foundation<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try EventCodec.encoder.encode(value), as: UTF8.self)
}

private func canonical<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
}

/// Both writers succeed and agree byte for byte.
private func same<T: Encodable>(_ value: T) -> Bool {
    guard let a = try? canonical(value), let b = try? foundation(value) else { return false }
    return a == b
}

/// The writer wrote the value itself, without handing it to Foundation.
private func writtenItself<T: Encodable>(_ value: T) -> Bool {
    let writer = CanonicalWriter()
    return (try? writer.encodeTop(value)) != nil
}

/// A value whose `encode(to:)` writes to a nested container after its parent moved on: the writer must hand it over.
private struct Interleaved: Encodable {
    enum Keys: String, CodingKey { case a, b, c }
    enum Inner: String, CodingKey { case x }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var nested = container.nestedContainer(keyedBy: Inner.self, forKey: .b)
        try container.encode(1, forKey: .c)
        try nested.encode("late", forKey: .x)
        try container.encode("first", forKey: .a)
    }
}

private struct WithDouble: Codable { var ratio: Double; var name: String }
private struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
private struct Keys: Codable { var b = 1; var a: String?; var Z: [Int: String] = [10: "x", 9: "y"]; var e: [String: Int] = [:]; var s: Set<String> = [] }

@Suite("Canonical JSON writer")
struct CanonicalJSONTests {
    @Test("every event of random histories is written byte for byte as Foundation writes it")
    func eventsMatchFoundation() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let t = randomHistory(seed: UInt64(seed), runs: 4, users: 12)
            #expect(!t.events.isEmpty)
            for envelope in t.events {
                let expected = try? EventCodec.encoder.encode(envelope.event.payload)
                #expect(expected != nil && (try? envelope.event.encodePayload()) == expected, "\(envelope.event.typeName)")
                let itself = writtenItself(envelope.event.payload)
                #expect(itself, "\(envelope.event.typeName) was left to Foundation")
            }
        }
    }

    @Test("a whole company state, with its dictionaries, sets, dates and nested enums, matches Foundation")
    func stateMatchesFoundation() throws {
        var t = randomHistory(seed: 99, runs: 6, users: 20)
        _ = t.run()
        t.user("fresh")
        t.observe()
        let state = t.state
        #expect(state.directory.users.count > 10)
        #expect(same(state))
        #expect(writtenItself(state))
        let plan = t.plan()
        #expect(plan.commands.contains { $0.write != nil })
        #expect(same(plan))
        #expect(writtenItself(plan))
    }

    @Test("strings: quotes, backslashes, every control character, slashes, non-ASCII")
    func strings() throws {
        var all = ""
        for i in 0..<0x20 { all.unicodeScalars.append(Unicode.Scalar(UInt8(i))) }
        let samples = [all, "\u{7F}\u{2028}\u{2029}/\"\\é😀", "", "plain", "a\"b\\c/d", "O'Brien <o@x.example>", String(repeating: "ü", count: 300)]
        for s in samples {
            #expect(same([s]))
            #expect(same(["k\(s)": s]))
        }
    }

    @Test("random strings of any scalars match Foundation")
    func randomStrings() async {
        let scalar = Gen.int(in: 0...0x2FFF).map { Unicode.Scalar(UInt32($0)) ?? "x" }
        await propertyCheck(count: 200, input: scalar.array(of: 0...40)) { scalars in
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars)
            #expect(same([s: [s]]))
        }
    }

    @Test("dates from year 1 to 9999, with fractions, as Foundation writes them (Julian before 1582 left to Foundation)")
    func dates() async {
        let low = -62_135_596_800.0
        let high = 253_402_300_799.0
        await propertyCheck(count: 300, input: Gen.int(in: Int(low)...Int(high)), Gen.int(in: 0...999)) { seconds, millis in
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
            #expect(same([date]))
        }
        for date in [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1.5), Date(timeIntervalSinceReferenceDate: 0)] {
            #expect(same([date]))
        }
    }

    @Test("keys sort by their UTF-8 bytes, integer keys as strings, absent optionals left out, empty values as {} and []")
    func shapes() throws {
        #expect(same(Keys()))
        #expect(try canonical(["aB": 1, "a": 2, "ab": 3, "B": 4, "é": 5, "z": 6]) == #"{"B":4,"a":2,"aB":1,"ab":3,"z":6,"é":5}"#)
        #expect(try canonical([Nothing()]) == "[{}]")
        #expect(try canonical([[Int]]()) == "[]")
        #expect(same([Int.min, -1, 0, 9, 10, Int.max]))
        #expect(try canonical([Optional<String>.none, "x"]) == #"[null,"x"]"#)
    }

    @Test("shapes the writer does not follow are left to Foundation, with the same result")
    func fallbacks() throws {
        #expect(same(Interleaved()))
        #expect(!writtenItself(Interleaved()))
        #expect(same(WithDouble(ratio: 0.1, name: "n")))
        #expect(same([Data([1, 2, 3])]))
    }
}

/// A user with every property set or left out at random, in awkward text.
private func randomUser(_ seed: Int) -> DirectoryUser {
    var rng = SplitMix(seed: UInt64(seed))
    let texts = ["plain", "", "O\"Brien \\ / \u{0}\u{1F}\n", "Zoë 😀", "a/b", "\u{7F}\u{2028}"]
    func text() -> String { rng.next() % 3 == 0 ? "v\(rng.next() % 1000)" : texts[Int(rng.next() % UInt64(texts.count))] }
    func maybe() -> String? { rng.next() % 2 == 0 ? nil : text() }
    func list() -> [String] { (0..<Int(rng.next() % 4)).map { _ in text() } }
    var attributes: [String: String] = [:]
    for _ in 0..<Int(rng.next() % 5) { attributes["extensionAttribute\(rng.next() % 15 + 1)"] = text() }
    let licenses = (0..<Int(rng.next() % 3)).map { _ in AssignedLicense(skuId: text(), disabledPlans: list()) }
    let enabled: Bool? = [nil, true, false][Int(rng.next() % 3)]
    return DirectoryUser(
        id: text(), userPrincipalName: text(), mail: maybe(), displayName: maybe(), givenName: maybe(), surname: maybe(),
        jobTitle: maybe(), businessPhones: list(), mobilePhone: maybe(), accountEnabled: enabled, assignedLicenses: licenses,
        department: maybe(), companyName: maybe(), officeLocation: maybe(), city: maybe(), state: maybe(), country: maybe(),
        usageLocation: maybe(), employeeType: maybe(), extensionAttributes: attributes)
}

extension CanonicalJSONTests {
    @Test("users with any mix of properties are written by hand exactly as their Codable conformance would be")
    func usersMatchFoundation() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let user = randomUser(seed)
            #expect(same(user))
            #expect(same(try! DirectoryUserObserved(user: user, runId: "7")))
            #expect(same([user.id: UserRecord(
                user: user, position: 3, removal: nil, removalPosition: nil, fieldChangedAt: [.email: 3], eligibilitySince: 3)]))
        }
    }
}

/// A command with every part set or left out at random: creates and updates, matches with and without ambiguity,
/// changes with and without notes, reasons with positions.
private func randomCommand(_ seed: Int) -> Command {
    var rng = SplitMix(seed: UInt64(seed))
    let texts = ["plain", "", "O\"Brien \\ / \u{0}\u{1F}\n", "Zoë 😀", "a/b"]
    func text() -> String { rng.next() % 3 == 0 ? "v\(rng.next() % 1000)" : texts[Int(rng.next() % UInt64(texts.count))] }
    func maybe() -> String? { rng.next() % 2 == 0 ? nil : text() }
    func number() -> Int { Int(rng.next() % 2_000_000) - 1_000 }
    func maybeNumber() -> Int? { rng.next() % 2 == 0 ? nil : number() }
    func numbers() -> [Int] { (0..<Int(rng.next() % 3)).map { _ in number() } }
    func fields() -> ContactFields {
        ContactFields(firstName: maybe(), lastName: maybe(), title: maybe(), phone: maybe(), mobile: maybe(), email: maybe())
    }
    let write: PSAWrite? = switch rng.next() % 3 {
    case 0: .create(NewContact(fields: fields(), siteId: maybeNumber(), typeIds: numbers()))
    case 1: .update(contactId: number(), ContactUpdate(
        fields: fields(), isActive: [nil, true, false][Int(rng.next() % 3)], siteId: maybeNumber(), addTypeIds: numbers()))
    default: nil
    }
    let match = rng.next() % 2 == 0 ? nil : MatchDecision(
        userId: text(), contactId: number(), email: text(), candidates: numbers(), ambiguity: maybe())
    let changes = (0..<Int(rng.next() % 4)).map { _ in FieldChange(field: text(), from: maybe(), to: maybe(), note: maybe()) }
    let reasons = (0..<Int(rng.next() % 3)).map { _ in
        Reason(rule: text(), because: text(), positions: (0..<Int(rng.next() % 3)).map { _ in Int64(rng.next() % 1_000_000) })
    }
    return Command(
        id: text(), kind: Command.Kind.allCases[Int(rng.next() % UInt64(Command.Kind.allCases.count))], userId: maybe(),
        contactId: maybeNumber(), write: write, match: match, changes: changes, reasons: reasons, settingsVersion: number())
}

/// A contact with every property set or left out at random, dates included.
private func randomContact(_ seed: Int) -> PSAContact {
    var rng = SplitMix(seed: UInt64(seed))
    func maybe() -> String? { rng.next() % 2 == 0 ? nil : ["x", "", "Zoë \"Z\" 😀\n", "a/b"][Int(rng.next() % 4)] }
    return PSAContact(
        id: Int(rng.next() % 100_000), companyId: Int(rng.next() % 1_000), firstName: maybe(), lastName: maybe(), title: maybe(),
        phone: maybe(), mobile: maybe(), emails: (0..<Int(rng.next() % 3)).map { "e\($0)@x.example" },
        isActive: rng.next() % 2 == 0, siteId: rng.next() % 2 == 0 ? nil : Int(rng.next() % 50),
        typeIds: (0..<Int(rng.next() % 3)).map { _ in Int(rng.next() % 9) },
        lastModified: rng.next() % 2 == 0 ? nil : Date(timeIntervalSince1970: Double(rng.next() % 4_000_000_000) / 3))
}

extension CanonicalJSONTests {
    @Test("commands, writes and contacts are written by hand exactly as their Codable conformances would be")
    func commandsMatchFoundation() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let command = randomCommand(seed)
            #expect(same(command))
            #expect(same(CommandPlanned(runId: "r", command: command)))
            if let write = command.write {
                #expect(same(CommandAttempted(runId: "r", commandId: command.id, userId: command.userId, contactId: nil, write: write)))
            }
            let contact = randomContact(seed)
            #expect(same(contact))
            #expect(same(CommandSucceeded(
                runId: "r", commandId: command.id, kind: command.kind, userId: command.userId, contact: contact,
                status: 200 + seed % 7, responseBody: seed % 2 == 0 ? nil : #"{"itemId":\#(contact.id)}"#)))
            #expect(same([contact.id: contact]))
        }
    }
}

extension CanonicalJSONTests {
    @Test("stored user snapshots are read back by the fast reader exactly as JSONDecoder reads them")
    func storedUsersReadBack() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let observed = try! DirectoryUserObserved(user: randomUser(seed), runId: seed % 3 == 0 ? nil : "run-\(seed)")
            guard let payload = try? observed.encodePayloadForTest() else {
                #expect(Bool(false), "the payload could not be written")
                return
            }
            let expected = try? EventCodec.decoder.decode(DirectoryUserObserved.self, from: payload)
            #expect(expected == observed)
            #expect(DirectoryUserObserved.read(payload) == expected)
            #expect((try? DomainEvent.decode(type: DirectoryUserObserved.eventType, schemaVersion: 1, payload: payload))
                == .directoryUserObserved(observed))
        }
    }

    @Test("snapshots the fast reader is not sure of go to JSONDecoder, which reads or refuses them as before")
    func storedUsersHandedOver() throws {
        let user = #""accountEnabled":true,"assignedLicenses":[],"businessPhones":[],"extensionAttributes":{},"id":"u1","userPrincipalName":"a@b.c""#
        let refused = [
            #"{"contentHash":"h","user":{"assignedLicenses":[],"businessPhones":[],"extensionAttributes":{},"id":"u1"}}"#,
            #"{"contentHash":"h","user":{"assignedLicenses":[],"extensionAttributes":{},"id":"u1","userPrincipalName":"x"}}"#,
            #"{"contentHash":"h","user":{"assignedLicenses":[],"businessPhones":null,"extensionAttributes":{},"id":"u1","userPrincipalName":"x"}}"#,
            #"{"contentHash":"h","user":{\#(user.replacingOccurrences(of: #""extensionAttributes":{}"#, with: #""extensionAttributes":{"a":null}"#))}}"#,
            #"{"contentHash":"h","user":{\#(user.replacingOccurrences(of: #""assignedLicenses":[]"#, with: #""assignedLicenses":[{"skuId":"s"}]"#))}}"#,
            #"{"user":{\#(user)}}"#,
            #"{"contentHash":5,"user":{\#(user)}}"#,
        ]
        for text in refused {
            let payload = Data(text.utf8)
            #expect(DirectoryUserObserved.read(payload) == nil, "\(text)")
            #expect(throws: EventCodecError.self) {
                try DomainEvent.decode(type: DirectoryUserObserved.eventType, schemaVersion: 1, payload: payload)
            }
        }
        let lenient = [
            #"{"contentHash":"h","runId":"r","user":{\#(user),"id":"u2"}}"#,
            #"{"contentHash":"h","user":{\#(user)},"extra":[1,2.5]}"#,
        ]
        for text in lenient {
            let payload = Data(text.utf8)
            let expected = try EventCodec.decoder.decode(DirectoryUserObserved.self, from: payload)
            #expect(try DomainEvent.decode(type: DirectoryUserObserved.eventType, schemaVersion: 1, payload: payload)
                == .directoryUserObserved(expected))
        }
    }
}

extension DirectoryUserObserved {
    fileprivate func encodePayloadForTest() throws -> Data { try EventCodec.encoder.encode(self) }
}

extension CanonicalJSONTests {
    @Test("the projection rows a checkpoint stores (contacts, matches, assignments) are written by hand as Foundation writes them")
    func rowsMatchFoundation() async {
        let texts: [String?] = [nil, "", "Site \"A\" / 😀", "Desk\u{1}"]
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            let contact = ContactRecord(
                contact: randomContact(seed), position: Int64(seed % 9_000_000), missing: seed % 3 == 0,
                missingPosition: seed % 5 == 0 ? nil : Int64(seed % 77))
            #expect(same(contact))
            #expect(writtenItself(contact))
            let match = MatchRecord(
                userId: "u-\(seed)", contactId: seed % 1_000_003, basis: seed % 2 == 0 ? .email : .created,
                position: Int64(seed), runId: texts[seed % 4] ?? "r")
            #expect(same(match))
            #expect(writtenItself(match))
            let assignment = Assignment(
                filterIndex: seed % 3 == 0 ? nil : seed % 7, site: texts[(seed >> 2) % 4], contactType: texts[(seed >> 4) % 4])
            #expect(same(assignment))
            #expect(writtenItself(assignment))
        }
    }
}
