// ConnectWise PSA behind the engine's PSAConnection: contacts of one company, their sites, types, and writes.
// Concurrency (the module's one style): the connection is immutable; what it learns (contact types) is in an actor.

import ContactSync
import Foundation
import StoredFormat
import Logging
import NIOHTTP1
import RollcallHTTP

/// A ConnectWise PSA (`/v4_6_release/apis/3.0`), as the engine's `PSAConnection`.
///
/// Communication types are read once per connection and cached; phone, mobile and e-mail are recognised from them.
public final class ConnectWiseConnection: PSAConnection {
    /// Always `.connectwise`.
    public let system: PSASystem = .connectwise
    private let configuration: ConnectWiseConfiguration
    private let transport: CWTransport
    private let cache = CWTypeCache()
    private let logger: Logger

    /// Makes a connection sending through `http`; it sends nothing until asked. `pacer` replaces the one made from
    /// `requestsPerMinute` (tests give it their clock).
    public init(configuration: ConnectWiseConfiguration, logger: Logger, http: HTTPService = .shared, pacer: RequestPacer? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.transport = CWTransport(configuration: configuration, logger: logger, http: http, pacer: pacer)
    }

    // MARK: Reads

    /// Every contact of the company (`conditions=company/id=N`), or those with `lastUpdated` at or after `modifiedSince`.
    ///
    /// The time is sent to the second, floored, and compared with `>=`: a contact edited in the same second as the
    /// checkpoint is read again rather than missed.
    public func contacts(companyId: Int, modifiedSince: Date?) async throws -> [PSAContact] {
        var conditions = "company/id=\(companyId)"
        if let modifiedSince { conditions += " and lastUpdated >= \(ConnectWiseConditions.date(modifiedSince))" }
        let wire: [CWContact] = try await readAll("company/contacts", query: [("conditions", conditions), ("orderBy", "id asc")])
        let types = try await communicationTypes()
        return wire.map { contact(from: $0, companyId: companyId, types: types) }
    }

    /// One contact by id, or `nil` when ConnectWise answers 404.
    public func contact(companyId: Int, id: Int) async throws -> PSAContact? {
        guard let wire = try await fetchContact(id) else { return nil }
        return contact(from: wire, companyId: companyId, types: try await communicationTypes())
    }

    /// The company's contacts with `email` among their e-mail items (exact, case-insensitive, checked again here).
    public func contacts(companyId: Int, email: String) async throws -> [PSAContact] {
        let wanted = email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !wanted.isEmpty else { return [] }
        let child = "communicationItems/value = \(ConnectWiseConditions.string(wanted)) AND communicationItems/communicationType = \"Email\""
        let wire: [CWContact] = try await readAll("company/contacts", query: [
            ("conditions", "company/id=\(companyId)"), ("childConditions", child), ("orderBy", "id asc"),
        ])
        let types = try await communicationTypes()
        return wire.map { contact(from: $0, companyId: companyId, types: types) }
            .filter { $0.companyId == companyId && $0.emails.contains { $0.caseInsensitiveCompare(wanted) == .orderedSame } }
    }

    /// The company's sites (`/company/companies/{id}/sites`).
    public func sites(companyId: Int) async throws -> [PSASite] {
        let wire: [CWSite] = try await readAll("company/companies/\(companyId)/sites", query: [])
        return wire.map { PSASite(id: $0.id, name: $0.name ?? "", isActive: !($0.inactiveFlag ?? false), isPrimary: $0.primaryAddressFlag ?? false) }
    }

    /// `GET company/companies/{id}`: the company, or a 404 when there is none.
    public func companyExists(_ companyId: Int) async throws -> Bool {
        do {
            let response = try await transport.send(.GET, "company/companies/\(companyId)")
            _ = try decode(CWCompanyReference.self, response, what: "company \(companyId)")
            return true
        } catch let error as PSAError where error.kind == .notFound {
            return false
        }
    }

    /// The contact types (`/company/contacts/types`), named by their description.
    public func contactTypes() async throws -> [PSAContactType] {
        let wire: [CWContactType] = try await readAll("company/contacts/types", query: [])
        return wire.map { PSAContactType(id: $0.id, name: $0.description ?? "") }
    }

    /// ConnectWise's field lengths (`PSAFieldLimits.connectwise`).
    public func fieldLimits() async throws -> PSAFieldLimits { .connectwise }

    /// HTTP requests made so far by this connection, retries included.
    public func requestCount() async -> Int { transport.requester.counter.value }

    // MARK: Writes

