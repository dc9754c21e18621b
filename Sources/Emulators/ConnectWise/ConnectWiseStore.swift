// The ConnectWise emulator's state: contacts, type associations and id counters, and how they render as JSON.

import Foundation

/// A ConnectWise-shaped failure: status plus the `{code, message, errors[]}` body.
struct CWFailure: Error {
    var status: Int
    var body: CWValue

    /// `400 InvalidObject` with field errors, as the reference's `error_400_invalidobject_*` samples.
    static func invalid(_ resource: String, _ errors: [(code: String, message: String, field: String)]) -> CWFailure {
        CWFailure(status: 400, body: .object([
            "code": .string("InvalidObject"), "message": .string("\(resource) object is invalid"),
            "errors": .array(errors.map { .object(["code": .string($0.code), "message": .string($0.message), "resource": .string(resource), "field": .string($0.field)]) }),
        ]))
    }

    /// `{code, message}` with a status.
    static func plain(_ status: Int, _ code: String, _ message: String) -> CWFailure {
        CWFailure(status: status, body: .object(["code": .string(code), "message": .string(message)]))
    }

    static func contactNotFound(_ id: Int) -> CWFailure { plain(404, "NotFound", "Contact \(id) not found") }

    static func itemNotFound(_ id: Int) -> CWFailure { plain(404, "NotFound", "ContactCommunication \(id) not found") }
}

