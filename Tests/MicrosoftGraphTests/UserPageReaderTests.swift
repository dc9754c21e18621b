// The fast user-page reader must read every page exactly as `JSONDecoder` reads it, or give up and leave it to it.

import ContactSync
import Emulators
import Foundation
@testable import MicrosoftGraph
import Testing

/// Random Graph-shaped JSON text: keys in any order, nulls, escapes of every kind, keys Rollcall does not read.
private struct PageWriter {
    var rng: GraphSeededGenerator

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func text() -> String {
        let pool: [Character] = ["a", "Z", "0", " ", "é", "ß", "日", "本", "😀", "👍🏽", "\"", "\\", "/", "\n", "\t", "\u{7}",
                                 "\u{0}", "\u{1B}", "\u{7F}", "\u{2028}", "'", "%", "<", "&", "Ω", "\r", "\u{FEFF}"]
        let length = Int.random(in: 0...12, using: &rng)
        return String((0..<length).map { _ in pool.randomElement(using: &rng)! })
    }

    /// A JSON string literal of `value`, escaping as differently as servers do: short forms, `\u` forms, raw UTF-8.
    mutating func literal(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += chance(50) ? "\\n" : "\\u000a"
            case "\t": out += chance(50) ? "\\t" : "\\u0009"
            case "\r": out += "\\r"
            case "/": out += chance(30) ? "\\/" : "/"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04X", scalar.value)
            case _ where scalar.value > 0x7F && chance(30):
                if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                } else {
                    out += String(format: "\\u%04x", scalar.value)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    mutating func space() -> String { ["", " ", "\n  ", "\t", "\r\n"].randomElement(using: &rng)! }

    mutating func object(_ members: [(String, String)]) -> String {
        "{" + space() + members.shuffled(using: &rng).map { "\(literal($0.0))\(space()):\(space())\($0.1)" }
            .joined(separator: "," + space()) + space() + "}"
    }

    mutating func array(_ items: [String]) -> String { "[" + items.joined(separator: "," + space()) + "]" }

    mutating func optionalText() -> String { chance(15) ? "null" : literal(text()) }

    /// Something Rollcall does not read: numbers, nesting, booleans.
    mutating func unknown(depth: Int = 0) -> String {
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: return ["0", "-12", "3.25", "1e9", "-0.5E-3", "12345678901234567890"].randomElement(using: &rng)!
        case 1: return chance(50) ? "true" : "false"
        case 2: return "null"
        case 3 where depth < 3: return array((0..<Int.random(in: 0...3, using: &rng)).map { _ in unknown(depth: depth + 1) })
        case 4 where depth < 3: return object([("x", unknown(depth: depth + 1)), ("y\(depth)", unknown(depth: depth + 1))])
        default: return literal(text())
        }
    }

    mutating func user(_ n: Int) -> String {
        var members: [(String, String)] = [("id", literal("user-\(n)-\(text())"))]
        if chance(5) {
            members.append(("@removed", chance(20) ? "null" : object([("reason", chance(50) ? "\"changed\"" : "\"deleted\"")])))
        }
        let strings = ["userPrincipalName", "mail", "displayName", "givenName", "surname", "jobTitle", "mobilePhone",
                       "department", "companyName", "officeLocation", "city", "state", "country", "usageLocation", "employeeType"]
        for key in strings where chance(85) { members.append((key, optionalText())) }
        if chance(85) {
            members.append(("businessPhones", chance(10) ? "null" : array((0..<Int.random(in: 0...2, using: &rng)).map { _ in literal(text()) })))
        }
        if chance(85) { members.append(("accountEnabled", ["true", "false", "null"].randomElement(using: &rng)!)) }
        if chance(85) {
            let licenses = (0..<Int.random(in: 0...3, using: &rng)).map { _ -> String in
                var license: [(String, String)] = [("skuId", literal(chance(50) ? "C7DF2760-2C81-4EF7-B578-5B5392B571DF" : text()))]
                if chance(70) {
                    license.append(("disabledPlans", chance(10) ? "null" : array((0..<Int.random(in: 0...2, using: &rng)).map { _ in literal(text()) })))
                }
                if chance(20) { license.append(("extra", unknown())) }
                return object(license)
            }
            members.append(("assignedLicenses", chance(5) ? "null" : array(licenses)))
        }
        if chance(70) {
            let attributes = (1...15).filter { _ in chance(40) }.map { ("extensionAttribute\($0)", optionalText()) }
            members.append(("onPremisesExtensionAttributes", chance(5) ? "null" : object(attributes)))
        }
        if chance(30) { members.append(("@odata.type", literal("#microsoft.graph.user"))) }
        if chance(20) { members.append(("manager", unknown())) }
        return object(members)
    }

