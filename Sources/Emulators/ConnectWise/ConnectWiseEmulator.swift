// A ConnectWise PSA REST server on loopback, written from the psa reference §2: contacts, types, sites, faults.

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An in-process ConnectWise PSA (`/v4_6_release/apis/3.0`) with request counting, fault injection and admin edits.
public final class ConnectWiseEmulator: Sendable {
    /// The API root every ConnectWise path hangs under.
    public static let apiRoot = "/v4_6_release/apis/3.0"
    /// Counts requests and injects faults (429, 500, delays, dropped connections).
    public let control = EmulatorControl()
    let store: ConnectWiseStore

    /// Makes an emulator over a fixture; nothing listens until `start()`.
    public init(fixture: ConnectWiseFixture) {
        store = ConnectWiseStore(fixture: fixture)
    }

    /// Starts listening on `host:port` (0 picks a free port) and returns the running host.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> EmulatorHost {
        let running = try await EmulatorHost.start(router: router(), name: "connectwise", host: host, port: port)
        await store.setBase(running.baseURL + Self.apiRoot)
        return running
    }

    // MARK: In-process access for tests and demos

    /// The contacts of a company as stored, by id.
    public func contacts(companyId: Int) async -> [ConnectWiseFixture.Contact] {
        await store.allContacts().filter { $0.companyId == companyId }
    }

    /// One stored contact.
    public func contact(id: Int) async -> ConnectWiseFixture.Contact? { await store.contact(id) }

    /// The contact as the API would return it, as compact JSON.
    public func contactJSON(id: Int) async -> String? {
        guard let contact = await store.contact(id) else { return nil }
        return await store.render(contact).json
    }

    /// Edits a contact behind Rollcall's back (as a technician in ConnectWise would); stamps `lastUpdated`.
    public func editContact(id: Int, _ change: @Sendable (inout ConnectWiseFixture.Contact) -> Void) async throws {
        guard var contact = await store.contact(id) else { throw EmulatorError("ConnectWise contact \(id) does not exist") }
        change(&contact)
        do { _ = try await store.replace(contact) } catch let failure as CWFailure {
            throw EmulatorError("the edit of ConnectWise contact \(id) is invalid: \(failure.body.json)")
        }
    }

    /// Adds a contact behind Rollcall's back; returns its id (a fresh one if the given id is taken).
    public func addContact(_ contact: ConnectWiseFixture.Contact) async -> Int { await store.add(contact) }

    /// Deletes a contact behind Rollcall's back (as a technician in ConnectWise would); false when there was none.
    @discardableResult
    public func deleteContact(id: Int) async -> Bool { await store.remove(id) }

    /// Requests that changed data so far (POST/PATCH/PUT/DELETE), admin requests excluded.
    public func writeCount() async -> Int { await control.writeCount() }

    // MARK: Routes

    /// The router: the API under `/v4_6_release/apis/3.0` and the admin endpoints under `/admin/connectwise`.
    public func router() -> Router<EmulatorContext> {
        let router = Router(context: EmulatorContext.self)
        router.add(middleware: FaultMiddleware(control: control))
        router.add(middleware: CWAuthMiddleware(store: store))
        let api = router.group(RouterPath(Self.apiRoot))
        let store = self.store

        api.get("company/contacts") { request, _ in
            let records = await store.renderedContacts()
            return try await Self.list(records, request: request, path: "company/contacts", store: store)
        }
        api.post("company/contacts") { request, context in
            try await Self.answer(status: 201) {
                let contact = try await store.create(from: try await Self.body(request, context))
                return await store.render(contact)
            }
        }
        api.get("company/contacts/count") { request, _ in
            try await Self.answer {
                let records = await store.renderedContacts()
                return .object(["count": .int(try Self.filter(records, request).count)])
            }
        }
        api.get("company/contacts/types") { request, _ in
            let records = await store.fixture.contactTypes.map { type -> CWValue in
                .object(["id": .int(type.id), "description": .string(type.description), "defaultFlag": .bool(type.defaultFlag),
                         "serviceAlertFlag": .bool(false), "serviceAlertMessage": .string(""),
                         "_info": .object(["lastUpdated": .string("2024-01-01T00:00:00Z"), "updatedBy": .string("admin")])])
            }
            return try await Self.list(records, request: request, path: "company/contacts/types", store: store)
        }
        api.get("company/contacts/:id") { _, context in
            try await Self.answer {
                let id = try Self.id(context)
                guard let contact = await store.contact(id) else { throw CWFailure.contactNotFound(id) }
                return await store.render(contact)
            }
        }
        api.patch("company/contacts/:id") { request, context in
            try await Self.answer {
                let contact = try await store.patch(try Self.id(context), operations: try await Self.body(request, context))
                return await store.render(contact)
            }
        }
        api.put("company/contacts/:id") { request, context in
            try await Self.answer {
                let contact = try await store.put(try Self.id(context), body: try await Self.body(request, context))
                return await store.render(contact)
            }
        }
        api.get("company/contacts/:id/communications") { request, context in
            let id = try Self.id(context)
            guard let contact = await store.contact(id) else { return Self.failure(CWFailure.contactNotFound(id)) }
            var records: [CWValue] = []
            for item in contact.communicationItems { records.append(await Self.communication(item, contactId: id, store: store)) }
            return try await Self.list(records, request: request, path: "company/contacts/\(id)/communications", store: store)
        }
        api.post("company/contacts/:id/communications") { request, context in
            try await Self.answer(status: 201) {
                let id = try Self.id(context)
                let item = try await store.addItem(contactId: id, body: try await Self.body(request, context))
                return await Self.communication(item, contactId: id, store: store)
            }
        }
        api.get("company/contacts/:id/communications/:itemId") { _, context in
            try await Self.answer {
                let id = try Self.id(context)
                let itemId = context.parameters.get("itemId", as: Int.self) ?? -1
                guard let contact = await store.contact(id) else { throw CWFailure.contactNotFound(id) }
                guard let item = contact.communicationItems.first(where: { $0.id == itemId }) else { throw CWFailure.itemNotFound(itemId) }
                return await Self.communication(item, contactId: id, store: store)
            }
        }
        api.patch("company/contacts/:id/communications/:itemId") { request, context in
            try await Self.answer {
                let id = try Self.id(context)
                let itemId = context.parameters.get("itemId", as: Int.self) ?? -1
                let item = try await store.patchItem(contactId: id, itemId: itemId, operations: try await Self.body(request, context))
                return await Self.communication(item, contactId: id, store: store)
            }
        }
        api.delete("company/contacts/:id/communications/:itemId") { _, context in
            do {
                try await store.removeItem(contactId: try Self.id(context), itemId: context.parameters.get("itemId", as: Int.self) ?? -1)
                return Response(status: .noContent)
            } catch let failure as CWFailure { return Self.failure(failure) }
        }
        api.get("company/contacts/:id/typeAssociations") { request, context in
            do {
                let id = try Self.id(context)
                return try await Self.list(try await store.associations(contactId: id), request: request, path: "company/contacts/\(id)/typeAssociations", store: store)
            } catch let failure as CWFailure { return Self.failure(failure) }
        }
        api.post("company/contacts/:id/typeAssociations") { request, context in
            try await Self.answer(status: 201) {
                try await store.associate(contactId: try Self.id(context), body: try await Self.body(request, context))
            }
        }
        api.delete("company/contacts/:id/typeAssociations/:associationId") { _, context in
            do {
                guard let association = context.parameters.get("associationId", as: Int.self) else { throw CWFailure.plain(404, "NotFound", "Association not found") }
                try await store.dissociate(contactId: try Self.id(context), associationId: association)
                return Response(status: .noContent)
            } catch let failure as CWFailure { return Self.failure(failure) }
        }
        api.post("company/contactTypeAssociations") { request, context in
            try await Self.answer(status: 201) {
                let body = try await Self.body(request, context)
                guard let contactId = body["contact"]?["id"]?.int else {
                    throw CWFailure.invalid("contactTypeAssociation", [("MissingRequiredField", "The contact field is required.", "contact")])
                }
                return try await store.associate(contactId: contactId, body: body)
            }
        }
        api.get("company/communicationTypes") { request, _ in
            let records = await store.fixture.communicationTypes.map { type -> CWValue in
                .object(["id": .int(type.id), "description": .string(type.description), "phoneFlag": .bool(type.phoneFlag),
                         "faxFlag": .bool(type.faxFlag), "emailFlag": .bool(type.emailFlag), "defaultFlag": .bool(type.defaultFlag),
                         "exchangeXref": .string("Business"),
                         "_info": .object(["lastUpdated": .string("2003-06-16T19:03:39Z"), "dateEntered": .string("2003-06-16T23:03:39Z")])])
            }
            return try await Self.list(records, request: request, path: "company/communicationTypes", store: store)
        }
        api.get("company/companies") { request, _ in
            let records = await store.fixture.companies.map(Self.companyRecord)
            return try await Self.list(records, request: request, path: "company/companies", store: store)
        }
        api.get("company/companies/count") { request, _ in
            try await Self.answer {
                let records = await store.fixture.companies.map(Self.companyRecord)
                return .object(["count": .int(try Self.filter(records, request).count)])
            }
        }
        api.get("company/companies/:id") { _, context in
            let id = try Self.id(context)
            guard let company = await store.company(id) else { return Self.failure(.plain(404, "NotFound", "Company \(id) not found")) }
            return Self.json(Self.companyRecord(company))
        }
        api.get("company/companies/:id/sites") { request, context in
            let id = try Self.id(context)
            guard let company = await store.company(id) else { return Self.failure(.plain(404, "NotFound", "Company \(id) not found")) }
            let records = company.sites.map { site -> CWValue in
                var object: [String: CWValue] = ["id": .int(site.id), "name": .string(site.name), "primaryAddressFlag": .bool(site.primaryAddressFlag),
                         "defaultShippingFlag": .bool(site.primaryAddressFlag), "defaultBillingFlag": .bool(site.primaryAddressFlag),
                         "defaultMailingFlag": .bool(site.primaryAddressFlag), "inactiveFlag": .bool(site.inactiveFlag),
                         "company": .object(["id": .int(company.id), "identifier": .string(company.identifier), "name": .string(company.name)]),
                         "_info": .object(["lastUpdated": .string("2024-01-02T03:04:05Z"), "updatedBy": .string("api")])]
                if let value = site.addressLine1 { object["addressLine1"] = .string(value) }
                if let value = site.city { object["city"] = .string(value) }
                if let value = site.zip { object["zip"] = .string(value) }
                if let value = site.phoneNumber { object["phoneNumber"] = .string(value) }
                if let value = site.state {
                    object["stateReference"] = .object(["id": .int(10), "identifier": .string(value), "name": .string(value)])
                    object["country"] = .object(["id": .int(1), "name": .string("United States")])
                }
                return .object(object)
            }
            return try await Self.list(records, request: request, path: "company/companies/\(id)/sites", store: store)
        }
        for method in [HTTPRequest.Method.get, .post, .patch, .put, .delete] {
            api.on("**", method: method) { _, _ in
                Self.failure(.plain(404, "ConnectWiseApi", "The endpoint does not exist."))
            }
        }

        let admin = router.group("admin/connectwise")
        admin.get("contacts") { request, _ in
            let companyId = FormQuery.value("companyId", in: request).flatMap { Int($0) }
            return Self.json(.array(await store.renderedContacts(companyId: companyId)))
        }
        admin.post("contacts") { request, context in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let contact = try decoder.decode(ConnectWiseFixture.Contact.self, from: Data(buffer.readableBytesView))
            let id = await store.add(contact)
            return Self.json(.object(["id": .int(id)]), status: 201)
        }
        admin.patch("contacts/:id") { request, context in
            try await Self.answer {
                let contact = try await store.patch(try Self.id(context), operations: try await Self.body(request, context))
                return await store.render(contact)
            }
        }
        let control = self.control
        admin.post("faults") { request, context in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            await control.inject(try JSONDecoder().decode(Fault.self, from: Data(buffer.readableBytesView)))
            return Response(status: .noContent)
        }
        admin.delete("faults") { _, _ in
            await control.clearFaults()
            return Response(status: .noContent)
        }
        admin.get("requests") { _, _ in
            let counts = await control.requestCounts()
            return Self.json(.object([
                "total": .int(await control.requestCount()), "writes": .int(await control.writeCount()),
                "counts": .object(counts.mapValues { .int($0) }),
            ]))
        }
        return router
    }

    // MARK: Helpers

    static let mediaType = "application/vnd.connectwise.com+json; version=2025.8"

    static func json(_ value: CWValue, status: Int = 200, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: mediaType]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.json)))
    }

    static func failure(_ failure: CWFailure) -> Response {
        Response(status: .init(code: failure.status), headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: failure.body.json)))
    }

    static func answer(status: Int = 200, _ work: () async throws -> CWValue) async throws -> Response {
        do { return json(try await work(), status: status) } catch let failure as CWFailure { return Self.failure(failure) }
    }

    /// A `ContactCommunication` record: the item with its `contactId`.
    static func communication(_ item: ConnectWiseFixture.CommunicationItem, contactId: Int, store: ConnectWiseStore) async -> CWValue {
        guard case .object(var object) = await store.renderItem(item) else { return .null }
        object["contactId"] = .int(contactId)
        return .object(object)
    }

    static func id(_ context: EmulatorContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else {
            throw CWFailure.plain(404, "ConnectWiseApi", "The endpoint does not exist.")
        }
        return id
    }

    static func body(_ request: Request, _ context: EmulatorContext) async throws -> CWValue {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        do { return try CWValue.parse(Data(buffer.readableBytesView)) } catch {
            throw CWFailure.plain(400, "InvalidObject", "The request body is not valid JSON.")
        }
    }

    /// A query parameter, its name matched case-insensitively (`childconditions` appears in the docs).
    static func parameter(_ request: Request, _ name: String) -> String? {
        FormQuery.value(name, in: request)
    }

    /// The records that pass `conditions` and `childConditions`.
    static func filter(_ records: [CWValue], _ request: Request) throws -> [CWValue] {
        var result = records
        do {
            if let text = parameter(request, "conditions"), !text.trimmingCharacters(in: .whitespaces).isEmpty {
                let condition = try CWConditionParser.parse(text)
                result = result.filter { CWConditionParser.matches(condition, $0) }
            }
            if let text = parameter(request, "childConditions"), !text.trimmingCharacters(in: .whitespaces).isEmpty {
                let condition = try CWConditionParser.parse(text)
                result = result.filter { CWConditionParser.matchesChild(condition, $0) }
            }
        } catch let error as CWConditionError {
            throw CWFailure.plain(400, "InvalidObject", "conditions is invalid: \(error.description)")
        }
        return result
    }

    /// A list answer: filtered, ordered, paged (`page`/`pageSize` ≤ 1000, or `pageId`), with `fields` and a `Link` header.
    static func list(_ records: [CWValue], request: Request, path: String, store: ConnectWiseStore) async throws -> Response {
        var rows: [CWValue]
        do { rows = try filter(records, request) } catch let failure as CWFailure { return Self.failure(failure) }
        if let orderBy = parameter(request, "orderBy") {
            for clause in orderBy.split(separator: ",").reversed() {
                let parts = clause.split(separator: " ").map(String.init)
                guard let field = parts.first else { continue }
                let descending = parts.dropFirst().first?.lowercased() == "desc"
                let fieldPath = field.split(separator: "/").map(String.init)
                rows = rows.sortedStable { left, right in
                    let a = CWConditionParser.resolve(fieldPath, in: left).first, b = CWConditionParser.resolve(fieldPath, in: right).first
                    return descending ? orderedBefore(b, a) : orderedBefore(a, b)
                }
            }
        }
        let pageSize = min(1000, max(1, parameter(request, "pageSize").flatMap { Int($0) } ?? 25))
        var headers: HTTPFields = [:]
        let link = HTTPField.Name("Link")!
        let page: [CWValue]
        if let pageId = parameter(request, "pageId").flatMap({ Int($0) }) {
            let rest = rows.filter { ($0["id"]?.int ?? 0) > pageId }
            page = Array(rest.prefix(pageSize))
            if rest.count > pageSize, let last = page.last?["id"]?.int {
                headers[link] = "<\(await linkURL(store, path, request, replacing: "pageId", with: last))>; rel=\"next\""
            }
        } else {
            let number = max(1, parameter(request, "page").flatMap { Int($0) } ?? 1)
            let lastPage = max(1, (rows.count + pageSize - 1) / pageSize)
            let start = min(rows.count, (number - 1) * pageSize)
            page = Array(rows[start..<min(rows.count, start + pageSize)])
            var links: [String] = []
            if number > 1 {
                links.append("<\(await linkURL(store, path, request, replacing: "page", with: 1))>; rel=\"first\"")
                links.append("<\(await linkURL(store, path, request, replacing: "page", with: min(number - 1, lastPage)))>; rel=\"prev\"")
            }
            if number < lastPage {
                links.append("<\(await linkURL(store, path, request, replacing: "page", with: number + 1))>; rel=\"next\"")
                links.append("<\(await linkURL(store, path, request, replacing: "page", with: lastPage))>; rel=\"last\"")
            }
            if !links.isEmpty { headers[link] = links.joined(separator: ", ") }
        }
        let fields = parameter(request, "fields")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let body = page.map { record in fields.map { project(record, fields: $0) } ?? record }
        return json(.array(body), headers: headers)
    }

    /// Keeps only the named fields (`id`, `company/id`, …) of a record.
    static func project(_ record: CWValue, fields: [String]) -> CWValue {
        var out: [String: CWValue] = [:]
        for field in fields {
            let parts = field.split(separator: "/").map(String.init)
            guard let head = parts.first, let value = record[head] else { continue }
            if parts.count == 1 { out[head] = value; continue }
            var nested = out[head]?.object ?? [:]
            if let inner = value[parts[1]] { nested[parts[1]] = inner }
            out[head] = .object(nested)
        }
        return .object(out)
    }

    static func orderedBefore(_ left: CWValue?, _ right: CWValue?) -> Bool {
        switch (left, right) {
        case (.int(let a)?, .int(let b)?): return a < b
        case (.string(let a)?, .string(let b)?): return a.lowercased() < b.lowercased()
        case (.bool(let a)?, .bool(let b)?): return !a && b
        case (nil, .some): return true
        default: return false
        }
    }

    /// A company as `company/companies` serves it (the fields clients look companies up by).
    static func companyRecord(_ company: ConnectWiseFixture.Company) -> CWValue {
        .object([
            "id": .int(company.id), "identifier": .string(company.identifier), "name": .string(company.name),
            "status": .object(["id": .int(1), "name": .string("Active")]), "deletedFlag": .bool(false),
            "_info": .object(["lastUpdated": .string("2024-01-02T03:04:05Z"), "updatedBy": .string("api")]),
        ])
    }

    /// This request's URL with one query parameter set, for `Link` headers.
    static func linkURL(_ store: ConnectWiseStore, _ path: String, _ request: Request, replacing name: String, with value: Int) async -> String {
        var items: [(String, String)] = []
        for (key, existing) in FormQuery.pairs(of: request) where key.lowercased() != name.lowercased() {
            items.append((key, existing))
        }
        items.append((name, String(value)))
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~/")
        let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
        return "\(await store.apiBase)/\(path)?\(query)"
    }
}

