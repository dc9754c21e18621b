// The ConnectWise emulator checked against the psa reference's samples and query language, over loopback HTTP.

import ConnectWise
import Emulators
import Foundation
import NIOHTTP1
import Testing
import Yams

/// The reference sample's JSON under `name` (its `body` when the file wraps one).
private func sample(_ name: String) throws -> Any {
    let parsed = try jsonObject(try #require(ConnectWiseSamples.files[name]))
    if let wrapper = parsed as? [String: Any], let body = wrapper["body"] { return body }
    return parsed
}

/// JSON text with sorted keys, for comparing whole bodies.
private func canonical(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
}

/// Every key path (`a`, `a/b`, `items[]/c`) in a JSON value.
private func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
    var out: Set<String> = []
    if let object = value as? [String: Any] {
        for (key, inner) in object where !key.hasPrefix("_") && key != "customFields" {
            let path = prefix.isEmpty ? key : "\(prefix)/\(key)"
            out.insert(path)
            out.formUnion(keyPaths(inner, prefix: path))
        }
    } else if let array = value as? [Any] {
        for element in array { out.formUnion(keyPaths(element, prefix: prefix + "[]")) }
    }
    return out
}

/// A fixture holding the reference samples' records: company 250 "Bob Technology Services", site 1000, contact 58024.
private func sampleFixture() -> ConnectWiseFixture {
    var fixture = ConnectWiseFixture.synthetic(contactsPerCompany: 0)
    fixture.companies = [.init(id: 250, identifier: "Bob Technology Service", name: "Bob Technology Services",
                               sites: [.init(id: 1000, name: "Main", primaryAddressFlag: true, addressLine1: "1 Main St", city: "Tampa", state: "FL", zip: "33602", phoneNumber: "8135551212"), .init(id: 1001, name: "Branch", inactiveFlag: true)])]
    fixture.contacts = [
        .init(id: 58024, companyId: 250, firstName: "Jorge", lastName: "Smith", title: "CPA, MBA", siteId: 1000, typeIds: [1],
              communicationItems: [.init(id: 2, typeId: 2, value: "8139357100", extension: "401", defaultFlag: true),
                                   .init(id: 3, typeId: 13, value: "jane.doe@contoso.com", defaultFlag: true)]),
        .init(id: 57919, companyId: 250, firstName: "Estella", lastName: "Mcdowell", communicationItems: [
            .init(id: 99820, typeId: 13, value: "professional.bob@test.com", defaultFlag: true),
            .init(id: 99821, typeId: 2, value: "+380001000", defaultFlag: true),
            .init(id: 99822, typeId: 3, value: "+99969", defaultFlag: true),
        ]),
    ]
    return fixture
}

@Suite("ConnectWise emulator")
struct ConnectWiseEmulatorTests {
    @Test("list, create, types, communication types, sites and communications have the reference samples' keys")
    func sampleShapes() async throws {
        try await withConnectWise(sampleFixture()) { rig in
            let root = ConnectWiseEmulator.apiRoot
            let checks: [(String, String, String?, String)] = [
                ("GET", "\(root)/company/contacts?conditions=id=58024", nil, "contact_list_response_amp.json"),
                ("GET", "\(root)/company/contacts?conditions=id=58024", nil, "contact_list_response_djcw.json"),
                ("POST", "\(root)/company/contacts", ConnectWiseSamples.files["contact_create_request.json"], "contact_create_response_201.json"),
                ("GET", "\(root)/company/contacts/types", nil, "contact_types_list_response.json"),
                ("GET", "\(root)/company/communicationTypes", nil, "communication_types_list_response.json"),
                ("GET", "\(root)/company/companies/250/sites", nil, "company_sites_list_response.json"),
                ("GET", "\(root)/company/contacts/58024/communications", nil, "contact_communications_list_response.json"),
            ]
            for (method, path, body, name) in checks {
                let answer = try await rig.raw(HTTPMethod(rawValue: method), path, body: body)
                #expect(answer.status == (method == "POST" ? 201 : 200), "\(method) \(path)")
                // mobileGuid is per-record noise; contactId inside a contact's items is an artefact of the django fixture merge.
                let expected = keyPaths(try sample(name)).filter { !$0.contains("mobileGuid") && $0 != "[]/communicationItems[]/contactId" }
                let got = keyPaths(try jsonObject(answer.body))
                #expect(expected.subtracting(got).isEmpty, "\(name): missing \(expected.subtracting(got).sorted())")
            }
        }
    }

