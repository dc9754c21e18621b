// Autotask answers every create and update with `{"itemId":N}`; the short reader must agree with JSONDecoder or step aside.

@testable import Autotask
import ContactSync
import Emulators
import Foundation
import StoredFormat
import Testing

@Suite("Autotask wire details")
struct AutotaskWireTests {
    @Test("the usual answers are read as JSONDecoder reads them; anything else is left to JSONDecoder")
    func plainAnswers() throws {
        let read: [(String, Int)] = [
            (#"{"itemId":29684207}"#, 29_684_207), (#"{ "itemId" : 7 }"#, 7), ("{\"itemId\":0}\n", 0), (#"{"itemId":-3}"#, -3),
            (" \r\n{\"itemId\":\t42}\t", 42),
        ]
        for (body, id) in read {
            #expect(ATItemId.plain(Data(body.utf8)) == id, "\(body)")
            #expect(try JSONDecoder().decode(ATItemId.self, from: Data(body.utf8)).itemId == id)
        }
        let leftAlone = [
            "", "{}", "null", #"{"itemId":"5"}"#, #"{"itemId":5,"extra":1}"#, #"{"extra":1,"itemId":5}"#, #"{"itemId":5.0}"#,
            #"{"itemId":1e3}"#, #"{"itemId":05}"#, #"{"itemId":5}x"#, #"{"itemId":12345678901234567890}"#, #"{"itemID":5}"#,
            #"{"itemId":}"#, #"{"itemId":5"#,
        ]
        for body in leftAlone {
            #expect(ATItemId.plain(Data(body.utf8)) == nil, "\(body)")
        }
    }

    @Test("a request's path and thread-gate endpoint come from its URL: object name, not ids, verbs or query")
    func endpoints() {
        let base = "https://webservices2.autotask.net/ATServicesRest/V1.0/"
        let cases: [(String, String, String)] = [
            (base + "Companies/5/Contacts", "/ATServicesRest/V1.0/Companies/5/Contacts", "contacts"),
            (base + "Contacts/query?search=x/y", "/ATServicesRest/V1.0/Contacts/query", "contacts"),
            (base + "Contacts/entityInformation/fields", "/ATServicesRest/V1.0/Contacts/entityInformation/fields", "contacts"),
            (base + "CompanyLocations/query", "/ATServicesRest/V1.0/CompanyLocations/query", "companylocations"),
            (base + "Contacts/29684207", "/ATServicesRest/V1.0/Contacts/29684207", "contacts"),
            (base + "ThresholdInformation", "/ATServicesRest/V1.0/ThresholdInformation", "thresholdinformation"),
            ("http://127.0.0.1:8080/v1.0/", "/v1.0/", "root"),
            ("http://127.0.0.1:8080", "/", "root"),
        ]
        for (url, path, endpoint) in cases {
            #expect(AutotaskConnection.path(of: url) == path, "\(url)")
            #expect(EndpointGates.endpoint(of: AutotaskConnection.path(of: url)) == endpoint, "\(url)")
        }
    }

    @Test("contact request bodies written by hand are the bytes the canonical encoder writes, any fields set or not")
    func requestBodies() throws {
        let texts: [String?] = [nil, "", "Zoë \"Z\" \\ / 😀\n\u{1}", "plain"]
        for seed in 0..<256 {
            func text(_ shift: Int) -> String? { texts[(seed >> shift) & 3] }
            let body = ATContactWrite(
                id: seed % 3 == 0 ? nil : seed, companyID: seed % 5 == 0 ? nil : 174, firstName: text(0), lastName: text(2),
                title: text(4), phone: text(6), mobilePhone: text(1), emailAddress: text(3),
                isActive: seed % 7 == 0 ? nil : seed % 2, companyLocationID: seed % 4 == 0 ? nil : 9)
            #expect(body.json == (try CanonicalJSON.encode(body)), "\(seed)")
        }
    }

    @Test("contact pages read straight from their bytes match JSONDecoder: nulls, escapes, bool isActive, extra fields")
    func contactPages() throws {
        struct Seen: Equatable {
            var contacts: [PSAContact]
            var active: [Int]
            var count: Int?
            var next: String?
            init(_ page: ATPage<ATContact>) {
                contacts = page.items.map { $0.psaContact(companyId: 7) }
                active = page.items.map(\.isActive)
                count = page.pageDetails?.count
                next = page.pageDetails?.nextPageUrl
            }
        }
        var rng = GraphSeededGenerator(seed: 7)
        let texts = [#""Ann""#, "null", #""O\"Brien \\ \u00e9 \ud83d\ude00""#, #""  padded@x.example ""#, #""""#, #""Zoë""#]
        let extras = [#""userDefinedFields":[{"name":"x","value":null}]"#, #""impersonatorCreatorResourceID":-12"#,
                      #""externalID":1.5e3"#, #""isOptedOutFromBulkEmail":false"#, #""nested":{"a":[1,{"b":null}]}"#]
        for round in 0..<200 {
            var items: [String] = []
            for n in 0..<Int.random(in: 0...6, using: &rng) {
                var members = [#""id":\#(30_000_000 + round * 10 + n)"#]
                for key in ["firstName", "lastName", "title", "phone", "mobilePhone", "emailAddress", "emailAddress2", "emailAddress3"]
                where Bool.random(using: &rng) {
                    members.append(#""\#(key)":\#(texts.randomElement(using: &rng)!)"#)
                }
                if Bool.random(using: &rng) { members.append(#""companyID":\#(["0", "174", "null"].randomElement(using: &rng)!)"#) }
                if Bool.random(using: &rng) { members.append(#""companyLocationID":\#(["9", "null"].randomElement(using: &rng)!)"#) }
                if Bool.random(using: &rng) { members.append(#""isActive":\#(["0", "1", "true", "false", "null"].randomElement(using: &rng)!)"#) }
                if Bool.random(using: &rng) {
                    let date = [#""2026-11-29T10:20:30.123Z""#, #""2026-11-29T10:20:30Z""#, "null", #""not a date""#].randomElement(using: &rng)!
                    members.append(#""lastModifiedDate":\#(date)"#)
                }
                if Bool.random(using: &rng) { members.append(extras.randomElement(using: &rng)!) }
                items.append("{" + members.shuffled(using: &rng).joined(separator: ",") + "}")
            }
            let details = [#""pageDetails":{"count":\#(items.count),"requestCount":500,"prevPageUrl":null,"nextPageUrl":null}"#,
                           #""pageDetails":{"count":3,"nextPageUrl":"https://x.example/V1.0/Contacts/query/next?paging=abc"}"#,
                           #""pageDetails":null"#, ""].randomElement(using: &rng)!
            let text = "{\"items\":[" + items.joined(separator: ",") + "]" + (details.isEmpty ? "" : "," + details) + "}"
            let data = Data(text.utf8)
            let expected = Seen(try JSONDecoder().decode(ATPage<ATContact>.self, from: data))
            let fast = try #require(ATPage<ATContact>.read(data), "the reader gave up on \(text)")
            #expect(Seen(fast) == expected, "\(text)")
        }
        // Shapes JSONDecoder refuses, or reads leniently: the reader leaves them all to it.
        for text in [#"{"items":[{"id":"5"}]}"#, #"{"items":[{"firstName":"no id"}]}"#, #"{"items":[{"id":5,"phone":7}]}"#,
                     #"{"items":[{"id":5,"lastModifiedDate":5}]}"#, #"{"items":[{"id":5.0}]}"#, #"{"items":null}"#,
                     #"{"items":[{"id":5,"id":6}]}"#, #"{"items":[{"id":12345678901234567890}]}"#, #"{"items":[]} x"#, #"{"items":[{"id":5,"isActive":"1"}]}"#] {
            #expect(ATPage<ATContact>.read(Data(text.utf8)) == nil, "\(text)")
        }
    }
}
