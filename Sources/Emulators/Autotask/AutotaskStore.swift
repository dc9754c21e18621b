// The Autotask emulator's data: companies, locations and contacts, and the rules Autotask applies to writes.

import Foundation

/// An answer the store gives: an HTTP status and an optional JSON body.
struct AutotaskReply: Sendable {
    var status: Int
    var body: AutotaskJSON?

    static func ok(_ body: AutotaskJSON) -> AutotaskReply { AutotaskReply(status: 200, body: body) }

    /// Autotask's error shape, `{"errors": [...]}`, usually with HTTP 500 (reference §1.8).
    static func errors(_ messages: [String], status: Int = 500) -> AutotaskReply {
        AutotaskReply(status: status, body: .object(["errors": .array(messages.map { .string($0) })]))
    }
}

/// The emulator's state; every change to a contact bumps its `lastModifiedDate`.
actor AutotaskStore {
    let credentials: AutotaskFixture.Credentials
    private(set) var companies: [Int: AutotaskFixture.Company] = [:]
    private var locations: [Int: [String: AutotaskJSON]] = [:]
    private var contacts: [Int: [String: AutotaskJSON]] = [:]
    private var nextContactId: Int
    private var lastStamp = Date.distantPast
    var baseURL = "http://127.0.0.1"
    var threshold: Int
    /// Requests other integrations use: before this emulator's own when there is no window, or a steady load in every
    /// window when there is one.
    var usedBeforeStart: Int
    /// The rolling window requests are counted in (Autotask's hour; shortened for drills), or `nil` to count every
    /// request since the start.
    var window: TimeInterval?
    /// The emulator's clock (injectable, so tests and drills need not wait an hour).
    var clock: @Sendable () -> Date = { Date() }
    /// When each counted request came, oldest first (only the window's, when there is one).
    private var counted: [Date] = []
    private var countedTotal = 0
    private var inFlight: [String: Int] = [:]
    private(set) var maxInFlight = 0

    init(fixture: AutotaskFixture) {
        credentials = fixture.credentials
        threshold = fixture.requestThreshold ?? 10_000
        usedBeforeStart = fixture.requestsUsedBeforeStart ?? 0
        nextContactId = (fixture.contacts.map(\.id).max() ?? 30_684_046) + 1
        let start = Date()
        var companies: [Int: AutotaskFixture.Company] = [:]
        var locations: [Int: [String: AutotaskJSON]] = [:]
        for company in fixture.companies {
            companies[company.id] = company
            for location in company.locations ?? [] {
                locations[location.id] = Self.locationRecord(location, companyID: company.id)
            }
        }
        self.companies = companies
        self.locations = locations
        self.contacts = Dictionary(fixture.contacts.map { ($0.id, Self.contactRecord($0, now: start)) }) { $1 }
    }

    // MARK: Thread limit

    /// Takes one of the three threads of an endpoint, or answers `false` when all are busy.
    func enter(_ endpoint: String, limit: Int) -> Bool {
        let busy = inFlight[endpoint, default: 0]
        guard busy < limit else { return false }
        inFlight[endpoint] = busy + 1
        maxInFlight = max(maxInFlight, busy + 1)
        return true
    }

    func leave(_ endpoint: String) { inFlight[endpoint, default: 1] -= 1 }

    func setBaseURL(_ url: String) { baseURL = url }

    func setThreshold(limit: Int, usedBeforeStart used: Int, window: TimeInterval? = nil) {
        threshold = limit
        usedBeforeStart = used
        self.window = window.flatMap { $0 > 0 ? $0 : nil }
    }

    func setClock(_ clock: @escaping @Sendable () -> Date) { self.clock = clock }

    /// The window as `ThresholdInformation` reports it, in whole minutes (an hour when there is no window).
    var timeframeMinutes: Int { window.map { max(1, Int(($0 / 60).rounded(.up))) } ?? 60 }

    /// Counts one authenticated API request (as Autotask counts `ThresholdInformation` too) and answers the database's
    /// total in the current window, this request included.
    func countRequest() -> Int {
        countedTotal += 1
        guard let window else { return usedBeforeStart &+ countedTotal }
        let now = clock()
        counted.append(now)
        let cutoff = now.addingTimeInterval(-window)
        if let keep = counted.firstIndex(where: { $0 > cutoff }), keep > 0 { counted.removeFirst(keep) }
        return usedBeforeStart &+ counted.count
    }

    // MARK: Reads

    func companyExists(_ id: Int) -> Bool { companies[id] != nil }

    func company(_ id: Int) -> AutotaskFixture.Company? { companies[id] }

    /// Every company as the API serves it, by id.
    func allCompanies() -> [[String: AutotaskJSON]] { companies.keys.sorted().map { Self.companyRecord(companies[$0]!) } }

    /// A company as the API serves it.
    static func companyRecord(_ company: AutotaskFixture.Company) -> [String: AutotaskJSON] {
        ["id": .int(company.id), "companyName": .string(company.name), "companyType": .int(1), "isActive": .bool(true), "phone": .string("")]
    }

    func contact(id: Int) -> [String: AutotaskJSON]? { contacts[id] }

    func allContacts() -> [[String: AutotaskJSON]] { contacts.keys.sorted().compactMap { contacts[$0] } }

    func allLocations() -> [[String: AutotaskJSON]] { locations.keys.sorted().compactMap { locations[$0] } }

    func location(id: Int) -> [String: AutotaskJSON]? { locations[id] }

    /// A snapshot of one company's contacts in fixture form.
    func fixtureContacts(companyId: Int) -> [AutotaskFixture.Contact] {
        allContacts().filter { $0["companyID"]?.intValue == companyId }.map(Self.fixtureContact)
    }

    // MARK: Writes through the API

    /// `POST Companies/{id}/Contacts`: a new contact with the given fields; answers `{"itemId": N}`.
    func create(companyId: Int, body: AutotaskJSON) -> AutotaskReply {
        guard companies[companyId] != nil else { return AutotaskReply(status: 404, body: nil) }
        guard case .object(let members) = body else { return .errors(["The request body could not be read as a Contact."]) }
        var record = Self.blankContact(now: stamp())
        if let problem = apply(members, to: &record, companyId: companyId, replacing: false) { return problem }
        if let given = members.first(where: { $0.key.lowercased() == "companyid" })?.value.intValue, given != companyId {
            return .errors(["companyID \(given) in the body does not match the parent company \(companyId)."])
        }
        record["companyID"] = .int(companyId)
        // Assumed wording: the reference gives the required fields (companyID, firstName, lastName, isActive), not the message.
        for required in ["firstName", "lastName"] where (record[required]?.stringValue ?? "").isEmpty {
            return .errors(["\(required) is a required field and cannot be empty."])
        }
        if members.keys.contains(where: { $0.lowercased() == "isactive" }) == false {
            return .errors(["isActive is a required field and cannot be empty."])
        }
        let id = nextContactId
        nextContactId += 1
        record["id"] = .int(id)
        contacts[id] = record
        return .ok(.object(["itemId": .int(id)]))
    }

    /// `PATCH` (only the fields given) or `PUT` (missing fields cleared) on `Companies/{id}/Contacts`, id in the body.
    func update(companyId: Int, body: AutotaskJSON, replacing: Bool) -> AutotaskReply {
        guard companies[companyId] != nil else { return AutotaskReply(status: 404, body: nil) }
        guard case .object(let members) = body else { return .errors(["The request body could not be read as a Contact."]) }
        guard let id = body.member("id")?.intValue else { return .errors(["id is required to update a Contact."]) }
        guard var record = contacts[id], record["companyID"]?.intValue == companyId else {
            return .errors(["Contact \(id) does not exist in company \(companyId)."], status: 404)
        }
        if let given = members.first(where: { $0.key.lowercased() == "companyid" })?.value.intValue, given != companyId {
            // "Once created, you cannot move a contact to a different organization" (reference §1.5).
            return .errors(["companyID cannot be changed once a Contact is created."])
        }
        if replacing {
            var blank = Self.blankContact(now: stamp())
            for key in ["id", "companyID", "createDate", "impersonatorCreatorResourceID"] { blank[key] = record[key] }
            record = blank
        }
        if let problem = apply(members, to: &record, companyId: companyId, replacing: replacing) { return problem }
        for required in ["firstName", "lastName"] where (record[required]?.stringValue ?? "").isEmpty {
            return .errors(["\(required) is a required field and cannot be empty."])
        }
        record["lastModifiedDate"] = .string(AutotaskClock.format(stamp()))
        contacts[id] = record
        return .ok(.object(["itemId": .int(id)]))
    }

    /// `DELETE Companies/{id}/Contacts/{contactId}`.
    func delete(companyId: Int, id: Int) -> AutotaskReply {
        guard let record = contacts[id], record["companyID"]?.intValue == companyId else { return AutotaskReply(status: 404, body: nil) }
        contacts[id] = nil
        return .ok(.object(["itemId": .int(id)]))
    }

    /// Copies writable fields from a request body into a record, checking types, lengths and references.
    private func apply(
        _ members: [String: AutotaskJSON], to record: inout [String: AutotaskJSON], companyId: Int, replacing: Bool
    ) -> AutotaskReply? {
        for (key, value) in members {
            guard let field = AutotaskEntitySchema.contact.field(key) else { continue }  // unknown members are ignored
            if field.isReadOnly || field.name == "companyID" { continue }
            switch (field.type, value) {
            case (_, .null):
                record[field.name] = .null
            case (.integer, .bool(let flag)):
                // What Json.NET says when a boolean arrives for an int (reference: isActive sent as true → 500).
                return .errors(["Unexpected character encountered while parsing value: \(flag ? "t" : "f")"])
            case (.integer, _):
                guard let number = value.intValue ?? value.stringValue.flatMap({ Int($0) }) else {
                    return .errors(["Could not convert value to integer for field \(field.name)."])
                }
                if field.name == "isActive", number != 0, number != 1 {
                    return .errors(["isActive must be 0 or 1."])
                }
                record[field.name] = .int(number)
            case (.string, .string(let text)):
                if field.length > 0, text.count > field.length {
                    // Assumed wording: the reference gives the lengths and the 500 `errors` shape, not this text.
                    return .errors(["The value of field \(field.name) is \(text.count) characters long; the maximum is \(field.length)."])
                }
                record[field.name] = value
            case (.string, .int(let number)):
                record[field.name] = .string(String(number))
            case (.boolean, .bool):
                record[field.name] = value
            case (.udfs, .array):
                record[field.name] = value
            default:
                return .errors(["The value given for field \(field.name) has the wrong type."])
            }
        }
        if let location = record["companyLocationID"]?.intValue {
            guard locations[location]?["companyID"]?.intValue == companyId else {
                return .errors(["Reference value on field: companyLocationID of type: CompanyLocation does not exist or is invalid."])
            }
        }
        return nil
    }

    // MARK: Changes behind Rollcall's back

    /// Sets fields of a contact as a technician would in Autotask, bumping `lastModifiedDate`.
    func edit(id: Int, changes: [String: AutotaskJSON]) throws -> [String: AutotaskJSON] {
        guard var record = contacts[id] else { throw EmulatorError("the Autotask emulator has no contact \(id)") }
        for (key, value) in changes {
            guard let field = AutotaskEntitySchema.contact.field(key), field.name != "id" else {
                throw EmulatorError("Autotask contacts have no field \(key)")
            }
            record[field.name] = value
        }
        record["lastModifiedDate"] = .string(AutotaskClock.format(stamp()))
        contacts[id] = record
        return record
    }

    /// Adds a contact as if someone made it in Autotask; a zero or taken id gets the next free one.
    func add(_ contact: AutotaskFixture.Contact) -> Int {
        var contact = contact
        if contact.id <= 0 || contacts[contact.id] != nil {
            contact.id = nextContactId
        }
        nextContactId = max(nextContactId, contact.id + 1)
        var record = Self.contactRecord(contact, now: stamp())
        record["lastModifiedDate"] = .string(AutotaskClock.format(stamp()))
        contacts[contact.id] = record
        return contact.id
    }

    /// A strictly increasing clock in whole milliseconds, so "modified since" never ties between two edits.
    private func stamp() -> Date {
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        lastStamp = now > lastStamp ? now : lastStamp.addingTimeInterval(0.001)
        return lastStamp
    }

    // MARK: Records

    static func blankContact(now: Date) -> [String: AutotaskJSON] {
        var record: [String: AutotaskJSON] = [:]
        for field in AutotaskEntitySchema.contact.fields {
            switch field.type {
            case .string: record[field.name] = .string("")
            case .integer, .datetime: record[field.name] = .null
            case .boolean: record[field.name] = .bool(false)
            case .udfs: record[field.name] = .array([])
            }
        }
        for key in ["emailAddress", "emailAddress2", "emailAddress3"] { record[key] = .null }
        record["receivesEmailNotifications"] = .bool(true)
        record["isActive"] = .int(1)
        let stamp = AutotaskJSON.string(AutotaskClock.format(now))
        record["createDate"] = stamp
        record["lastActivityDate"] = stamp
        record["lastModifiedDate"] = stamp
        return record
    }

    static func contactRecord(_ contact: AutotaskFixture.Contact, now: Date) -> [String: AutotaskJSON] {
        var record = blankContact(now: now)
        func set(_ key: String, _ value: String?) { if let value { record[key] = .string(value) } }
        record["id"] = .int(contact.id)
        record["companyID"] = .int(contact.companyID)
        set("firstName", contact.firstName)
        set("lastName", contact.lastName)
        set("title", contact.title)
        set("phone", contact.phone)
        set("mobilePhone", contact.mobilePhone)
        set("emailAddress", contact.emailAddress)
        set("emailAddress2", contact.emailAddress2)
        set("emailAddress3", contact.emailAddress3)
        set("externalID", contact.externalID)
        record["isActive"] = .int(contact.isActive ?? 1)
        record["companyLocationID"] = contact.companyLocationID.map { .int($0) } ?? .null
        if let modified = contact.lastModifiedDate.flatMap(AutotaskClock.parse) {
            record["lastModifiedDate"] = .string(AutotaskClock.format(modified))
        }
        return record
    }

    static func fixtureContact(_ record: [String: AutotaskJSON]) -> AutotaskFixture.Contact {
        func text(_ key: String) -> String? {
            guard let value = record[key]?.stringValue, !value.isEmpty else { return nil }
            return value
        }
        return AutotaskFixture.Contact(
            id: record["id"]?.intValue ?? 0, companyID: record["companyID"]?.intValue ?? 0,
            firstName: record["firstName"]?.stringValue ?? "", lastName: record["lastName"]?.stringValue ?? "",
            title: text("title"), phone: text("phone"), mobilePhone: text("mobilePhone"), emailAddress: text("emailAddress"),
            emailAddress2: text("emailAddress2"), emailAddress3: text("emailAddress3"),
            isActive: record["isActive"]?.intValue ?? 1, companyLocationID: record["companyLocationID"]?.intValue,
            externalID: text("externalID"), lastModifiedDate: record["lastModifiedDate"]?.stringValue)
    }

    static func locationRecord(_ location: AutotaskFixture.Location, companyID: Int) -> [String: AutotaskJSON] {
        [
            "id": .int(location.id), "address1": "", "address2": "", "alternatePhone1": "", "alternatePhone2": "",
            "city": .string(location.city ?? ""), "companyID": .int(companyID), "countryID": .null, "description": "",
            "fax": "", "isActive": .bool(location.isActive ?? true), "isPrimary": .bool(location.isPrimary ?? false),
            "isTaxExempt": false, "overrideAccountTaxSettings": false, "name": .string(location.name), "phone": "",
            "postalCode": "", "roundtripDistance": .double(0), "state": "", "taxRegionID": .null, "userDefinedFields": .array([]),
        ]
    }
}
