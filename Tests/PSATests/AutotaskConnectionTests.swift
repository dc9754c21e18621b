// AutotaskConnection over real HTTP against the Autotask emulator on loopback.

import Autotask
import ContactSync
import Emulators
import Foundation
import Testing

private let company = 29_683_616
private let headquarters = 296_836_161
private let site2 = 296_836_162

@Suite("Autotask connection")
struct AutotaskConnectionTests {
    @Test("reads 2,400 contacts across 500-item pages")
    func readsAcrossPages() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 2_400))
        defer { Task { await harness.stop() } }
        let contacts = try await harness.connection.contacts(companyId: company, modifiedSince: nil)
        #expect(contacts.count == 2_400)
        #expect(Set(contacts.map(\.id)).count == 2_400)
        #expect(contacts.allSatisfy { $0.companyId == company && $0.isActive && $0.typeIds.isEmpty })
        let first = try #require(contacts.first { $0.id == 30_000_001 })
        #expect(first.emails == ["user1@contoso.example"] && first.firstName == "First1" && first.siteId == headquarters)
        let counts = await harness.emulator.control.requestCounts()
        #expect(counts["POST /ATServicesRest/V1.0/Contacts/query"] == 5)
    }

    @Test("discovers the zone with zoneInformation when no URL is configured")
    func zoneDiscovery() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3), discover: true)
        defer { Task { await harness.stop() } }
        #expect(try await harness.connection.contacts(companyId: company, modifiedSince: nil).count == 3)
        #expect(try await harness.connection.sites(companyId: company).count == 2)
        let counts = await harness.emulator.control.requestCounts()
        #expect(counts["GET /atservicesrest/v1.0/zoneInformation"] == 1)
    }

    @Test("an incremental read returns exactly the contacts edited since")
    func incrementalRead() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 700))
        defer { Task { await harness.stop() } }
        try await Task.sleep(for: .milliseconds(5))
        let since = Date()
        try await Task.sleep(for: .milliseconds(5))
        let edited = [30_000_002, 30_000_350, 30_000_699]
        for id in edited { try await harness.emulator.editContact(id: id, ["title": "Changed"]) }
        let changed = try await harness.connection.contacts(companyId: company, modifiedSince: since)
        #expect(changed.map(\.id).sorted() == edited)
        #expect(changed.allSatisfy { $0.title == "Changed" && ($0.lastModified ?? .distantPast) >= since })
    }

    @Test("creates, updates, deactivates, reactivates and moves a contact, each one PSA write")
    func writes() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 2))
        defer { Task { await harness.stop() } }
        let connection = harness.connection
        let new = NewContact(fields: ContactFields(firstName: "Ada", lastName: "Lovelace", title: "Analyst",
                                                   phone: "+1 555 0100", mobile: "+1 555 0101", email: "ada@contoso.example"),
                             siteId: headquarters)
        let created = try await connection.write(.create(new), companyId: company, current: nil)
        #expect(created.status == 200)
        #expect(created.contact.emails == ["ada@contoso.example"] && created.contact.isActive && created.contact.siteId == headquarters)
        let stored = try #require(try await connection.contact(companyId: company, id: created.contactId))
        #expect(stored.firstName == "Ada" && stored.lastName == "Lovelace" && stored.title == "Analyst")
        #expect(stored.phone == "+1 555 0100" && stored.mobile == "+1 555 0101" && stored.isActive)
        #expect(stored.emails == created.contact.emails && stored.siteId == headquarters)

        let renamed = try await connection.write(
            .update(contactId: created.contactId, ContactUpdate(fields: ContactFields(title: "Lead Analyst", email: "ada.l@contoso.example"))),
            companyId: company, current: stored)
        #expect(renamed.contact.title == "Lead Analyst" && renamed.contact.emails == ["ada.l@contoso.example"])
        let deactivated = try await connection.write(
            .update(contactId: created.contactId, ContactUpdate(isActive: false)), companyId: company, current: renamed.contact)
        #expect(!deactivated.contact.isActive)
        #expect(try await connection.contact(companyId: company, id: created.contactId)?.isActive == false)
        #expect(await harness.emulator.contacts(companyId: company).first { $0.id == created.contactId }?.isActive == 0)
        let reactivated = try await connection.write(
            .update(contactId: created.contactId, ContactUpdate(isActive: true)), companyId: company, current: deactivated.contact)
        #expect(reactivated.contact.isActive)
        let moved = try await connection.write(
            .update(contactId: created.contactId, ContactUpdate(siteId: site2)), companyId: company, current: reactivated.contact)
        #expect(moved.contact.siteId == site2)
        let final = try #require(try await connection.contact(companyId: company, id: created.contactId))
        #expect(final.siteId == site2 && final.isActive && final.title == "Lead Analyst" && final.emails == ["ada.l@contoso.example"])
        #expect(final == { var expected = moved.contact; expected.lastModified = final.lastModified; return expected }())
        #expect(await harness.emulator.writeCount() == 5)
        let counts = await harness.emulator.control.requestCounts()
        #expect(counts["PATCH /ATServicesRest/V1.0/Companies/\(company)/Contacts"] == 4)
        #expect(counts["POST /ATServicesRest/V1.0/Companies/\(company)/Contacts"] == 1)
    }

    @Test("k updates make exactly k PSA writes", arguments: [1, 7, 25])
    func kUpdates(k: Int) async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 30))
        defer { Task { await harness.stop() } }
        let contacts = try await harness.connection.contacts(companyId: company, modifiedSince: nil)
        for contact in contacts.prefix(k) {
            _ = try await harness.connection.write(
                .update(contactId: contact.id, ContactUpdate(fields: ContactFields(title: "Title \(contact.id)"))),
                companyId: company, current: contact)
        }
        #expect(await harness.emulator.writeCount() == k)
        let titled = await harness.emulator.contacts(companyId: company).filter { $0.title == "Title \($0.id)" }
        #expect(titled.count == k)
    }

    @Test("a contact edited in Autotask is read back with the edit")
    func psaEditReadBack() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 5))
        defer { Task { await harness.stop() } }
        try await harness.emulator.editContact(id: 30_000_003, [
            "firstName": "Grace", "mobilePhone": "+1 555 0199", "emailAddress2": "grace@other.example", "isActive": 0,
            "companyLocationID": .int(site2),
        ])
        let read = try #require(try await harness.connection.contact(companyId: company, id: 30_000_003))
        #expect(read.firstName == "Grace" && read.mobile == "+1 555 0199" && !read.isActive && read.siteId == site2)
        #expect(read.emails == ["user3@contoso.example", "grace@other.example"])
        let all = try await harness.connection.contacts(companyId: company, modifiedSince: nil)
        #expect(all.first { $0.id == 30_000_003 } == read)
        #expect(try await harness.connection.contact(companyId: company, id: 1) == nil)
    }

    @Test("lookup by email finds exactly that contact in emailAddress, emailAddress2 or emailAddress3")
    func emailLookup() async throws {
        var fixture = AutotaskHarness.fixture(contacts: 4)
        fixture.contacts[1].emailAddress2 = "shared.alias@contoso.example"
        fixture.contacts[2].emailAddress3 = "Third@Contoso.example"
        fixture.contacts.append(.init(id: 40_000_001, companyID: 555, firstName: "Other", lastName: "Company",
                                      emailAddress: "user1@contoso.example"))
        let harness = try await AutotaskHarness.start(fixture)
        defer { Task { await harness.stop() } }
        let connection = harness.connection
        #expect(try await connection.contacts(companyId: company, email: "user1@contoso.example").map(\.id) == [30_000_001])
        #expect(try await connection.contacts(companyId: company, email: " Shared.Alias@contoso.example ").map(\.id) == [30_000_002])
        #expect(try await connection.contacts(companyId: company, email: "third@contoso.example").map(\.id) == [30_000_003])
        #expect(try await connection.contacts(companyId: company, email: "nobody@contoso.example").isEmpty)
        #expect(try await connection.contacts(companyId: 555, email: "user1@contoso.example").map(\.id) == [40_000_001])
    }

    @Test("sites, contact types and field lengths come from Autotask")
    func metadata() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1))
        defer { Task { await harness.stop() } }
        let sites = try await harness.connection.sites(companyId: company)
        #expect(sites.map(\.id) == [headquarters, site2])
        #expect(sites.map(\.isPrimary) == [true, false] && sites[0].name == "Headquarters")
        #expect(try await harness.connection.contactTypes().isEmpty)
        #expect(try await harness.connection.fieldLimits() == PSAFieldLimits(firstName: 50, lastName: 50, title: 50, phone: 25, mobile: 25, email: 254))
        _ = try await harness.connection.fieldLimits()
        #expect(await harness.emulator.control.requestCounts()["GET /ATServicesRest/V1.0/Contacts/entityInformation/fields"] == 1)
    }

    @Test("429 and the thread-threshold error are retried with backoff, and each retry is logged")
    func throttlingRetried() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3))
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(AutotaskEmulator.throttleFault(retryAfter: "0.01", pathContains: "/Contacts/query"))
        await harness.emulator.control.inject(AutotaskEmulator.threadThresholdFault(pathContains: "/Contacts/query"))
        #expect(try await harness.connection.contacts(companyId: company, modifiedSince: nil).count == 3)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0/Contacts/query"] == 3)
        let retries = harness.log.all.filter { $0.contains("retrying Autotask request") }
        #expect(retries.count == 2)
        #expect(retries.contains { $0.contains("thread limit") } && retries.contains { $0.contains("429") })

        await harness.emulator.control.inject(AutotaskEmulator.throttleFault(pathContains: "/Contacts/query", count: nil))
        let error = await #expect(throws: PSAError.self) { try await harness.connection.contacts(companyId: company, modifiedSince: nil) }
        #expect(error?.kind == .throttled && error?.retryable == true)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0/Contacts/query"] == 3 + 4)
    }

    @Test("a create whose connection drops is not sent again; an update is")
    func inDoubtWrites() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1))
        defer { Task { await harness.stop() } }
        let path = "/Companies/\(company)/Contacts"
        await harness.emulator.control.inject(Fault(.drop, pathContains: path))
        let new = NewContact(fields: ContactFields(firstName: "In", lastName: "Doubt", email: "doubt@contoso.example"), siteId: nil)
        let error = await #expect(throws: PSAError.self) { try await harness.connection.write(.create(new), companyId: company, current: nil) }
        #expect(error?.kind == .transport && error?.retryable == true)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0\(path)"] == 1)
        #expect(await harness.emulator.contacts(companyId: company).count == 1)

        await harness.emulator.control.inject(Fault(.drop, pathContains: path))
        let current = try #require(try await harness.connection.contact(companyId: company, id: 30_000_001))
        let updated = try await harness.connection.write(
            .update(contactId: current.id, ContactUpdate(fields: ContactFields(lastName: "Again"))), companyId: company, current: current)
        #expect(updated.contact.lastName == "Again")
        #expect(await harness.emulator.control.requestCounts()["PATCH /ATServicesRest/V1.0\(path)"] == 2)
        #expect(await harness.emulator.contacts(companyId: company).first?.lastName == "Again")
    }

    @Test("Autotask's {errors} with HTTP 500 and refused credentials become typed errors without the secret")
    func typedErrors() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1))
        defer { Task { await harness.stop() } }
        let long = String(repeating: "x", count: 60)
        let rejected = await #expect(throws: PSAError.self) {
            try await harness.connection.write(
                .update(contactId: 30_000_001, ContactUpdate(fields: ContactFields(title: long))), companyId: company, current: nil)
        }
        #expect(rejected?.kind == .rejected && rejected?.status == 500 && rejected?.retryable == false)
        #expect(rejected?.message.contains("title") == true)
        #expect(await harness.emulator.control.requestCounts()["PATCH /ATServicesRest/V1.0/Companies/\(company)/Contacts"] == 1)

        let missing = await #expect(throws: PSAError.self) {
            try await harness.connection.write(
                .update(contactId: 99, ContactUpdate(fields: ContactFields(title: "T"))), companyId: company, current: nil)
        }
        #expect(missing?.kind == .notFound)

        let wrong = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1), secret: "Wrong-Secret-123")
        defer { Task { await wrong.stop() } }
        let refused = await #expect(throws: PSAError.self) { try await wrong.connection.contacts(companyId: company, modifiedSince: nil) }
        #expect(refused?.kind == .authentication && refused?.status == 401)
        #expect(refused?.message.contains("Wrong-Secret-123") == false)
        #expect(!(wrong.log.all + harness.log.all).contains { $0.contains("Wrong-Secret-123") || $0.contains(AutotaskHarness.credentials.secret) })
    }

    @Test("at most 3 requests are in flight per endpoint")
    func threadGate() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 12))
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(Fault(.delay(seconds: 0.3), pathContains: "/Contacts/", count: 12))
        let connection = harness.connection
        let read = try await withThrowingTaskGroup(of: PSAContact?.self) { group in
            for id in 30_000_001...30_000_012 { group.addTask { try await connection.contact(companyId: company, id: id) } }
            return try await group.reduce(into: 0) { count, contact in count += contact == nil ? 0 : 1 }
        }
        #expect(read == 12)
        #expect(await harness.emulator.maxRequestsInFlight() == 3)
        #expect(!harness.log.all.contains { $0.contains("retrying") })
    }

    @Test("the hourly budget is read once a run, by its first write (reads never read it), and a run that would exceed it stops and says when to resume")
    func budget() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3, threshold: 10_000, used: 9_980))
        defer { Task { await harness.stop() } }
        let connection = harness.connection
        await connection.beginRun()
        for _ in 0..<5 { _ = try await connection.contact(companyId: company, id: 30_000_001) }
        var counts = await harness.emulator.control.requestCounts()
        #expect(counts["GET /ATServicesRest/V1.0/ThresholdInformation"] == nil, "reads do not read the budget")
        var made = 0
        var stop: PSAError?
        while made < 30 {
            do {
                let fields = ContactFields(firstName: "New", lastName: "Hire \(made)", email: "new.hire\(made)@contoso.example")
                _ = try await connection.write(.create(NewContact(fields: fields, siteId: nil)), companyId: company, current: nil)
                made += 1
            } catch let error as PSAError {
                stop = error
                break
            }
        }
        // 9,980 used by others and 5 reads; the first write reads the threshold (9,986 used) and 14 writes follow:
        // the 15th would be the 10,001st.
        #expect(made == 14)
        #expect(stop?.kind == .budgetExhausted && stop?.retryAfter != nil)
        #expect(stop?.message.contains("Resume after") == true)
        counts = await harness.emulator.control.requestCounts()
        #expect(counts["GET /ATServicesRest/V1.0/ThresholdInformation"] == 1)
        #expect(counts["POST /ATServicesRest/V1.0/Companies/\(company)/Contacts"] == 14)

        await harness.emulator.setThreshold(limit: 10_000, usedBeforeStart: 0)
        await connection.beginRun()
        let fields = ContactFields(firstName: "Next", lastName: "Run", email: "next.run@contoso.example")
        _ = try await connection.write(.create(NewContact(fields: fields, siteId: nil)), companyId: company, current: nil)
        #expect(await harness.emulator.control.requestCounts()["GET /ATServicesRest/V1.0/ThresholdInformation"] == 2)
    }

    @Test("a slow answer past the timeout leaves a create in doubt, unsent again, while a read is retried")
    func timeouts() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1), timeout: .seconds(1))
        defer { Task { await harness.stop() } }
        let path = "/Companies/\(company)/Contacts"
        await harness.emulator.control.inject(Fault(.delay(seconds: 3), pathContains: path))
        let new = NewContact(fields: ContactFields(firstName: "Slow", lastName: "Answer", email: "slow@contoso.example"), siteId: nil)
        let error = await #expect(throws: PSAError.self) { try await harness.connection.write(.create(new), companyId: company, current: nil) }
        #expect(error?.kind == .transport && error?.retryable == true)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0\(path)"] == 1)
        // The slow create did land: the engine resolves it by email lookup, which finds exactly one contact.
        await harness.emulator.control.delayedRequestsLanded()
        #expect(await harness.emulator.contacts(companyId: company).count == 2)
        #expect(try await harness.connection.contacts(companyId: company, email: "slow@contoso.example").count == 1)

        await harness.emulator.control.inject(Fault(.delay(seconds: 3), pathContains: "/Contacts/30000001"))
        #expect(try await harness.connection.contact(companyId: company, id: 30_000_001) != nil)
        // The slow read and at least one retry (on a loaded machine a retry may time out too; retries stay bounded).
        let reads = await harness.emulator.control.requestCounts()["GET /ATServicesRest/V1.0/Contacts/30000001"] ?? 0
        #expect(reads >= 2 && reads <= 5)
    }

    @Test("a 5xx without Autotask errors is retried for reads and not for creates")
    func serverFailures() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1))
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(Fault(.status(code: 503, retryAfter: nil, body: "Service Unavailable"), pathContains: "/Contacts/query"))
        #expect(try await harness.connection.contacts(companyId: company, modifiedSince: nil).count == 1)
        await harness.emulator.control.inject(Fault(.status(code: 502, retryAfter: nil, body: "Bad Gateway"), pathContains: "/Companies/"))
        let new = NewContact(fields: ContactFields(firstName: "Gate", lastName: "Way"), siteId: nil)
        let error = await #expect(throws: PSAError.self) { try await harness.connection.write(.create(new), companyId: company, current: nil) }
        #expect(error?.kind == .server && error?.status == 502 && error?.retryable == true)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0/Companies/\(company)/Contacts"] == 1)
    }

    @Test("the configuration never prints its secret")
    func configurationRedactsSecret() {
        let configuration = AutotaskConfiguration(username: "api@msp.example", secret: "Hidden-Value-42", integrationCode: "CODE")
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!"\(configuration)".contains("Hidden-Value-42") && !dumped.contains("Hidden-Value-42"))
        #expect("\(configuration)".contains("api@msp.example") && dumped.contains("CODE"))
    }
}