/// Everything the emulator knows, behind one actor.
actor ConnectWiseStore {
    private(set) var fixture: ConnectWiseFixture
    private var contacts: [Int: ConnectWiseFixture.Contact] = [:] {
        didSet { rendered.removeAll(keepingCapacity: true) }
    }
    /// Rendered records by id, dropped whenever a contact changes (lists of thousands are asked for page by page).
    private var rendered: [Int: CWValue] = [:]
    private var associationIds: [Int: [Int: Int]] = [:]
    private var nextContactId: Int
    private var nextItemId: Int
    private var nextAssociationId = 1
    /// The public base URL (`http://127.0.0.1:PORT/v4_6_release/apis/3.0`) for `_info` hrefs and `Link` headers.
    var apiBase = "http://127.0.0.1/v4_6_release/apis/3.0"

    init(fixture: ConnectWiseFixture) {
        self.fixture = fixture
        var nextItem = (fixture.contacts.flatMap { $0.communicationItems.compactMap(\.id) }.max() ?? 10_000) + 1
        var loaded: [Int: ConnectWiseFixture.Contact] = [:]
        for var contact in fixture.contacts {
            for index in contact.communicationItems.indices where contact.communicationItems[index].id == nil {
                contact.communicationItems[index].id = nextItem
                nextItem += 1
            }
            loaded[contact.id] = contact
        }
        contacts = loaded
        nextItemId = nextItem
        nextContactId = (fixture.contacts.map(\.id).max() ?? 1000) + 1
    }

    func setBase(_ base: String) {
        apiBase = base
        rendered.removeAll()
    }

    // MARK: Lookups

    func contact(_ id: Int) -> ConnectWiseFixture.Contact? { contacts[id] }

    func allContacts() -> [ConnectWiseFixture.Contact] { contacts.values.sorted { $0.id < $1.id } }

    /// Every contact (of one company, when given) rendered as the API returns it, by id.
    func renderedContacts(companyId: Int? = nil) -> [CWValue] {
        allContacts().filter { companyId == nil || $0.companyId == companyId }.map { contact in
            if let cached = rendered[contact.id] { return cached }
            let record = render(contact)
            rendered[contact.id] = record
            return record
        }
    }

    func company(_ id: Int) -> ConnectWiseFixture.Company? { fixture.companies.first { $0.id == id } }

    // MARK: Changes

    /// Adds a contact as given (ids filled in when missing or taken), returning its id.
    func add(_ contact: ConnectWiseFixture.Contact, touch: Bool = true) -> Int {
        var contact = contact
        if contact.id <= 0 || contacts[contact.id] != nil { contact.id = nextContactId }
        nextContactId = max(nextContactId, contact.id + 1)
        assignItemIds(&contact)
        if touch || contact.lastUpdated == nil { contact.lastUpdated = Self.now() }
        contacts[contact.id] = contact
        return contact.id
    }

    /// Removes a contact; false when there was none.
    func remove(_ id: Int) -> Bool { contacts.removeValue(forKey: id) != nil }

    /// Replaces a stored contact after validation, stamping `lastUpdated`.
    func replace(_ contact: ConnectWiseFixture.Contact) throws -> ConnectWiseFixture.Contact {
        var contact = contact
        try validate(contact)
        assignItemIds(&contact)
        contact.lastUpdated = Self.now()
        contacts[contact.id] = contact
        return contact
    }

    /// Creates a contact from a POSTed `Contact` body (201).
    func create(from body: CWValue) throws -> ConnectWiseFixture.Contact {
        guard case .object = body else { throw CWFailure.plain(400, "InvalidObject", "contact object is invalid") }
        var contact = ConnectWiseFixture.Contact(id: nextContactId, companyId: 0, firstName: "")
        try read(body, into: &contact, isCreate: true)
        try validate(contact)
        nextContactId += 1
        assignItemIds(&contact)
        contact.lastUpdated = Self.now()
        contacts[contact.id] = contact
        return contact
    }

    /// Applies a JSON Patch array to a contact, as ConnectWise does on `PATCH /company/contacts/{id}`.
    func patch(_ id: Int, operations: CWValue) throws -> ConnectWiseFixture.Contact {
        guard let stored = contacts[id] else { throw CWFailure.contactNotFound(id) }
        guard case .array(let ops) = operations else {
            throw CWFailure.plain(400, "InvalidPatch", "The patch document must be an array of operations.")
        }
        var document = render(stored)
        let oldItemIds = Set(stored.communicationItems.compactMap(\.id))
        for op in ops { try CWPatch.apply(op, to: &document) }
        var updated = stored
        try read(document, into: &updated, isCreate: false)
        // A new default item makes the other items of its kind non-default (amp-labs scenario 1).
        for index in updated.communicationItems.indices where updated.communicationItems[index].id.map({ !oldItemIds.contains($0) }) ?? true {
            normaliseDefaults(&updated, favouring: index)
        }
        return try replace(updated)
    }

    /// Replaces a contact with a full `Contact` body (PUT).
    func put(_ id: Int, body: CWValue) throws -> ConnectWiseFixture.Contact {
        guard var stored = contacts[id] else { throw CWFailure.contactNotFound(id) }
        try read(body, into: &stored, isCreate: false)
        return try replace(stored)
    }

    /// Adds a communication item through `POST /company/contacts/{id}/communications`; returns the stored item.
    func addItem(contactId: Int, body: CWValue) throws -> ConnectWiseFixture.CommunicationItem {
        guard var contact = contacts[contactId] else { throw CWFailure.contactNotFound(contactId) }
        let item = try readItem(body, id: nil, index: contact.communicationItems.count)
        contact.communicationItems.append(item)
        normaliseDefaults(&contact, favouring: contact.communicationItems.count - 1)
        let stored = try replace(contact)
        return stored.communicationItems[stored.communicationItems.count - 1]
    }

    /// Applies a JSON Patch to one communication item (`PATCH …/communications/{id}`); returns the stored item.
    func patchItem(contactId: Int, itemId: Int, operations: CWValue) throws -> ConnectWiseFixture.CommunicationItem {
        guard var contact = contacts[contactId] else { throw CWFailure.contactNotFound(contactId) }
        guard let index = contact.communicationItems.firstIndex(where: { $0.id == itemId }) else { throw CWFailure.itemNotFound(itemId) }
        guard case .array(let ops) = operations else { throw CWFailure.plain(400, "InvalidPatch", "The patch document must be an array of operations.") }
        var document = renderItem(contact.communicationItems[index])
        for op in ops { try CWPatch.apply(op, to: &document) }
        contact.communicationItems[index] = try readItem(document, id: itemId, index: index)
        if contact.communicationItems[index].defaultFlag { normaliseDefaults(&contact, favouring: index) }
        return try replace(contact).communicationItems[index]
    }

    /// Removes one communication item.
    func removeItem(contactId: Int, itemId: Int) throws {
        guard var contact = contacts[contactId] else { throw CWFailure.contactNotFound(contactId) }
        guard let index = contact.communicationItems.firstIndex(where: { $0.id == itemId }) else { throw CWFailure.itemNotFound(itemId) }
        contact.communicationItems.remove(at: index)
        _ = try replace(contact)
    }

    private func readItem(_ element: CWValue, id: Int?, index: Int) throws -> ConnectWiseFixture.CommunicationItem {
        guard case .object = element else {
            throw CWFailure.plain(400, "InvalidObject", "communication object is invalid")
        }
        guard let typeId = element["type"]?["id"]?.int else {
            throw CWFailure.invalid("communication", [("MissingRequiredField", "The type field is required.", "type")])
        }
        return ConnectWiseFixture.CommunicationItem(
            id: id ?? element["id"]?.int, typeId: typeId, value: element["value"]?.string ?? "",
            extension: element["extension"]?.string, defaultFlag: element["defaultFlag"]?.bool ?? false)
    }

    /// Makes the item at `index` the only default of its kind when it is a default.
    private func normaliseDefaults(_ contact: inout ConnectWiseFixture.Contact, favouring index: Int) {
        guard contact.communicationItems[index].defaultFlag else { return }
        let kind = kindOf(contact.communicationItems[index].typeId)
        for other in contact.communicationItems.indices where other != index && kindOf(contact.communicationItems[other].typeId) == kind {
            contact.communicationItems[other].defaultFlag = false
        }
    }

    /// Gives a contact a contact type (type-association endpoints); returns the association.
    func associate(contactId: Int, body: CWValue) throws -> CWValue {
        guard var contact = contacts[contactId] else { throw CWFailure.contactNotFound(contactId) }
        guard let typeId = body["type"]?["id"]?.int else {
            throw CWFailure.invalid("contactTypeAssociation", [("MissingRequiredField", "The type field is required.", "type")])
        }
        guard fixture.contactTypes.contains(where: { $0.id == typeId }) else {
            throw CWFailure.invalid("contactTypeAssociation", [("InvalidObject", "Contact type \(typeId) does not exist.", "type")])
        }
        if contact.typeIds.contains(typeId) {
            throw CWFailure.invalid("contactTypeAssociation", [("ObjectExists", "The contact already has this type.", "type")])
        }
        contact.typeIds.append(typeId)
        _ = try replace(contact)
        return association(contactId: contactId, typeId: typeId)
    }

    /// Removes a type association by its id.
    func dissociate(contactId: Int, associationId: Int) throws {
        guard var contact = contacts[contactId] else { throw CWFailure.contactNotFound(contactId) }
        guard let typeId = associationIds[contactId]?.first(where: { $0.value == associationId })?.key else {
            throw CWFailure.plain(404, "NotFound", "ContactTypeAssociation \(associationId) not found")
        }
        contact.typeIds.removeAll { $0 == typeId }
        associationIds[contactId]?[typeId] = nil
        _ = try replace(contact)
    }

    /// The type associations of a contact.
    func associations(contactId: Int) throws -> [CWValue] {
        guard let contact = contacts[contactId] else { throw CWFailure.contactNotFound(contactId) }
        return contact.typeIds.map { association(contactId: contactId, typeId: $0) }
    }

    private func association(contactId: Int, typeId: Int) -> CWValue {
        let id: Int
        if let known = associationIds[contactId]?[typeId] { id = known } else {
            id = nextAssociationId
            nextAssociationId += 1
            associationIds[contactId, default: [:]][typeId] = id
        }
        let contact = contacts[contactId]
        let name = [contact?.firstName, contact?.lastName].compactMap { $0 }.joined(separator: " ")
        return .object([
            "id": .int(id),
            "contact": .object(["id": .int(contactId), "name": .string(name)]),
            "type": .object(["id": .int(typeId), "name": .string(fixture.contactTypes.first { $0.id == typeId }?.description ?? "")]),
            "_info": .object(["lastUpdated": .string(CWDates.format(Self.now())), "updatedBy": .string("api")]),
        ])
    }

    // MARK: Reading request bodies

    private func read(_ body: CWValue, into contact: inout ConnectWiseFixture.Contact, isCreate: Bool) throws {
        guard case .object(let object) = body else { throw CWFailure.plain(400, "InvalidObject", "contact object is invalid") }
        func text(_ key: String) -> String? { object[key]?.string }
        // PATCH and PUT read back a whole record, so a missing key means the field is empty.
        contact.firstName = text("firstName") ?? ""
        contact.lastName = text("lastName")
        contact.title = text("title")
        if let flag = object["inactiveFlag"] {
            guard let bool = flag.bool else { throw CWFailure.plain(400, "InvalidPatch", "Could not convert inactiveFlag to Boolean.") }
            contact.inactiveFlag = bool
        }
        if let company = object["company"], company != .null {
            guard let id = company["id"]?.int else { throw CWFailure.invalid("contact", [("InvalidObject", "The company reference needs an id.", "company")]) }
            contact.companyId = id
        }
        if let site = object["site"] {
            if site == .null { contact.siteId = nil } else if let id = site["id"]?.int { contact.siteId = id }
            else { throw CWFailure.invalid("contact", [("InvalidObject", "The site reference needs an id.", "site")]) }
        } else {
            contact.siteId = nil
        }
        if isCreate {
            if let ids = object["typeIds"]?.array { contact.typeIds = ids.compactMap(\.int) }
            else if let types = object["types"]?.array { contact.typeIds = types.compactMap { $0["id"]?.int } }
        }
        if let items = object["communicationItems"] {
            guard case .array(let elements) = items else {
                throw CWFailure.plain(400, "InvalidPatch", "Could not cast or convert from System.String to ConnectWise.Apis.v3_0.v2015_3.Company.Contact.ContactCommunicationItem[].")
            }
            contact.communicationItems = try elements.enumerated().map { index, element in
                guard case .object = element else {
                    throw CWFailure.plain(400, "InvalidPatch", "Could not cast or convert from System.String to ConnectWise.Apis.v3_0.v2015_3.Company.Contact.ContactCommunicationItem.")
                }
                guard let typeId = element["type"]?["id"]?.int else {
                    throw CWFailure.invalid("contact", [("MissingRequiredField", "The type field is required.", "communicationItems[\(index)].type")])
                }
                return ConnectWiseFixture.CommunicationItem(
                    id: element["id"]?.int, typeId: typeId, value: element["value"]?.string ?? "",
                    extension: element["extension"]?.string, defaultFlag: element["defaultFlag"]?.bool ?? false)
            }
        } else {
            contact.communicationItems = []
        }
    }

    private func validate(_ contact: ConnectWiseFixture.Contact) throws {
        var errors: [(code: String, message: String, field: String)] = []
        if contact.firstName.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(("MissingRequiredField", "The firstName field is required.", "firstName"))
        }
        func limit(_ value: String?, _ max: Int, _ field: String) {
            if let value, value.count > max { errors.append(("InvalidField", "The field \(field) must be a string with a maximum length of \(max).", field)) }
        }
        limit(contact.firstName, 30, "firstName")
        limit(contact.lastName, 30, "lastName")
        limit(contact.title, 100, "title")
        // A contact may have no company (the reference's create sample sends none); 0 stands for "none".
        if contact.companyId != 0 && company(contact.companyId) == nil {
            errors.append(("InvalidObject", "Company \(contact.companyId) was not found.", "company"))
        } else if let siteId = contact.siteId, company(contact.companyId)?.sites.contains(where: { $0.id == siteId }) != true {
            errors.append(("InvalidObject", "Site \(siteId) does not belong to company \(contact.companyId).", "site"))
        }
        for typeId in contact.typeIds where !fixture.contactTypes.contains(where: { $0.id == typeId }) {
            errors.append(("InvalidObject", "Contact type \(typeId) was not found.", "types"))
        }
        for (index, item) in contact.communicationItems.enumerated() {
            if !fixture.communicationTypes.contains(where: { $0.id == item.typeId }) {
                errors.append(("InvalidObject", "Communication type \(item.typeId) was not found.", "communicationItems[\(index)].type"))
            }
            if item.value.isEmpty { errors.append(("MissingRequiredField", "The value field is required.", "communicationItems[\(index)].value")) }
            limit(item.value, 250, "communicationItems[\(index)].value")
            limit(item.extension, 15, "communicationItems[\(index)].extension")
        }
        if !errors.isEmpty { throw CWFailure.invalid("contact", errors) }
    }

    private func assignItemIds(_ contact: inout ConnectWiseFixture.Contact) {
        for index in contact.communicationItems.indices where contact.communicationItems[index].id == nil {
            contact.communicationItems[index].id = nextItemId
            nextItemId += 1
        }
    }

    private func kindOf(_ typeId: Int) -> String {
        fixture.communicationTypes.first { $0.id == typeId }?.kind ?? "Phone"
    }

    static func now() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

    // MARK: Rendering

    /// A contact as ConnectWise returns it (the keys of the reference's contact samples).
    func render(_ contact: ConnectWiseFixture.Contact) -> CWValue {
        let company = self.company(contact.companyId)
        var object: [String: CWValue] = [
            "id": .int(contact.id),
            "firstName": .string(contact.firstName),
            "inactiveFlag": .bool(contact.inactiveFlag),
            "marriedFlag": .bool(false), "childrenFlag": .bool(false), "portalSecurityLevel": .int(1),
            "disablePortalLoginFlag": .bool(true), "unsubscribeFlag": .bool(false),
            "mobileGuid": .string(Self.guid(contact.id)),
            "defaultBillingFlag": .bool(false), "defaultFlag": .bool(false),
            "communicationItems": .array(contact.communicationItems.map(renderItem)),
            "types": .array(contact.typeIds.map { id in
                .object(["id": .int(id), "name": .string(fixture.contactTypes.first { $0.id == id }?.description ?? ""),
                         "_info": .object(["type_href": .string("\(apiBase)/company/contacts/types/\(id)")])])
            }),
            "customFields": .array([]),
            "ignoreDuplicates": .bool(false),
            "_info": .object([
                "lastUpdated": .string(CWDates.format(contact.lastUpdated ?? Self.now())), "updatedBy": .string("api"),
                "communications_href": .string("\(apiBase)/company/contacts/\(contact.id)/communications"),
            ]),
        ]
        if let company {
            object["company"] = .object([
                "id": .int(company.id), "identifier": .string(company.identifier), "name": .string(company.name),
                "_info": .object(["company_href": .string("\(apiBase)/company/companies/\(company.id)")]),
            ])
            object["companyLocation"] = .object(["id": .int(2), "name": .string(company.name), "_info": .object([:])])
        }
        if let lastName = contact.lastName { object["lastName"] = .string(lastName) }
        if let title = contact.title { object["title"] = .string(title) }
        if let siteId = contact.siteId {
            let name = company?.sites.first { $0.id == siteId }?.name ?? ""
            object["site"] = .object(["id": .int(siteId), "name": .string(name),
                                      "_info": .object(["site_href": .string("\(apiBase)/company/companies/\(contact.companyId)/sites/\(siteId)")])])
        }
        let phones = contact.communicationItems.filter { kindOf($0.typeId) == "Phone" }
        if let phone = phones.first(where: \.defaultFlag) ?? phones.first {
            object["defaultPhoneType"] = .string(fixture.communicationTypes.first { $0.id == phone.typeId }?.description ?? "")
            object["defaultPhoneNbr"] = .string(phone.value)
            if let ext = phone.extension { object["defaultPhoneExtension"] = .string(ext) }
        }
        return .object(object)
    }

    /// One communication item as it appears in `communicationItems` (and, with `contactId`, in `/communications`).
    func renderItem(_ item: ConnectWiseFixture.CommunicationItem) -> CWValue {
        let type = fixture.communicationTypes.first { $0.id == item.typeId }
        var object: [String: CWValue] = [
            "id": .int(item.id ?? 0),
            "type": .object(["id": .int(item.typeId), "name": .string(type?.description ?? ""),
                             "_info": .object(["type_href": .string("\(apiBase)/company/communicationTypes/\(item.typeId)")])]),
            "value": .string(item.value),
            "defaultFlag": .bool(item.defaultFlag),
            "communicationType": .string(type?.kind ?? "Phone"),
        ]
        if let ext = item.extension { object["extension"] = .string(ext) }
        if type?.emailFlag == true, let at = item.value.lastIndex(of: "@") { object["domain"] = .string(String(item.value[at...])) }
        return .object(object)
    }

    /// A stable GUID-shaped string per id (ConnectWise's `mobileGuid`).
    static func guid(_ id: Int) -> String {
        let hex = String(format: "%012x", id)
        return "6f657355-5f4e-4206-9e32-\(hex)"
    }
}

