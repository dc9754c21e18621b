// The ConnectWise client against the ConnectWise emulator over real HTTP on loopback.

import ConnectWise
import ContactSync
import Emulators
import Foundation
import Logging
import Testing

@Suite("ConnectWise connection")
struct ConnectWiseConnectionTests {
    @Test("reads all 2,400 contacts of one company across pages of 1000, not those of another company")
    func readsAcrossPages() async throws {
        try await withConnectWise(.synthetic(companies: 2, contactsPerCompany: 2400)) { rig in
            let contacts = try await rig.connection.contacts(companyId: 251, modifiedSince: nil)
            let stored = await rig.emulator.contacts(companyId: 251)
            #expect(contacts.count == 2400)
            #expect(Set(contacts.map(\.id)) == Set(stored.map(\.id)))
            #expect(contacts.allSatisfy { $0.companyId == 251 })
            let counts = await rig.emulator.control.requestCounts()
            #expect(counts["GET /v4_6_release/apis/3.0/company/contacts"] == 3)
            let sample = try #require(stored.first { $0.id == contacts[17].id })
            #expect(contacts[17].emails == [sample.communicationItems[0].value])
            #expect(contacts[17].phone == sample.communicationItems[1].value)
            #expect(contacts[17].mobile == sample.communicationItems[2].value)
            #expect(contacts[17].siteId == sample.siteId)
            #expect(contacts[17].typeIds == sample.typeIds)
        }
    }

    @Test("an incremental read returns exactly the contacts edited since")
    func incrementalRead() async throws {
        try await withConnectWise { rig in
            let all = await rig.emulator.contacts(companyId: 250)
            let since = Date().addingTimeInterval(-1)
            let edited = [all[2].id, all[7].id, all[11].id]
            for id in edited {
                try await rig.emulator.editContact(id: id) { $0.title = "Edited \($0.id)" }
            }
            let changed = try await rig.connection.contacts(companyId: 250, modifiedSince: since)
            #expect(Set(changed.map(\.id)) == Set(edited))
            #expect(changed.allSatisfy { $0.title == "Edited \($0.id)" })
        }
    }

    @Test("create posts once (201), with communication items of the tenant's types and typeIds")
    func create() async throws {
        try await withConnectWise { rig in
            let new = NewContact(
                fields: ContactFields(firstName: "Ada", lastName: "Lovelace", title: "CTO", phone: "+1 555 0100", mobile: "+1 555 0199", email: "ada@contoso.example"),
                siteId: 1001, typeIds: [5])
            let before = await rig.emulator.writeCount()
            let result = try await rig.connection.write(.create(new), companyId: 250, current: nil)
            #expect(result.status == 201)
            #expect(await rig.emulator.writeCount() == before + 1)
            let stored = try #require(await rig.emulator.contact(id: result.contactId))
            #expect(stored.companyId == 250 && stored.siteId == 1001 && stored.typeIds == [5] && !stored.inactiveFlag)
            #expect(Set(stored.communicationItems.map(\.typeId)) == [13, 2, 4])
            let read = try #require(try await rig.connection.contact(companyId: 250, id: result.contactId))
            #expect(read == result.contact)
            #expect(read.emails == ["ada@contoso.example"] && read.phone == "+1 555 0100" && read.mobile == "+1 555 0199")
            #expect(read.firstName == "Ada" && read.title == "CTO")
        }
    }

