// Autotask answers every create and update with `{"itemId":N}`; the short reader must agree with JSONDecoder or step aside.

@testable import Autotask
import ContactSync
import Foundation
import Testing

@Suite("Autotask wire details")
struct AutotaskItemIdTests {
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
}