    /// Creates with one `POST company/contacts` (201), or updates with one `PATCH company/contacts/{id}` plus one
    /// `POST company/contacts/{id}/typeAssociations` per contact type added.
    public func write(_ write: PSAWrite, companyId: Int, current: PSAContact?) async throws -> PSAWriteResult {
        switch write {
        case .create(let new):
            return try await create(new, companyId: companyId)
        case .update(let contactId, let update):
            return try await self.update(contactId, update, companyId: companyId, current: current)
        }
    }

    private func create(_ new: NewContact, companyId: Int) async throws -> PSAWriteResult {
        let fields = new.fields
        let needsTypes = [fields.email, fields.phone, fields.mobile].contains { !($0 ?? "").isEmpty }
        let types = needsTypes ? try await communicationTypes() : await cache.types ?? [:]
        var body: [String: CWJSON] = ["company": .object(["id": .int(companyId)]), "inactiveFlag": .bool(false)]
        if let value = fields.firstName { body["firstName"] = .string(value) }
        if let value = fields.lastName { body["lastName"] = .string(value) }
        if let value = fields.title, !value.isEmpty { body["title"] = .string(value) }
        if let siteId = new.siteId { body["site"] = .object(["id": .int(siteId)]) }
        let typeIds = new.typeIds.isEmpty ? configuration.defaultContactType.map { [$0] } ?? [] : new.typeIds
        if !typeIds.isEmpty { body["typeIds"] = .array(typeIds.map { .int($0) }) }
        var items: [CWJSON] = []
        if let email = fields.email, !email.isEmpty {
            items.append(newItem(try pickType(.email, types), value: email, kind: "Email"))
        }
        if let phone = fields.phone, !phone.isEmpty {
            items.append(newItem(try pickType(.phone, types), value: phone, kind: "Phone"))
        }
        if let mobile = fields.mobile, !mobile.isEmpty {
            items.append(newItem(try pickType(.mobile, types), value: mobile, kind: "Phone"))
        }
        if !items.isEmpty { body["communicationItems"] = .array(items) }
        let response = try await transport.send(.POST, "company/contacts", body: try CanonicalJSON.encode(CWJSON.object(body)))
        let wire = try decode(CWContact.self, response, what: "the created contact")
        logger.info("ConnectWise contact created", metadata: ["contactId": "\(wire.id)", "companyId": "\(companyId)"])
        return PSAWriteResult(contactId: wire.id, contact: contact(from: wire, companyId: companyId, types: types), responseBody: response.shortBody, status: response.status)
    }

    private func update(_ contactId: Int, _ update: ContactUpdate, companyId: Int, current: PSAContact?) async throws -> PSAWriteResult {
        let fields = update.fields
        let touchesItems = fields.email != nil || fields.phone != nil || fields.mobile != nil
        var ops: [CWPatchOperation] = []
        if let value = fields.firstName { ops.append(CWPatchOperation(op: "replace", path: "firstName", value: .string(value))) }
        if let value = fields.lastName { ops.append(CWPatchOperation(op: "replace", path: "lastName", value: .string(value))) }
        if let value = fields.title {
            ops.append(value.isEmpty ? CWPatchOperation(op: "remove", path: "title") : CWPatchOperation(op: "replace", path: "title", value: .string(value)))
        }
        if let active = update.isActive { ops.append(CWPatchOperation(op: "replace", path: "inactiveFlag", value: .bool(!active))) }
        if let siteId = update.siteId { ops.append(CWPatchOperation(op: "replace", path: "site", value: .object(["id": .int(siteId)]))) }
        var fresh: CWContact?
        if touchesItems {
            // Items are patched by index, so the indices must come from the contact as ConnectWise holds it now.
            guard let wire = try await fetchContact(contactId) else {
                throw PSAError(.notFound, "ConnectWise contact \(contactId) no longer exists; it was deleted in ConnectWise.", status: 404)
            }
            fresh = wire
            ops += try await itemOperations(wire.communicationItems ?? [], fields)
        }
        let types = try await communicationTypes()
        var result: PSAContact?
        var lastResponse: HTTPAnswer?
        if !ops.isEmpty {
            let response = try await transport.send(.PATCH, "company/contacts/\(contactId)", body: try CanonicalJSON.encode(ops))
            let wire = try decode(CWContact.self, response, what: "the updated contact")
            result = contact(from: wire, companyId: companyId, types: types)
            lastResponse = response
        }
        let known = result?.typeIds ?? fresh.map { ($0.types ?? []).compactMap(\.id) } ?? current?.typeIds ?? []
        var added: [Int] = []
        for typeId in update.addTypeIds where !known.contains(typeId) && !added.contains(typeId) {
            let body = CWJSON.object(["type": .object(["id": .int(typeId)]), "contact": .object(["id": .int(contactId)])])
            lastResponse = try await transport.send(.POST, "company/contacts/\(contactId)/typeAssociations", body: try CanonicalJSON.encode(body))
            added.append(typeId)
        }
        if result == nil {
            if let fresh { result = contact(from: fresh, companyId: companyId, types: types) }
            else if let current { result = current }
            else if let read = try await contact(companyId: companyId, id: contactId) { result = read }
            else { throw PSAError(.notFound, "ConnectWise contact \(contactId) no longer exists; it was deleted in ConnectWise.", status: 404) }
        }
        var written = result!
        written.typeIds += added.filter { !written.typeIds.contains($0) }
        logger.info("ConnectWise contact updated", metadata: ["contactId": "\(contactId)", "operations": "\(ops.count)", "typesAdded": "\(added.count)"])
        return PSAWriteResult(contactId: contactId, contact: written, responseBody: lastResponse?.shortBody ?? "", status: lastResponse?.status ?? 200)
    }