    @Test("update, deactivate, reactivate, move site and add type: k updates make exactly k writes (plus one per type added)")
    func updates() async throws {
        try await withConnectWise { rig in
            let id = await rig.emulator.contacts(companyId: 250)[0].id
            let start = await rig.emulator.writeCount()
            let current = try await rig.connection.contact(companyId: 250, id: id)
            var result = try await rig.connection.write(.update(contactId: id, ContactUpdate(fields: ContactFields(firstName: "Renamed", title: "Head of IT"))), companyId: 250, current: current)
            #expect(result.contact.firstName == "Renamed" && result.contact.title == "Head of IT")
            result = try await rig.connection.write(.update(contactId: id, ContactUpdate(isActive: false)), companyId: 250, current: result.contact)
            #expect(result.contact.isActive == false)
            #expect(await rig.emulator.contact(id: id)?.inactiveFlag == true)
            result = try await rig.connection.write(.update(contactId: id, ContactUpdate(isActive: true, siteId: 1001)), companyId: 250, current: result.contact)
            #expect(result.contact.isActive && result.contact.siteId == 1001)
            #expect(await rig.emulator.writeCount() == start + 3)
            result = try await rig.connection.write(.update(contactId: id, ContactUpdate(addTypeIds: [5, 1])), companyId: 250, current: result.contact)
            #expect(await rig.emulator.writeCount() == start + 4)
            #expect(Set(result.contact.typeIds) == [1, 5])
            let stored = try #require(await rig.emulator.contact(id: id))
            #expect(stored.firstName == "Renamed" && stored.siteId == 1001 && !stored.inactiveFlag && Set(stored.typeIds) == [1, 5])
            let read = try await rig.connection.contact(companyId: 250, id: id)
            #expect(read?.typeIds.sorted() == [1, 5])
        }
    }

    @Test("changing e-mail, phone and mobile patches items by index and keeps the items Rollcall does not own")
    func communicationItemsKept() async throws {
        try await withConnectWise { rig in
            let id = await rig.emulator.contacts(companyId: 250)[3].id
            try await rig.emulator.editContact(id: id) { contact in
                contact.communicationItems.insert(.init(typeId: 26, value: "+1 555 0000"), at: 0)
                contact.communicationItems.append(.init(typeId: 17, value: "home@personal.example"))
                contact.communicationItems.removeAll { $0.typeId == 4 }
            }
            let before = try #require(await rig.emulator.contact(id: id))
            let writes = await rig.emulator.writeCount()
            let update = ContactUpdate(fields: ContactFields(phone: "+44 20 7946 0000", mobile: "+44 7700 900123", email: "new.address@contoso.example"))
            let result = try await rig.connection.write(.update(contactId: id, update), companyId: 250, current: nil)
            #expect(await rig.emulator.writeCount() == writes + 1)
            let after = try #require(await rig.emulator.contact(id: id))
            let keptBefore = before.communicationItems.filter { [26, 17].contains($0.typeId) }
            #expect(after.communicationItems.filter { [26, 17].contains($0.typeId) } == keptBefore)
            let email = try #require(after.communicationItems.first { $0.typeId == 13 })
            #expect(email.value == "new.address@contoso.example" && email.id == before.communicationItems.first { $0.typeId == 13 }?.id)
            #expect(after.communicationItems.filter { $0.typeId == 4 }.map(\.value) == ["+44 7700 900123"])
            #expect(result.contact.emails == ["new.address@contoso.example", "home@personal.example"])
            #expect(result.contact.phone == "+44 20 7946 0000" && result.contact.mobile == "+44 7700 900123")
        }
    }

    @Test("communication types are resolved per tenant, not hard-coded, and read once per connection")
    func tenantTypes() async throws {
        var fixture = ConnectWiseFixture.synthetic(contactsPerCompany: 3)
        let remap = [13: 31, 2: 32, 4: 34, 3: 33, 26: 36, 17: 37]
        fixture.communicationTypes = fixture.communicationTypes.map { var type = $0; type.id = remap[type.id]!; return type }
        fixture.communicationTypes[2].description = "Cell Phone"
        for index in fixture.contacts.indices {
            fixture.contacts[index].communicationItems = fixture.contacts[index].communicationItems.map { var item = $0; item.typeId = remap[item.typeId]!; return item }
        }
        try await withConnectWise(fixture) { rig in
            let contacts = try await rig.connection.contacts(companyId: 250, modifiedSince: nil)
            #expect(contacts.allSatisfy { $0.mobile?.hasPrefix("+1 727") == true && $0.phone?.hasPrefix("+1 813") == true })
            let created = try await rig.connection.write(.create(NewContact(fields: ContactFields(firstName: "Bo", mobile: "+1 1", email: "bo@x.example"), siteId: nil)), companyId: 250, current: nil)
            let stored = try #require(await rig.emulator.contact(id: created.contactId))
            #expect(Set(stored.communicationItems.map(\.typeId)) == [31, 34])
            _ = try await rig.connection.contacts(companyId: 250, modifiedSince: nil)
            #expect(await rig.emulator.control.requestCounts()["GET /v4_6_release/apis/3.0/company/communicationTypes"] == 1)
        }
    }

