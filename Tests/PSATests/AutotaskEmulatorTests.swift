// The Autotask emulator checked against the PSA reference: sample requests, payload shapes, rules and faults.

import Emulators
import Foundation
import Testing

/// A fixture built from the reference samples: company 29683616, location 29684001, contact 30684047 (Jane Doe).
private func sampleFixture() -> AutotaskFixture {
    AutotaskFixture(
        credentials: AutotaskHarness.credentials,
        companies: [.init(id: 29_683_616, name: "Contoso", locations: [.init(id: 29_684_001, name: "Headquarters", isPrimary: true)])],
        contacts: [
            .init(id: 30_684_047, companyID: 29_683_616, firstName: "Jane", lastName: "Doe", title: "Accountant",
                  phone: "+1 813 555 0199", mobilePhone: "+1 813 555 0100", emailAddress: "jane.doe@contoso.com",
                  externalID: "8b0e6f4c-1f7e-4a65-9c3a-2d9a3f5e1c11"),
            .init(id: 30_684_048, companyID: 29_683_616, firstName: "John", lastName: "Roe", emailAddress: "john@contoso.com",
                  emailAddress2: "Jane.Doe@Contoso.com", isActive: 0),
        ])
}

private func keys(_ text: String) -> Set<String> {
    Set((autotaskJSON(text) as? [String: Any])?.keys.map { $0 } ?? [])
}

private func object(_ text: String, _ path: String...) -> [String: Any]? {
    var value: Any? = autotaskJSON(text)
    for step in path {
        if let index = Int(step) { value = (value as? [Any]).flatMap { $0.indices.contains(index) ? $0[index] : nil } }
        else { value = (value as? [String: Any])?[step] }
    }
    return value as? [String: Any]
}

@Suite("Autotask emulator against the reference")
struct AutotaskEmulatorTests {
    @Test("answers the reference's sample requests with payloads of the samples' key sets")
    func sampleShapes() async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        let samples = AutotaskReferenceSamples.self

        let zone = try await harness.raw("GET", "/atservicesrest/v1.0/zoneInformation?user=api-user%40msp.example", authenticated: false)
        #expect(zone.status == 200)
        #expect(keys(zone.body) == keys(samples.zoneInformation))
        #expect((autotaskJSON(zone.body) as? [String: Any])?["url"] as? String == harness.host.baseURL + "/ATServicesRest/")

        let version = try await harness.raw("GET", "/atservicesrest/versioninformation", authenticated: false)
        #expect(keys(version.body) == keys(samples.versionInformation))