/// JSON Patch (RFC 6902 add/replace/remove) over rendered records; paths may omit the leading slash.
enum CWPatch {
    /// Applies one operation, throwing ConnectWise's `InvalidPatch` when it cannot.
    static func apply(_ operation: CWValue, to document: inout CWValue) throws {
        guard let op = operation["op"]?.string?.lowercased(), let rawPath = operation["path"]?.string else {
            throw CWFailure.plain(400, "InvalidPatch", "Each patch operation needs op and path.")
        }
        let path = rawPath.split(separator: "/", omittingEmptySubsequences: true).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        guard !path.isEmpty else { throw CWFailure.plain(400, "InvalidPatch", "The patch path \(rawPath) is empty.") }
        let value = operation["value"]
        if op != "remove" && value == nil { throw CWFailure.plain(400, "InvalidPatch", "The \(op) operation on \(rawPath) needs a value.") }
        guard ["add", "replace", "remove"].contains(op) else { throw CWFailure.plain(400, "InvalidPatch", "Unsupported patch op \(op).") }
        try apply(op: op, path: path[...], value: value ?? .null, to: &document, rawPath: rawPath)
    }

    private static func apply(op: String, path: ArraySlice<String>, value: CWValue, to node: inout CWValue, rawPath: String) throws {
        let head = path.first!
        let rest = path.dropFirst()
        switch node {
        case .object(var object):
            let key = object.keys.first { $0.caseInsensitiveCompare(head) == .orderedSame } ?? head
            if rest.isEmpty {
                if op == "remove" { object[key] = nil } else { object[key] = value }
            } else {
                guard var child = object[key] else { throw CWFailure.plain(400, "InvalidPatch", "The patch path \(rawPath) does not exist.") }
                try apply(op: op, path: rest, value: value, to: &child, rawPath: rawPath)
                object[key] = child
            }
            node = .object(object)
        case .array(var array):
            let index = head == "-" ? array.count : Int(head)
            guard let index, index >= 0, index <= array.count, (index < array.count || (op == "add" && rest.isEmpty)) else {
                throw CWFailure.plain(400, "InvalidPatch", "The patch path \(rawPath) points outside the array.")
            }
            if rest.isEmpty {
                switch op {
                case "add": array.insert(value, at: index)
                case "replace": array[index] = value
                default: array.remove(at: index)
                }
            } else {
                try apply(op: op, path: rest, value: value, to: &array[index], rawPath: rawPath)
            }
            node = .array(array)
        default:
            throw CWFailure.plain(400, "InvalidPatch", "The patch path \(rawPath) goes through a value that is not an object or array.")
        }
    }
}