    /// JSON Patch operations that set the primary e-mail, phone and mobile items, leaving every other item alone.
    private func itemOperations(_ items: [CWCommunicationItem], _ fields: ContactFields) async throws -> [CWPatchOperation] {
        let types = try await communicationTypes()
        let roles = ItemRoles(items: items, types: types, mobileNames: configuration.mobileTypeNames)
        var changes: [CWPatchOperation] = []
        var removals: [Int] = []
        var nextIndex = items.count
        func set(_ value: String?, index: Int?, kind: TypeKind, itemKind: String) throws {
            guard let value else { return }
            if let index {
                if value.isEmpty { removals.append(index) }
                else if items[index].value != value {
                    changes.append(CWPatchOperation(op: "replace", path: "/communicationItems/\(index)/value", value: .string(value)))
                }
            } else if !value.isEmpty {
                changes.append(CWPatchOperation(op: "add", path: "/communicationItems/\(nextIndex)", value: newItem(try pickType(kind, types), value: value, kind: itemKind)))
                nextIndex += 1
            }
        }
        try set(fields.email, index: roles.email, kind: .email, itemKind: "Email")
        try set(fields.phone, index: roles.phone, kind: .phone, itemKind: "Phone")
        try set(fields.mobile, index: roles.mobile, kind: .mobile, itemKind: "Phone")
        // Removals last and from the highest index down, so earlier indices stay valid.
        for index in removals.sorted(by: >) { changes.append(CWPatchOperation(op: "remove", path: "/communicationItems/\(index)")) }
        return changes
    }

    // MARK: Helpers

    private func fetchContact(_ id: Int) async throws -> CWContact? {
        do {
            let response = try await transport.send(.GET, "company/contacts/\(id)")
            return try decode(CWContact.self, response, what: "contact \(id)")
        } catch let error as PSAError where error.kind == .notFound {
            return nil
        }
    }

    /// Every page of a list (`pageSize=1000`), following `Link: <…page=N>; rel="next"`: a link to another origin than
    /// the configured server fails the read, and a page is never asked for twice.
    private func readAll<T: Decodable>(_ path: String, query: [(String, String)]) async throws -> [T] {
        var all: [T] = []
        var page = 1
        var trail = PageTrail()
        let origin = HTTPOrigin(configuration.baseURL)
        while true {
            let response = try await transport.send(.GET, path, query: query + [("pageSize", "1000"), ("page", "\(page)")])
            let items = try decode([T].self, response, what: path)
            all += items
            guard let next = Self.nextLink(response.headers), !items.isEmpty else { return all }
            if let origin {
                do { try origin.check(next.url, what: "ConnectWise's next page link while reading \(path)") } catch {
                    throw PSAError(.unexpectedResponse, error.description)
                }
            }
            guard next.page > page, trail.follow(next.url) else {
                throw PSAError(.unexpectedResponse, "ConnectWise at \(origin?.server ?? configuration.baseURL) sent a next page "
                    + "link that goes back (page \(next.page) after page \(page)) while reading \(path); Rollcall stopped "
                    + "instead of reading forever. Try again; if it persists, contact ConnectWise support.")
            }
            page = next.page
        }
    }