        // The sample POST query (with IncludeFields) finds Jane by email; the envelope matches the sample's.
        let query = try await harness.raw("POST", "/ATServicesRest/V1.0/Contacts/query", body: samples.queryPostRequest)
        #expect(query.status == 200)
        #expect(keys(query.body) == keys(samples.queryResponse))
        #expect(Set(object(query.body, "pageDetails")?.keys.map { $0 } ?? []) == Set(object(samples.queryResponse, "pageDetails")?.keys.map { $0 } ?? []))
        let ids = ((autotaskJSON(query.body) as? [String: Any])?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
        #expect(Set(ids ?? []) == [30_684_047, 30_684_048])
        #expect(Set(object(query.body, "items", "0")?.keys.map { $0 } ?? []) == ["id", "companyID", "firstName", "lastName", "emailAddress", "isActive", "externalID"])

        // Without IncludeFields every ContactModel field comes back, exactly the sample's keys.
        let full = try await harness.raw("POST", "/ATServicesRest/V1.0/Contacts/query",
                                         body: #"{"filter":[{"op":"eq","field":"id","value":30684047}]}"#)
        #expect(Set(object(full.body, "items", "0")?.keys.map { $0 } ?? []) == Set(object(samples.queryResponse, "items", "0")?.keys.map { $0 } ?? []))
        #expect(object(full.body, "items", "0")?["isActive"] as? Int == 1)

        // The sample GET form (?search=) answers the same shape.
        let getPath = samples.queryGetRaw.replacingOccurrences(of: "GET {zone.url}", with: "/ATServicesRest/")
        let get = try await harness.raw("GET", getPath)
        #expect(get.status == 200)
        #expect(Set(object(get.body, "items", "0")?.keys.map { $0 } ?? []) == Set(object(samples.queryResponse, "items", "0")?.keys.map { $0 } ?? []))

        let item = try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047")
        #expect(keys(item.body) == keys(samples.getByIdResponse))
        #expect(Set(object(item.body, "item")?.keys.map { $0 } ?? []) == Set(object(samples.getByIdResponse, "item")?.keys.map { $0 } ?? []))

        let createRequest = try #require(object(samples.createRequest))
        let createBody = String(decoding: try JSONSerialization.data(withJSONObject: createRequest["body"]!), as: UTF8.self)
        let created = try await harness.raw("POST", createRequest["path"] as! String, body: createBody)
        #expect(created.status == (object(samples.createResponse)?["status"] as? Int))
        #expect(keys(created.body) == Set(object(samples.createResponse, "body")?.keys.map { $0 } ?? []))

        let updateRequest = try #require(object(samples.updateRequest))
        let updateBody = String(decoding: try JSONSerialization.data(withJSONObject: updateRequest["body"]!), as: UTF8.self)
        let updated = try await harness.raw("PATCH", updateRequest["path"] as! String, body: updateBody)
        #expect(updated.status == 200)
        #expect(keys(updated.body) == Set(object(samples.updateResponse, "body")?.keys.map { $0 } ?? []))
        let jane = try #require(await harness.emulator.contacts(companyId: 29_683_616).first { $0.id == 30_684_047 })
        #expect(jane.title == "Senior Accountant" && jane.isActive == 0 && jane.firstName == "Jane")

        let threshold = try await harness.raw("GET", "/ATServicesRest/V1.0/ThresholdInformation")
        #expect(keys(threshold.body) == keys(samples.thresholdResponse))

        let count = try await harness.raw("POST", "/ATServicesRest/V1.0/Contacts/query/count",
                                          body: #"{"filter":[{"op":"eq","field":"companyID","value":29683616}]}"#)
        #expect(keys(count.body) == keys(samples.queryCountResponse))
        #expect((autotaskJSON(count.body) as? [String: Any])?["queryCount"] as? Int == 3)

        let locations = try await harness.raw("POST", "/ATServicesRest/V1.0/CompanyLocations/query",
                                              body: #"{"filter":[{"op":"eq","field":"companyID","value":29683616}]}"#)
        #expect(Set(object(locations.body, "items", "0")?.keys.map { $0 } ?? []) == Set(object(samples.locationsResponse, "items", "0")?.keys.map { $0 } ?? []))
        #expect(object(locations.body, "items", "0")?["isActive"] as? Bool == true)

        let fields = try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/entityInformation/fields")
        #expect(Set(object(fields.body, "fields", "0")?.keys.map { $0 } ?? []) == Set(object(samples.fieldsResponse, "fields", "0")?.keys.map { $0 } ?? []))
    }

    @Test("answers the reference's error cases with their statuses and {errors} bodies")
    func errorCases() async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        let contacts = "/ATServicesRest/V1.0/Companies/29683616/Contacts"

        let boolActive = try await harness.raw("POST", contacts, body: #"{"firstName":"A","lastName":"B","isActive":true}"#)
        #expect(boolActive.status == 500)
        #expect(boolActive.body == #"{"errors":["Unexpected character encountered while parsing value: t"]}"#)

        let unknownField = try await harness.raw("POST", "/ATServicesRest/V1.0/Contacts/query",
                                                 body: #"{"filter":[{"op":"eq","field":"shoeSize","value":9}]}"#)
        #expect(unknownField.status == 500)
        #expect(unknownField.body == #"{"errors":["Unable to find shoeSize in the Entity"]}"#)

        let tooLong = try await harness.raw("PATCH", contacts, body: #"{"id":30684047,"title":"\#(String(repeating: "x", count: 51))"}"#)
        #expect(tooLong.status == 500)
        #expect((autotaskJSON(tooLong.body) as? [String: Any])?["errors"] as? [String] != nil)
        #expect(await harness.emulator.contacts(companyId: 29_683_616).first?.title == "Accountant")

        #expect(try await harness.raw("POST", "/ATServicesRest/V1.0/Contacts", body: #"{"firstName":"A","lastName":"B","isActive":1}"#).status == 404)
        #expect(try await harness.raw("PATCH", "/ATServicesRest/V1.0/Contacts", body: #"{"id":30684047,"title":"T"}"#).status == 404)
        #expect(try await harness.raw("PATCH", contacts + "/30684047", body: #"{"title":"T"}"#).status == 405)
        #expect(try await harness.raw("PUT", "/ATServicesRest/V1.0/Contacts/30684047", body: #"{"title":"T"}"#).status == 405)
        #expect(try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/1").status == 404)
        #expect(try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047", authenticated: false).status == 401)
        let wrongSecret = try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047", authenticated: false, headers: [
            ("ApiIntegrationCode", AutotaskHarness.credentials.integrationCode), ("UserName", AutotaskHarness.credentials.username),
            ("Secret", "wrong"),
        ])
        #expect(wrongSecret.status == 401)
        let badSite = try await harness.raw("PATCH", contacts, body: #"{"id":30684047,"companyLocationID":5551}"#)
        #expect(badSite.status == 500)
        #expect(await harness.emulator.writeCount() == 7)
    }

    @Test("evaluates Autotask's filter operators and and/or groups")
    func filterGrammar() async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        func ids(_ filter: String) async throws -> [Int] {
            let answer = try await harness.raw("POST", "/ATServicesRest/V1.0/Contacts/query", body: #"{"filter":\#(filter)}"#)
            return (((autotaskJSON(answer.body) as? [String: Any])?["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
        }
        #expect(try await ids(#"[{"op":"eq","field":"emailAddress","value":"JANE.DOE@contoso.com"}]"#) == [30_684_047])
        #expect(try await ids(#"[{"op":"noteq","field":"firstName","value":"jane"}]"#) == [30_684_048])
        #expect(try await ids(#"[{"op":"gt","field":"id","value":30684047}]"#) == [30_684_048])
        #expect(try await ids(#"[{"op":"gte","field":"id","value":30684047}]"#) == [30_684_047, 30_684_048])
        #expect(try await ids(#"[{"op":"lt","field":"id","value":30684048}]"#) == [30_684_047])
        #expect(try await ids(#"[{"op":"lte","field":"id","value":30684046}]"#) == [])
        #expect(try await ids(#"[{"op":"beginsWith","field":"lastName","value":"ro"}]"#) == [30_684_048])
        #expect(try await ids(#"[{"op":"endsWith","field":"lastName","value":"OE"}]"#) == [30_684_047, 30_684_048])
        #expect(try await ids(#"[{"op":"contains","field":"emailAddress","value":"doe"}]"#) == [30_684_047])
        #expect(try await ids(#"[{"op":"exist","field":"emailAddress2"}]"#) == [30_684_048])
        #expect(try await ids(#"[{"op":"notExist","field":"emailAddress2"}]"#) == [30_684_047])
        #expect(try await ids(#"[{"op":"in","field":"firstName","value":["John","Nobody"]}]"#) == [30_684_048])
        #expect(try await ids(#"[{"op":"notIn","field":"firstName","value":["John"]}]"#) == [30_684_047])
        #expect(try await ids(#"[{"op":"eq","field":"isActive","value":0}]"#) == [30_684_048])
        #expect(try await ids(#"[{"op":"or","items":[{"op":"eq","field":"firstName","value":"Jane"},{"op":"and","items":[{"op":"eq","field":"isActive","value":0},{"op":"eq","field":"lastName","value":"Roe"}]}]}]"#) == [30_684_047, 30_684_048])
        #expect(try await ids(#"[{"op":"and","items":[{"op":"eq","field":"firstName","value":"Jane"},{"op":"eq","field":"isActive","value":0}]}]"#) == [])
        #expect(try await ids(#"[{"op":"gt","field":"lastModifiedDate","value":"2000-01-01T00:00:00Z"}]"#) == [30_684_047, 30_684_048])
    }

    @Test("pages 500 at a time behind an opaque nextPageUrl that takes the same body again")
    func paging() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1_201))
        defer { Task { await harness.stop() } }
        let body = #"{"filter":[{"op":"eq","field":"companyID","value":29683616}]}"#
        var url = harness.api + "Contacts/query"
        var pages: [Int] = []
        var seen: Set<Int> = []
        while true {
            let answer = try await harness.raw("POST", url, body: body)
            let items = ((autotaskJSON(answer.body) as? [String: Any])?["items"] as? [[String: Any]]) ?? []
            pages.append(items.count)
            seen.formUnion(items.compactMap { $0["id"] as? Int })
            guard let next = object(answer.body, "pageDetails")?["nextPageUrl"] as? String else { break }
            #expect(next.hasPrefix(harness.host.baseURL))
            url = next
        }
        #expect(pages == [500, 500, 201])
        #expect(seen.count == 1_201)
    }

    @Test("refuses a fourth request in flight on one endpoint with the thread-threshold error")
    func threadLimit() async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(Fault(.delay(seconds: 2), pathContains: "/Contacts/", count: 3))
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for _ in 0..<3 { group.addTask { try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047") } }
            // The fourth goes once all three are in flight (held 2 s by the delay), however slow the machine is.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while await harness.emulator.maxRequestsInFlight() < 3, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let fourth = try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047")
            var all = [fourth]
            for try await answer in group { all.append(answer) }
            return all
        }
        #expect(answers.filter { $0.1.contains("Thread Threshold Exceeded") }.count == 1)
        #expect(answers.filter { $0.0 == 200 }.count == 3)
        #expect(await harness.emulator.maxRequestsInFlight() == 3)
    }

    @Test("admin endpoints edit contacts behind Rollcall's back and inject faults")
    func adminEndpoints() async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        let before = try #require(await harness.emulator.contacts(companyId: 29_683_616).first)
        let edit = try await harness.raw("PATCH", "/admin/autotask/contacts/30684047", body: #"{"title":"CFO"}"#, authenticated: false)
        #expect(edit.status == 200)
        let after = try #require(await harness.emulator.contacts(companyId: 29_683_616).first)
        #expect(after.title == "CFO")
        #expect(after.lastModifiedDate! > before.lastModifiedDate!)
        let added = try await harness.raw("POST", "/admin/autotask/contacts",
                                          body: #"{"id":0,"companyID":29683616,"firstName":"New","lastName":"Person"}"#, authenticated: false)
        #expect(added.status == 200)
        #expect(await harness.emulator.contacts(companyId: 29_683_616).count == 3)
        let fault = String(decoding: try JSONEncoder().encode(AutotaskEmulator.throttleFault(retryAfter: "1")), as: UTF8.self)
        #expect(try await harness.raw("POST", "/admin/autotask/faults", body: fault, authenticated: false).status == 204)
        #expect(try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047").status == 429)
        #expect(try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047").status == 200)
        #expect(await harness.emulator.control.requestCount() == 2)
    }

    @Test("loads a fixture from YAML with Autotask's defaults for fields left out")
    func yamlFixture() async throws {
        let fixture = try AutotaskFixture.load("""
            credentials: {username: api@msp.example, secret: pw, integrationCode: CODE}
            companies:
              - {id: 7, name: Northwind, locations: [{id: 71, name: Main}]}
            contacts:
              - {id: 700, companyID: 7, firstName: Ann, lastName: Lee, emailAddress: ann@northwind.example, companyLocationID: 71}
            """)
        let emulator = AutotaskEmulator(fixture: fixture)
        let contact = try #require(await emulator.contacts(companyId: 7).first)
        #expect(contact.isActive == 1 && contact.emailAddress == "ann@northwind.example" && contact.companyLocationID == 71)
        let served = try #require(await emulator.contactJSON(id: 700))
        guard case .object(let members) = served else { Issue.record("not an object"); return }
        #expect(members["isActive"] == .int(1) && members["emailAddress2"] == .null && members["title"] == .string(""))
        #expect(throws: EmulatorError.self) { try AutotaskFixture.load("credentials: 3") }
    }

    @Test("serves company-child reads, PUT replaces, DELETE removes, and blocks past the hourly threshold")
    func childPathsAndThreshold() async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        let children = try await harness.raw("GET", "/atservicesrest/V1.0/Companies/29683616/Contacts")
        #expect((((autotaskJSON(children.body) as? [String: Any])?["items"] as? [[String: Any]]) ?? []).count == 2)
        let locations = try await harness.raw("GET", "/ATServicesRest/V1.0/Companies/29683616/Locations")
        #expect(object(locations.body, "items", "0")?["name"] as? String == "Headquarters")
        #expect(try await harness.raw("GET", "/ATServicesRest/V1.0/Companies/1/Contacts").status == 404)

        let put = try await harness.raw("PUT", "/ATServicesRest/V1.0/Companies/29683616/Contacts",
                                        body: #"{"id":30684048,"firstName":"Johnny","lastName":"Roe","isActive":1}"#)
        #expect(put.status == 200)
        let replaced = try #require(await harness.emulator.contacts(companyId: 29_683_616).first { $0.id == 30_684_048 })
        #expect(replaced.firstName == "Johnny" && replaced.emailAddress == nil && replaced.emailAddress2 == nil && replaced.isActive == 1)

        #expect(try await harness.raw("DELETE", "/ATServicesRest/V1.0/Companies/29683616/Contacts/30684048").status == 200)
        #expect(try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684048").status == 404)

        await harness.emulator.setThreshold(limit: 7, usedBeforeStart: 0)
        let reading = try await harness.raw("GET", "/ATServicesRest/V1.0/ThresholdInformation")
        #expect((autotaskJSON(reading.body) as? [String: Any])?["currentTimeframeRequestCount"] as? Int == 7)
        let blocked = try await harness.raw("GET", "/ATServicesRest/V1.0/Contacts/30684047")
        #expect(blocked.status == 429 && blocked.body.contains("errors"))
    }
}

/// Requests as standard Autotask clients send them: the real API runs on IIS and reads paths in any letter case, and
/// clients look companies up with `Companies/query` (GET with `?search=`, or POST) before anything else.
@Suite("Autotask emulator: standard clients")
struct AutotaskStandardClientTests {
    @Test("Companies/query answers in any path case, by GET ?search= or POST, with /count and a company by id",
          arguments: ["/atservicesrest/v1.0/Companies/query", "/ATServicesRest/V1.0/companies/query", "/ATSERVICESREST/V1.0/COMPANIES/QUERY"])
    func companiesQuery(path: String) async throws {
        let harness = try await AutotaskHarness.start(sampleFixture())
        defer { Task { await harness.stop() } }
        let filter = #"{"filter":[{"op":"eq","field":"companyname","value":"Contoso"}]}"#
        let search = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let got = try await harness.raw("GET", path + "?search=" + search)
        #expect(got.status == 200)
        let items = try #require(((try JSONSerialization.jsonObject(with: Data(got.body.utf8))) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? Int } == [29_683_616])
        #expect(items.first?["companyName"] as? String == "Contoso")
        let posted = try await harness.raw("POST", path, body: #"{"filter":[{"op":"eq","field":"isActive","value":true}]}"#)
        #expect(posted.status == 200 && posted.body.contains("29683616"))
        let counted = try await harness.raw("POST", path + "/count", body: filter)
        #expect(counted.body.contains(#""queryCount":1"#))
        let none = try await harness.raw("POST", path, body: #"{"filter":[{"op":"eq","field":"companyName","value":"Fabrikam"}]}"#)
        #expect(none.status == 200 && none.body.contains(#""items":[]"#))
        let byId = try await harness.raw("GET", path.replacingOccurrences(of: "query", with: "29683616", options: .caseInsensitive))
        #expect(byId.status == 200 && byId.body.contains(#""companyName":"Contoso""#))
    }
}