    @Test("a contact edited in ConnectWise (admin endpoint) is read back with the edit")
    func editedInPSA() async throws {
        try await withConnectWise { rig in
            let id = await rig.emulator.contacts(companyId: 250)[5].id
            let patch = #"[{"op":"replace","path":"lastName","value":"Changed-In-PSA"},{"op":"replace","path":"/communicationItems/0/value","value":"psa.edit@contoso.example"}]"#
            let answer = try await rig.raw(.PATCH, "/admin/connectwise/contacts/\(id)", body: patch, authorized: false)
            #expect(answer.status == 200)
            let read = try #require(try await rig.connection.contact(companyId: 250, id: id))
            #expect(read.lastName == "Changed-In-PSA" && read.emails == ["psa.edit@contoso.example"])
            #expect(try await rig.connection.contact(companyId: 250, id: 1) == nil)
        }
    }

    @Test("email lookup with quotes and % finds exactly that contact; a % never widens the match")
    func emailLookup() async throws {
        var fixture = ConnectWiseFixture.synthetic(contactsPerCompany: 2)
        let emails = ["o'brien@contoso.com", "obrien@contoso.com", "100%@x.com", "1000@x.com", "100abc@x.com", #"say"hi"@x.com"#, #"back\slash@x.com"#]
        for (index, email) in emails.enumerated() {
            fixture.contacts.append(.init(id: 70_000 + index, companyId: 250, firstName: "E\(index)", communicationItems: [.init(typeId: 13, value: email, defaultFlag: true)]))
        }
        fixture.contacts.append(.init(id: 70_100, companyId: 251, firstName: "Other", communicationItems: [.init(typeId: 13, value: "100%@x.com", defaultFlag: true)]))
        fixture.companies.append(.init(id: 251, identifier: "Other", name: "Other"))
        try await withConnectWise(fixture) { rig in
            for (index, email) in emails.enumerated() {
                let found = try await rig.connection.contacts(companyId: 250, email: email.uppercased())
                #expect(found.map(\.id) == [70_000 + index], "lookup of \(email)")
            }
            let injection = try await rig.connection.contacts(companyId: 250, email: #"x" OR communicationItems/value like "%"#)
            #expect(injection.isEmpty)
            let wildcard = try await rig.connection.contacts(companyId: 250, email: "%")
            #expect(wildcard.isEmpty)
        }
    }

    @Test("refused keys are an authentication error that never shows the private key")
    func authentication() async throws {
        try await withConnectWise { rig in
            let wrong = rig.connection { $0.privateKey = "not-the-right-secret-99" }
            let error = await #expect(throws: PSAError.self) { try await wrong.sites(companyId: 250) }
            #expect(error?.kind == .authentication && error?.status == 401)
            #expect(error.map { !$0.message.contains("not-the-right-secret-99") } == true)
            let sites = try await rig.connection.sites(companyId: 250)
            #expect(sites.map(\.id) == [1000, 1001] && sites[0].isPrimary && sites.allSatisfy(\.isActive))
            let types = try await rig.connection.contactTypes()
            #expect(types.map(\.name) == ["End User", "Decision Maker", "Billing"])
        }
    }

    @Test("a create ConnectWise refuses is a rejected error naming the field")
    func rejected() async throws {
        try await withConnectWise { rig in
            let error = await #expect(throws: PSAError.self) {
                try await rig.connection.write(.create(NewContact(fields: ContactFields(lastName: "Nofirst"), siteId: nil)), companyId: 250, current: nil)
            }
            #expect(error?.kind == .rejected && error?.status == 400 && error?.message.contains("firstName") == true)
        }
    }

    @Test("429 with Retry-After and 500 on reads are retried and counted; retries run out as throttled")
    func retries() async throws {
        try await withConnectWise { rig in
            await rig.emulator.control.inject(Fault(.status(code: 429, retryAfter: "0", body: nil), pathContains: "company/contacts", count: 2))
            await rig.emulator.control.inject(Fault(.status(code: 500, retryAfter: nil, body: nil), pathContains: "company/contacts", count: 1, after: 0))
            let contacts = try await rig.connection.contacts(companyId: 250, modifiedSince: nil)
            #expect(contacts.count == 20)
            #expect(await rig.connection.requestCount() == 5)
            await rig.emulator.control.inject(Fault(.status(code: 429, retryAfter: "0", body: nil), pathContains: "company/contacts", count: nil))
            let error = await #expect(throws: PSAError.self) { try await rig.connection.contacts(companyId: 250, modifiedSince: nil) }
            #expect(error?.kind == .throttled && error?.retryable == true)
            #expect(await rig.connection.requestCount() == 5 + 4)
        }
    }

    @Test("a create whose connection drops is not repeated: it fails as a retryable transport error")
    func droppedCreate() async throws {
        try await withConnectWise { rig in
            _ = try await rig.connection.contactTypes()
            _ = try await rig.connection.contacts(companyId: 250, email: "warm-up@x.example")
            await rig.emulator.control.inject(Fault(.drop, pathContains: "company/contacts", count: 1))
            let new = NewContact(fields: ContactFields(firstName: "Once", email: "once@x.example"), siteId: nil)
            let error = await #expect(throws: PSAError.self) { try await rig.connection.write(.create(new), companyId: 250, current: nil) }
            #expect(error?.kind == .transport && error?.retryable == true)
            #expect(await rig.emulator.control.requestCounts()["POST /v4_6_release/apis/3.0/company/contacts"] == 1)
            await rig.emulator.control.inject(Fault(.drop, pathContains: "company/contacts", count: 1))
            await rig.emulator.control.inject(Fault(.delay(seconds: 0.05), pathContains: "company/contacts", count: 1))
            let read = try await rig.connection.contacts(companyId: 250, modifiedSince: nil)
            #expect(read.count == 20)
        }
    }

    @Test("a refused connection is tried once more (it never reached ConnectWise), then fails within seconds as a retryable transport error naming the server")
    func refusedConnection() async throws {
        // Port 1: nothing listens there, and no test server can be given it, unlike the port of a stopped emulator,
        // which a server started meanwhile by another test may get (and then receive this test's create).
        let credentials = ConnectWiseFixture.syntheticCredentials
        let connection = ConnectWiseConnection(
            configuration: ConnectWiseConfiguration(
                baseURL: "http://127.0.0.1:1" + ConnectWiseEmulator.apiRoot, company: credentials.company, publicKey: credentials.publicKey,
                privateKey: credentials.privateKey, clientId: "x", maxRetries: 2, retryBaseDelay: 0.001, requestTimeout: 0.3),
            logger: Logger(label: "test.connectwise"))
        let error = await #expect(throws: PSAError.self) {
            try await connection.write(.create(NewContact(fields: ContactFields(firstName: "N"), siteId: nil)), companyId: 250, current: nil)
        }
        #expect(error?.kind == .transport && error?.retryable == true && error?.message.contains(credentials.privateKey) == false)
        #expect(error?.message.contains("127.0.0.1:1 (connection refused)") == true)
        #expect(await connection.requestCount() == 2)
    }

    @Test("a server answer wider than the e-mail asked for is filtered client-side")
    func widenedAnswerFiltered() async throws {
        try await withConnectWise { rig in
            func item(_ value: String) -> String {
                #"{"id":\#(value.count),"type":{"id":13,"name":"Individual Professional"},"value":"\#(value)","defaultFlag":true,"communicationType":"Email"}"#
            }
            let widened = "[" + [(1, 250, "100%@x.com"), (2, 250, "1000@x.com"), (3, 999, "100%@x.com")].map { id, company, email in
                #"{"id":\#(id),"firstName":"W\#(id)","company":{"id":\#(company)},"communicationItems":[\#(item(email))]}"#
            }.joined(separator: ",") + "]"
            await rig.emulator.control.inject(Fault(.status(code: 200, retryAfter: nil, body: widened), pathContains: "company/contacts", count: 1))
            let found = try await rig.connection.contacts(companyId: 250, email: "100%@x.com")
            #expect(found.map(\.id) == [1])
        }
    }
}