    /// The URL and page number of the `rel="next"` link, if there is one.
    static func nextLink(_ headers: HTTPHeaders) -> (url: String, page: Int)? {
        for header in headers[canonicalForm: "Link"] {
            for part in header.split(separator: ",") where part.contains("rel=\"next\"") {
                guard let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">"), open < close else { continue }
                let url = String(part[part.index(after: open)..<close])
                let items = URLComponents(string: url)?.queryItems ?? []
                if let value = items.first(where: { $0.name.lowercased() == "page" })?.value, let page = Int(value) {
                    return (url, page)
                }
            }
        }
        return nil
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPAnswer, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw PSAError(.unexpectedResponse, "ConnectWise answered \(what) with data Rollcall could not read (\(error)).", status: response.status)
        }
    }

    /// The tenant's communication types, read once.
    private func communicationTypes() async throws -> [Int: CWCommunicationType] {
        if let cached = await cache.types { return cached }
        let wire: [CWCommunicationType] = try await readAll("company/communicationTypes", query: [])
        let types = Dictionary(wire.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        await cache.store(types)
        return types
    }

    private enum TypeKind { case email, phone, mobile }

    private func isMobile(_ description: String?) -> Bool {
        guard let description else { return false }
        return configuration.mobileTypeNames.contains { description.range(of: $0, options: .caseInsensitive) != nil }
    }

    /// The communication type new items of a kind get: the tenant's default of that kind, else its lowest id.
    private func pickType(_ kind: TypeKind, _ types: [Int: CWCommunicationType]) throws -> Int {
        let candidates = types.values.filter { type in
            switch kind {
            case .email: return type.emailFlag == true
            case .phone: return type.phoneFlag == true && type.emailFlag != true && type.faxFlag != true && !isMobile(type.description)
            case .mobile: return type.emailFlag != true && type.faxFlag != true && isMobile(type.description)
            }
        }.sorted { ($0.defaultFlag == true ? 0 : 1, $0.id) < ($1.defaultFlag == true ? 0 : 1, $1.id) }
        guard let chosen = candidates.first else {
            let name = kind == .email ? "e-mail" : kind == .phone ? "phone (not mobile)" : "mobile (\(configuration.mobileTypeNames.joined(separator: "/")))"
            throw PSAError(.rejected, "ConnectWise has no \(name) communication type under Setup Tables > Communication Types; add one, or set the mobile type names in Rollcall's settings.")
        }
        return chosen.id
    }

    private func newItem(_ typeId: Int, value: String, kind: String) -> CWJSON {
        .object(["type": .object(["id": .int(typeId)]), "value": .string(value), "defaultFlag": .bool(true), "communicationType": .string(kind)])
    }

    private func contact(from wire: CWContact, companyId: Int, types: [Int: CWCommunicationType]) -> PSAContact {
        let items = wire.communicationItems ?? []
        let roles = ItemRoles(items: items, types: types, mobileNames: configuration.mobileTypeNames)
        let emails = roles.emails.compactMap { items[$0].value.map(Scope.trimmed) }.filter { !$0.isEmpty }
        return PSAContact(
            id: wire.id, companyId: wire.company?.id ?? companyId, firstName: wire.firstName, lastName: wire.lastName,
            title: wire.title, phone: roles.phone.flatMap { items[$0].value }, mobile: roles.mobile.flatMap { items[$0].value },
            emails: emails, isActive: !(wire.inactiveFlag ?? false), siteId: wire.site?.id,
            typeIds: (wire.types ?? []).compactMap(\.id), lastModified: wire._info?.lastUpdated.flatMap(Self.parseDate))
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Which communication items Rollcall reads and writes: the e-mails (default first), the phone and the mobile.
struct ItemRoles {
    var emails: [Int] = []
    var email: Int?
    var phone: Int?
    var mobile: Int?

    init(items: [CWCommunicationItem], types: [Int: CWCommunicationType], mobileNames: [String]) {
        func isMobile(_ item: CWCommunicationItem) -> Bool {
            let name = item.type?.id.flatMap { types[$0]?.description } ?? item.type?.name ?? ""
            return mobileNames.contains { name.range(of: $0, options: .caseInsensitive) != nil }
        }
        func kind(_ item: CWCommunicationItem) -> String {
            if let kind = item.communicationType { return kind }
            guard let type = item.type?.id.flatMap({ types[$0] }) else { return "" }
            return type.emailFlag == true ? "Email" : type.faxFlag == true ? "Fax" : "Phone"
        }
        let emailIndices = items.indices.filter { kind(items[$0]) == "Email" }
        emails = emailIndices.filter { items[$0].defaultFlag == true } + emailIndices.filter { items[$0].defaultFlag != true }
        email = emails.first
        let phones = items.indices.filter { kind(items[$0]) == "Phone" && !isMobile(items[$0]) }
        phone = phones.first { items[$0].defaultFlag == true } ?? phones.first
        let mobiles = items.indices.filter { kind(items[$0]) == "Phone" && isMobile(items[$0]) }
        mobile = mobiles.first { items[$0].defaultFlag == true } ?? mobiles.first
    }
}

/// The communication types of one connection, once read.
actor CWTypeCache {
    private(set) var types: [Int: CWCommunicationType]?
    /// Keeps the types for the connection's lifetime.
    func store(_ types: [Int: CWCommunicationType]) { self.types = types }
}