    mutating func page(users: Int) -> String {
        var members: [(String, String)] = [("value", array((0..<users).map { user($0) }))]
        if chance(50) { members.append(("@odata.context", literal("https://graph.microsoft.com/v1.0/$metadata#users"))) }
        if chance(50) { members.append(("@odata.nextLink", chance(10) ? "null" : literal("https://graph.microsoft.com/v1.0/users?$skiptoken=" + text()))) }
        if chance(20) { members.append(("@odata.deltaLink", literal("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x"))) }
        return space() + object(members) + space()
    }
}

/// What a page says, in a form that compares.
private struct Seen: Equatable {
    var entries: [DirectoryUserPatch]
    var removed: [RemovalReason?]
    var nextLink: String?
    var deltaLink: String?

    init(_ page: UserPage) {
        entries = page.value.map(\.patch)
        removed = page.value.map(\.removed)
        nextLink = page.nextLink
        deltaLink = page.deltaLink
    }
}

private func foundation(_ text: String) -> Seen? {
    (try? JSONDecoder().decode(UserPage.self, from: Data(text.utf8))).map(Seen.init)
}

@Suite("Graph user pages read without JSONDecoder")
struct UserPageReaderTests {
    @Test("random pages (escapes, nulls, unknown keys, removals, any key order) read exactly as JSONDecoder reads them")
    func randomPagesMatchFoundation() throws {
        var readers = 0
        for seed in 0..<300 {
            var writer = PageWriter(rng: GraphSeededGenerator(seed: UInt64(seed)))
            let text = writer.page(users: seed % 7)
            let expected = foundation(text)
            #expect(expected != nil, "JSONDecoder could not read page \(seed): \(text)")
            let fast = UserPageReader.read(Data(text.utf8)).map(Seen.init)
            #expect(fast == expected, "page \(seed) read differently: \(text)")
            if fast != nil { readers += 1 }
        }
        // The reader is only worth having if it reads the pages Graph sends, not just hands them on.
        #expect(readers == 300)
    }