/// Refuses API requests without valid Basic credentials or the expected `clientId` (401).
struct CWAuthMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext
    let store: ConnectWiseStore

    func handle(_ request: Request, context: EmulatorContext, next: (Request, EmulatorContext) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix(ConnectWiseEmulator.apiRoot) else { return try await next(request, context) }
        let credentials = await store.fixture.credentials
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)).flatMap({ String(data: $0, encoding: .utf8) }),
              let colon = decoded.firstIndex(of: ":"), let plus = decoded[..<colon].firstIndex(of: "+") else {
            return ConnectWiseEmulator.failure(.plain(401, "Unauthorized", "Authorization header is missing or is not Basic company+publicKey:privateKey."))
        }
        let company = String(decoded[..<plus]), publicKey = String(decoded[decoded.index(after: plus)..<colon])
        let privateKey = String(decoded[decoded.index(after: colon)...])
        guard let match = credentials.first(where: { $0.company.lowercased() == company.lowercased() && $0.publicKey == publicKey && $0.privateKey == privateKey }) else {
            return ConnectWiseEmulator.failure(.plain(401, "Unauthorized", "The API keys are not valid for this company."))
        }
        if let clientId = match.clientId, request.headers[HTTPField.Name("clientId")!] != clientId {
            return ConnectWiseEmulator.failure(.plain(401, "Unauthorized", "A valid clientId header is required."))
        }
        return try await next(request, context)
    }
}

extension Array {
    /// A stable sort (insertion order kept between equal elements).
    func sortedStable(by before: (Element, Element) -> Bool) -> [Element] {
        enumerated().sorted { a, b in
            if before(a.element, b.element) { return true }
            if before(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}