    @Test("error answers match the reference samples: 400 missing firstName, 404 contact, 404 endpoint, 401")
    func errorShapes() async throws {
        try await withConnectWise(sampleFixture()) { rig in
            let root = ConnectWiseEmulator.apiRoot
            let missing = try await rig.raw(.POST, "\(root)/company/contacts", body: #"{"lastName":"X","company":{"id":250}}"#)
            #expect(missing.status == 400)
            #expect(try canonical(try jsonObject(missing.body)) == (try canonical(try sample("error_400_invalidobject_missing_firstName.json"))))
            let notFound = try await rig.raw(.GET, "\(root)/company/contacts/57918")
            #expect(notFound.status == 404)
            #expect((try jsonObject(notFound.body) as? [String: String]) == ["code": "NotFound", "message": "Contact 57918 not found"])
            let noEndpoint = try await rig.raw(.GET, "\(root)/company/nothing/here")
            #expect(noEndpoint.status == 404)
            #expect(try canonical(try jsonObject(noEndpoint.body)) == (try canonical(try sample("error_404_endpoint_does_not_exist.json"))))
            let unauthorized = try await rig.raw(.GET, "\(root)/company/contacts", authorized: false)
            #expect(unauthorized.status == 401)
            let tooLong = try await rig.raw(.POST, "\(root)/company/contacts", body: #"{"firstName":"\#(String(repeating: "a", count: 31))","company":{"id":250}}"#)
            #expect(tooLong.status == 400 && tooLong.body.contains("\"field\":\"firstName\""))
            let stringForArray = try await rig.raw(.PATCH, "\(root)/company/contacts/57919", body: #"[{"op":"replace","path":"communicationItems","value":"[]"}]"#)
            #expect(stringForArray.status == 400)
            #expect(try canonical(try jsonObject(stringForArray.body)) == (try canonical(try sample("error_400_invalidpatch_string_for_array.json"))))
        }
    }

    @Test("PATCH by communicationItems index reproduces the reference's recorded scenarios 1 and 2")
    func patchScenarios() async throws {
        for scenario in ["1", "2"] {
            try await withConnectWise(sampleFixture()) { rig in
                let request = try #require(ConnectWiseSamples.files["patch_scenario\(scenario)_2_request.json"])
                let answer = try await rig.raw(.PATCH, "\(ConnectWiseEmulator.apiRoot)/company/contacts/57919", body: request)
                #expect(answer.status == 200)
                let got = try #require((try jsonObject(answer.body) as? [String: Any])?["communicationItems"] as? [[String: Any]])
                let expected = try #require(try sample("patch_scenario\(scenario)_3_after_communicationItems.json") as? [[String: Any]])
                // Ids are compared as offsets from the scenario's first item id (the recordings used different contacts).
                func summary(_ items: [[String: Any]], base: Int) -> [String] {
                    items.map { "\(($0["id"] as! Int) - base) \(($0["type"] as! [String: Any])["id"]!) \($0["value"]!) \($0["defaultFlag"]!) \($0["communicationType"]!)" }
                }
                #expect(summary(got, base: 99820) == summary(expected, base: scenario == "1" ? 99820 : 99855))
            }
        }
    }

    @Test("the reference's e-mail search request and Link paging work as documented")
    func searchAndPaging() async throws {
        var fixture = sampleFixture()
        for n in 0..<5 { fixture.contacts.append(.init(id: 60_000 + n, companyId: 250, firstName: "P\(n)")) }
        try await withConnectWise(fixture) { rig in
            let search = try #require(ConnectWiseSamples.files["contact_search_by_email_request.json"])
            let raw = try #require((try jsonObject(search) as? [String: Any])?["raw"] as? String)
            let parts = raw.split(separator: "?", maxSplits: 1)
            let query = parts[1].split(separator: "&").map { item -> String in
                let pair = item.split(separator: "=", maxSplits: 1)
                return "\(pair[0])=\(String(pair[1]).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            }.joined(separator: "&")
            let found = try await rig.raw(.GET, "\(parts[0])?\(query)")
            #expect(found.status == 200)
            #expect((try jsonObject(found.body) as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [58024])
            let page = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/contacts?pageSize=2&page=2&orderBy=id%20asc")
            let ids = (try jsonObject(page.body) as? [[String: Any]])?.compactMap { $0["id"] as? Int }
            #expect(ids == [60_000, 60_001])
            let link = try #require(page.headers.first(name: "Link"))
            #expect(link.contains("page=3>; rel=\"next\"") && link.contains("page=4>; rel=\"last\"") && link.contains("rel=\"prev\""))
            let forward = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/contacts?pageSize=3&pageId=58024&fields=id,company/id")
            let forwardRows = try #require(try jsonObject(forward.body) as? [[String: Any]])
            #expect(forwardRows.compactMap { $0["id"] as? Int } == [60_000, 60_001, 60_002])
            #expect(Set(forwardRows[0].keys) == ["id", "company"] && (forwardRows[0]["company"] as? [String: Any])?.count == 1)
            #expect(forward.headers.first(name: "Link")?.contains("pageId=60002>; rel=\"next\"") == true)
            let count = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/contacts/count?conditions=company/id%3D250")
            #expect((try jsonObject(count.body) as? [String: Int]) == ["count": 7])
        }
    }

    @Test("the conditions language: operators, and/or/not, parentheses, dates, in, like, contains, escapes")
    func conditions() async throws {
        try await withConnectWise(sampleFixture()) { rig in
            func ids(_ conditions: String, child: String? = nil) async throws -> [Int] {
                var path = "\(ConnectWiseEmulator.apiRoot)/company/contacts?orderBy=id%20asc&conditions=\(conditions.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                if let child { path += "&childConditions=\(child.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                let answer = try await rig.raw(.GET, path)
                #expect(answer.status == 200, "\(conditions): \(answer.body)")
                return (try jsonObject(answer.body) as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
            }
            #expect(try await ids(#"firstName = "jorge""#) == [58024])
            #expect(try await ids(#"firstName != "Jorge" and company/id = 250"#) == [57919])
            #expect(try await ids(#"(firstName like "J%" or lastName contains "dow") and not inactiveFlag = true"#) == [57919, 58024])
            #expect(try await ids("id in (57919, 1, 2)") == [57919])
            #expect(try await ids("id not in (57919)") == [58024])
            #expect(try await ids("id >= 57920 and id <= 58024") == [58024])
            #expect(try await ids("lastUpdated > [2000-01-01T00:00:00Z]") == [57919, 58024])
            #expect(try await ids("lastUpdated < [2000-01-01T00:00:00Z]") == [])
            #expect(try await ids("title = null") == [57919])
            #expect(try await ids("title != null") == [58024])
            #expect(try await ids(#"title = "CPA, MBA""#) == [58024])
            #expect(try await ids(#"firstName not like "J%""#) == [57919])
            #expect(try await ids(#"company/id = 250"#, child: #"communicationItems/value = "+380001000" AND communicationItems/communicationType = "Phone""#) == [57919])
            #expect(try await ids(#"company/id = 250"#, child: #"communicationItems/value = "+380001000" AND communicationItems/communicationType = "Email""#) == [])
            #expect(try await ids(#"company/id = 250"#, child: #"communicationItems/value like "%@test.com""#) == [57919])
            #expect(try await ids(#"company/id = 250"#, child: #"communicationItems/value = "%@test.com""#) == [])
            #expect(try await ids(#"firstName = "Jor\"ge""#) == [])
            let broken = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/contacts?conditions=\("firstName = \"open".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(broken.status == 400)
        }
    }

    @Test("type associations add a contact type once, and admin requests are neither counted nor faulted")
    func typeAssociations() async throws {
        try await withConnectWise(sampleFixture()) { rig in
            let root = ConnectWiseEmulator.apiRoot
            let added = try await rig.raw(.POST, "\(root)/company/contacts/57919/typeAssociations", body: #"{"type":{"id":5},"contact":{"id":57919}}"#)
            #expect(added.status == 201)
            #expect(await rig.emulator.contact(id: 57919)?.typeIds == [5])
            let again = try await rig.raw(.POST, "\(root)/company/contactTypeAssociations", body: #"{"type":{"id":5},"contact":{"id":57919}}"#)
            #expect(again.status == 400 && again.body.contains("ObjectExists"))
            let writes = await rig.emulator.writeCount()
            let total = await rig.emulator.control.requestCount()
            await rig.emulator.control.inject(Fault(.status(code: 500, retryAfter: nil, body: nil), count: nil))
            let admin = try await rig.raw(.GET, "/admin/connectwise/contacts?companyId=250", authorized: false)
            #expect(admin.status == 200)
            #expect((try jsonObject(admin.body) as? [Any])?.count == 2)
            #expect(await rig.emulator.writeCount() == writes)
            #expect(await rig.emulator.control.requestCount() == total)
            await rig.emulator.control.clearFaults()
        }
    }

    @Test("a fixture survives a round trip through JSON and YAML files")
    func fixtureFiles() async throws {
        let fixture = ConnectWiseFixture.synthetic(companies: 2, contactsPerCompany: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cw-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let json = directory.appendingPathComponent("tenant.json")
        try encoder.encode(fixture).write(to: json)
        #expect(try ConnectWiseFixture.load(contentsOf: json) == fixture)
        let yaml = directory.appendingPathComponent("tenant.yaml")
        try Data(try YAMLEncoder().encode(fixture).utf8).write(to: yaml)
        #expect(try ConnectWiseFixture.load(contentsOf: yaml) == fixture)
        #expect(throws: EmulatorError.self) { try ConnectWiseFixture.load(contentsOf: directory.appendingPathComponent("missing.json")) }
    }

    @Test("faults and request counts can be driven over the admin endpoints")
    func adminFaults() async throws {
        try await withConnectWise(sampleFixture()) { rig in
            let fault = #"{"effect":{"status":{"code":503,"retryAfter":"1","body":null}},"pathContains":"communicationTypes","count":1,"after":0}"#
            let injected = try await rig.raw(.POST, "/admin/connectwise/faults", body: fault, authorized: false)
            #expect(injected.status == 204)
            let faulted = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/communicationTypes")
            #expect(faulted.status == 503 && faulted.headers.first(name: "Retry-After") == "1")
            let healthy = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/communicationTypes")
            #expect(healthy.status == 200)
            let counts = try #require(try jsonObject(try await rig.raw(.GET, "/admin/connectwise/requests", authorized: false).body) as? [String: Any])
            #expect(counts["total"] as? Int == 2 && counts["writes"] as? Int == 0)
        }
    }

    @Test("the reference's sample writes are answered: simple field PATCH and the communications sub-resource")
    func sampleWrites() async throws {
        var fixture = sampleFixture()
        fixture.communicationTypes.append(.init(id: 1, description: "Email", emailFlag: true))
        try await withConnectWise(fixture) { rig in
            for name in ["patch_simple_fields_request.json", "communication_create_subresource_request.json", "patch_communication_subresource_request.json"] {
                let text = try #require(ConnectWiseSamples.files[name])
                let request = try #require(try jsonObject(text) as? [String: Any])
                let payload = try #require(request["body"])
                let method = try #require(request["method"] as? String)
                let path = try #require(request["path"] as? String)
                let body = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
                let answer = try await rig.raw(HTTPMethod(rawValue: method), path, body: body)
                #expect(answer.status == (request["method"] as? String == "POST" ? 201 : 200), "\(name): \(answer.body)")
            }
            let contact = try #require(await rig.emulator.contact(id: 57919))
            #expect(contact.title == "Accountant" && contact.siteId == 1000 && !contact.inactiveFlag)
            #expect(contact.communicationItems.first { $0.id == 99820 }?.value == "new.address@test.com")
            let added = try #require(contact.communicationItems.last)
            #expect(added.typeId == 1 && added.value == "jane.doe@contoso.com" && added.defaultFlag)
            #expect(contact.communicationItems.filter { $0.typeId == 13 || $0.typeId == 1 }.filter(\.defaultFlag).count == 1)
            let full = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/contacts/58024")
            let edited = full.body.replacingOccurrences(of: "\"firstName\":\"Jorge\"", with: "\"firstName\":\"George\"")
            let put = try await rig.raw(.PUT, "\(ConnectWiseEmulator.apiRoot)/company/contacts/58024", body: edited)
            #expect(put.status == 200)
            let george = try #require(await rig.emulator.contact(id: 58024))
            #expect(george.firstName == "George" && george.communicationItems.map(\.id) == [2, 3] && george.typeIds == [1])
            let one = try await rig.raw(.GET, "\(ConnectWiseEmulator.apiRoot)/company/contacts/57919/communications/99820")
            let keys = Set((try jsonObject(one.body) as? [String: Any])?.keys.map { $0 } ?? [])
            #expect(keys.isSuperset(of: ["id", "contactId", "type", "value", "defaultFlag", "communicationType", "domain"]))
        }
    }
}

/// Requests as standard ConnectWise clients send them: companies listed and counted with `conditions`, `orderBy` and
/// paging, and query strings form-encoded, where `+` is a space (the real service reads them so).
@Suite("ConnectWise emulator: standard clients")
struct ConnectWiseStandardClientTests {
    @Test("GET company/companies lists, filters, orders, pages and counts companies; one company by id has the same fields")
    func companies() async throws {
        var fixture = sampleFixture()
        fixture.companies.append(.init(id: 251, identifier: "Contoso", name: "Contoso Ltd"))
        fixture.companies.append(.init(id: 252, identifier: "Fabrikam", name: "Fabrikam Inc"))
        try await withConnectWise(fixture) { rig in
            let root = ConnectWiseEmulator.apiRoot
            let all = try await rig.raw(.GET, "\(root)/company/companies?orderBy=name%20desc&pageSize=2&page=1")
            #expect(all.status == 200)
            let rows = try #require(try jsonObject(all.body) as? [[String: Any]])
            #expect(rows.compactMap { $0["id"] as? Int } == [252, 251])
            #expect(all.headers.first(name: "Link")?.contains("page=2>; rel=\"next\"") == true)
            let named = try await rig.raw(.GET, "\(root)/company/companies?conditions=identifier%3D%22Contoso%22")
            #expect((try jsonObject(named.body) as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [251])
            let count = try await rig.raw(.GET, "\(root)/company/companies/count?conditions=id%3E250")
            #expect((try jsonObject(count.body) as? [String: Int]) == ["count": 2])
            let one = try await rig.raw(.GET, "\(root)/company/companies/251")
            let listed = try #require(try jsonObject(named.body) as? [[String: Any]]).first
            #expect(Set(try #require(try jsonObject(one.body) as? [String: Any]).keys) == Set(listed?.keys.map { $0 } ?? []))
        }
    }

    @Test("a form-encoded query string with + for spaces is read as the service reads it, in conditions and childConditions")
    func plusIsASpace() async throws {
        try await withConnectWise(sampleFixture()) { rig in
            let root = ConnectWiseEmulator.apiRoot
            let spaced = try await rig.raw(
                .GET, "\(root)/company/contacts?orderBy=id+asc&conditions=company/id+%3D+250"
                    + "&childConditions=communicationItems/value+%3D+%22%2B380001000%22+AND+communicationItems/communicationType+%3D+%22Phone%22")
            #expect(spaced.status == 200, "\(spaced.body)")
            #expect((try jsonObject(spaced.body) as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [57919])
            let companies = try await rig.raw(.GET, "\(root)/company/companies?conditions=name+like+%22Bob%25%22")
            #expect((try jsonObject(companies.body) as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [250])
        }
    }
}