    @Test("pages JSONDecoder refuses are refused by the reader too, and the error still comes from JSONDecoder")
    func refusedPages() throws {
        let user = #"{"id":"1","userPrincipalName":"a@b.c"}"#
        let bad: [String] = [
            "",
            "[]",
            #"{"value":null}"#,
            #"{"value":[{"userPrincipalName":"no id"}]}"#,
            #"{"value":[{"id":null}]}"#,
            #"{"value":[{"id":7}]}"#,
            #"{"value":[{"id":"1","accountEnabled":"true"}]}"#,
            #"{"value":[{"id":"1","accountEnabled":1}]}"#,
            #"{"value":[{"id":"1","businessPhones":[null]}]}"#,
            #"{"value":[{"id":"1","businessPhones":"555"}]}"#,
            #"{"value":[{"id":"1","assignedLicenses":[{"disabledPlans":[]}]}]}"#,
            #"{"value":[{"id":"1","onPremisesExtensionAttributes":{"extensionAttribute1":5}}]}"#,
            #"{"value":[{"id":"1","@removed":{"reason":5}}]}"#,
            "{\"value\":[{\"id\":\"1\",\"mail\":\"tab\tinside\"}]}",
            #"{"value":[{"id":"1","mail":"\ud800 alone"}]}"#,
            #"{"value":[{"id":"1","mail":"\x"}]}"#,
            #"{"value":[\#(user)]} trailing"#,
            #"{"value":[\#(user)]"#,
            #"{"value":[\#(user)],"@odata.nextLink":5}"#,
        ]
        for text in bad {
            #expect(foundation(text) == nil, "JSONDecoder was expected to refuse: \(text)")
            #expect(UserPageReader.read(Data(text.utf8)) == nil, "the reader read what JSONDecoder refuses: \(text)")
            #expect(throws: (any Error).self) { try UserPage.decode(Data(text.utf8)) }
        }
        var invalid = Data(#"{"value":[{"id":"1","mail":"x"#.utf8)
        invalid.append(contentsOf: [0xC3, 0x28])
        invalid.append(contentsOf: Data(#""}]}"#.utf8))
        #expect(UserPageReader.read(invalid) == nil)
    }

    @Test("pages the reader leaves to JSONDecoder (duplicate or escaped keys, its leniencies) still read as it reads them")
    func handedOver() throws {
        let pages = [
            // JSONDecoder accepts these though RFC 8259 does not; the reader leaves them to it.
            #"{"value":[{"id":"1","manager":01}]}"#,
            #"{"value":[{"id":"1","manager":1.}]}"#,
            #"{"value":[{"id":"1"}],}"#,
            #"{"value":[{"id":"1","mail":"a@x.com","mail":"b@x.com"}]}"#,
            #"{"value":[{"\u0069d":"1","mail":"a@x.com"}]}"#,
            #"{"value":[],"value":[{"id":"2"}]}"#,
        ]
        for text in pages {
            let expected = try #require(foundation(text), "JSONDecoder was expected to read: \(text)")
            #expect(UserPageReader.read(Data(text.utf8)) == nil)
            #expect(Seen(try UserPage.decode(Data(text.utf8))) == expected)
        }
    }

    @Test("a whole user: every property, blanks in extension attributes dropped, SKU ids lowercased, present keys")
    func wholeUser() throws {
        let text = #"""
            {"@odata.context":"x","value":[{"id":"u1","userPrincipalName":"ann@contoso.com","mail":"Ann@Contoso.com",
            "displayName":"Ann \"A\" Lee","givenName":"Ann","surname":"Lee","jobTitle":"CFO","businessPhones":["+1 555 0100"],
            "mobilePhone":null,"accountEnabled":true,"assignedLicenses":[{"skuId":"C7DF2760-2C81-4EF7-B578-5B5392B571DF","disabledPlans":[]}],
            "department":"Finance","companyName":null,"officeLocation":"HQ","city":"Oslo","state":null,"country":"NO",
            "usageLocation":"NO","employeeType":"Employee","onPremisesExtensionAttributes":{"extensionAttribute1":"Site A",
            "extensionAttribute2":"  ","extensionAttribute3":null}}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=2"}
            """#
        let page = try #require(UserPageReader.read(Data(text.utf8)))
        let user = try #require(page.value.first?.patch)
        #expect(user.values.displayName == #"Ann "A" Lee"#)
        #expect(user.values.assignedLicenses == [AssignedLicense(skuId: "c7df2760-2c81-4ef7-b578-5b5392b571df")])
        #expect(user.values.extensionAttributes == ["extensionAttribute1": "Site A"])
        #expect(user.values.mobilePhone == nil && user.values.accountEnabled == true)
        #expect(user.present == Set(DirectoryUser.propertyNames))
        #expect(page.nextLink == "https://graph.microsoft.com/v1.0/users?$skiptoken=2")
        #expect(Seen(page) == foundation(text))
    }
}
