// The Autotask emulator's routes: API paths matched case-insensitively, and the admin endpoints.

import Foundation
import Hummingbird
import NIOCore

/// Answers every Autotask API path and `/admin/autotask/...`; anything else is a 404.
struct AutotaskRoutes: RouterMiddleware {
    typealias Context = EmulatorContext
    let store: AutotaskStore
    let control: EmulatorControl

    func handle(_ request: Request, context: EmulatorContext, next: (Request, EmulatorContext) async throws -> Response) async throws -> Response {
        let raw = request.uri.path
        if raw.lowercased().hasPrefix("/admin/autotask") {
            return try await admin(request, context: context)
        }
        guard let path = AutotaskPath(raw) else { return Self.response(AutotaskReply(status: 404, body: nil)) }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let data = Data(body.readableBytesView)
        return Self.response(try await answer(request, path: path, body: data))
    }

    private func answer(_ request: Request, path: AutotaskPath, body: Data) async throws -> AutotaskReply {
        let method = request.method
        if path.isVersionInformation {
            return method == .get ? .ok(.object(["apiVersions": .array(["1.0"])])) : AutotaskReply(status: 405, body: nil)
        }
        let s = path.segments
        if s == ["zoneinformation"] {
            // No auth headers: zone discovery is anonymous (reference §1.2). The zone is this server.
            guard method == .get else { return AutotaskReply(status: 405, body: nil) }
            guard FormQuery.value("user", in: request).map({ !$0.isEmpty }) ?? false else {
                return .errors(["The user parameter is required."], status: 400)
            }
            let base = await store.baseURL
            return .ok(.object([
                "zoneName": "Emulator", "url": .string(base + "/ATServicesRest/"), "webUrl": .string(base + "/"), "ci": 0,
            ]))
        }
        guard await authorized(request) else { return AutotaskReply(status: 401, body: nil) }
        let used = await store.countRequest()
        let limit = await store.threshold
        if s == ["thresholdinformation"] {
            guard method == .get else { return AutotaskReply(status: 405, body: nil) }
            return .ok(.object([
                "externalRequestThreshold": .int(limit), "requestThresholdTimeframe": .int(await store.timeframeMinutes),
                "currentTimeframeRequestCount": .int(used),
            ]))
        }
        if used > limit {
            // Assumed wording; the reference only says the API is blocked "with errors" until the rolling hour clears.
            return .errors(["The hourly request limit of \(limit) requests has been exceeded for this database."], status: 429)
        }
        let payload: AutotaskJSON?
        if body.isEmpty {
            payload = nil
        } else {
            guard let parsed = try? JSONDecoder().decode(AutotaskJSON.self, from: body) else {
                return .errors(["The request body is not valid JSON."])
            }
            payload = parsed
        }
        let nextPage = NextPage(request: request, base: await store.baseURL)

        switch (s.first, s.count) {
        case ("contacts", 1):
            // The swagger has no root Contacts writes; clients get 404 (reference §1.4, KelvinTegelaar issue #27).
            return AutotaskReply(status: 404, body: nil)
        case ("contacts", _) where s[1] == "query":
            let entities = await store.allContacts()
            return query(method, request, payload, entities, .contact, count: s.count == 3 && s[2] == "count", nextPage: nextPage)
        case ("contacts", 3) where s[1] == "entityinformation" && s[2] == "fields":
            return method == .get ? .ok(AutotaskEntitySchema.contact.fieldInformation()) : AutotaskReply(status: 405, body: nil)
        case ("contacts", 2):
            guard let id = Int(s[1]) else { return AutotaskReply(status: 404, body: nil) }
            guard method == .get else { return AutotaskReply(status: 405, body: nil) }
            guard let record = await store.contact(id: id) else { return AutotaskReply(status: 404, body: nil) }
            return .ok(.object(["item": .object(record)]))
        case ("companylocations", _) where s.count >= 2 && s[1] == "query":
            let entities = await store.allLocations()
            return query(method, request, payload, entities, .companyLocation, count: s.count == 3 && s[2] == "count", nextPage: nextPage)
        case ("companylocations", 2):
            guard let id = Int(s[1]), method == .get else { return AutotaskReply(status: method == .get ? 404 : 405, body: nil) }
            guard let record = await store.location(id: id) else { return AutotaskReply(status: 404, body: nil) }
            return .ok(.object(["item": .object(record)]))
        case ("companies", _) where s.count >= 2 && s[1] == "query":
            let entities = await store.allCompanies()
            return query(method, request, payload, entities, .company, count: s.count == 3 && s[2] == "count", nextPage: nextPage)
        case ("companies", 3) where s[1] == "entityinformation" && s[2] == "fields":
            return method == .get ? .ok(AutotaskEntitySchema.company.fieldInformation()) : AutotaskReply(status: 405, body: nil)
        case ("companies", 2):
            guard let companyId = Int(s[1]) else { return AutotaskReply(status: 404, body: nil) }
            guard method == .get else { return AutotaskReply(status: 405, body: nil) }
            guard let company = await store.company(companyId) else { return AutotaskReply(status: 404, body: nil) }
            return .ok(.object(["item": .object(AutotaskStore.companyRecord(company))]))
        case ("companies", 3) where s[2] == "contacts":
            guard let companyId = Int(s[1]) else { return AutotaskReply(status: 404, body: nil) }
            switch method {
            case .get:
                guard await store.companyExists(companyId) else { return AutotaskReply(status: 404, body: nil) }
                let entities = await store.allContacts().filter { $0["companyID"]?.intValue == companyId }
                return page(entities, pageSize: 500, includeFields: [], nextPage: nextPage, afterId: afterId(request))
            case .post: return await store.create(companyId: companyId, body: payload ?? .null)
            case .patch: return await store.update(companyId: companyId, body: payload ?? .null, replacing: false)
            case .put: return await store.update(companyId: companyId, body: payload ?? .null, replacing: true)
            default: return AutotaskReply(status: 405, body: nil)
            }
        case ("companies", 4) where s[2] == "contacts":
            guard let companyId = Int(s[1]), let id = Int(s[3]) else { return AutotaskReply(status: 404, body: nil) }
            switch method {
            case .get:
                guard let record = await store.contact(id: id), record["companyID"]?.intValue == companyId else {
                    return AutotaskReply(status: 404, body: nil)
                }
                return .ok(.object(["item": .object(record)]))
            case .delete: return await store.delete(companyId: companyId, id: id)
            // "the Autotask API only allows GET and DELETE on the individual contact URL" (reference §1.4).
            default: return AutotaskReply(status: 405, body: nil)
            }
        case ("companies", 3) where s[2] == "locations":
            guard let companyId = Int(s[1]), method == .get else { return AutotaskReply(status: 405, body: nil) }
            guard await store.companyExists(companyId) else { return AutotaskReply(status: 404, body: nil) }
            let entities = await store.allLocations().filter { $0["companyID"]?.intValue == companyId }
            return page(entities, pageSize: 500, includeFields: [], nextPage: nextPage, afterId: afterId(request))
        default:
            return AutotaskReply(status: 404, body: nil)
        }
    }

    private func authorized(_ request: Request) async -> Bool {
        let expected = store.credentials
        // HTTP header names are case-insensitive; clients send `ApiIntegrationcode` too (reference §1.3).
        return Self.header(request, "ApiIntegrationCode") == expected.integrationCode
            && Self.header(request, "UserName") == expected.username && Self.header(request, "Secret") == expected.secret
    }

    /// A request header's value, its name matched without regard to case.
    static func header(_ request: Request, _ name: String) -> String? {
        let key = name.lowercased()
        return request.headers.first { $0.name.canonicalName == key }?.value
    }

    private func afterId(_ request: Request) -> Int? {
        guard let paging = FormQuery.value("paging", in: request),
              let json = try? JSONDecoder().decode(AutotaskJSON.self, from: Data(paging.utf8)) else { return nil }
        return json.member("afterId")?.intValue
    }

    /// Runs a query (POST body, or GET `?search=`) over entities, or counts its matches.
    private func query(
        _ method: HTTPRequest.Method, _ request: Request, _ payload: AutotaskJSON?, _ entities: [[String: AutotaskJSON]],
        _ schema: AutotaskEntitySchema, count: Bool, nextPage: NextPage
    ) -> AutotaskReply {
        let body: AutotaskJSON
        switch method {
        case .post:
            guard let payload else { return .errors(["The query body is missing; POST the same body to every page."]) }
            body = payload
        case .get:
            guard let search = FormQuery.value("search", in: request),
                  let parsed = try? JSONDecoder().decode(AutotaskJSON.self, from: Data(search.utf8)) else {
                return .errors(["The search parameter is missing or is not a valid query."])
            }
            body = parsed
        default:
            return AutotaskReply(status: 405, body: nil)
        }
        do {
            let query = try AutotaskQuery(body)
            try query.validate(schema: schema)
            let matching = try entities.filter { try query.matches($0, schema: schema) }
            if count { return .ok(.object(["queryCount": .int(matching.count)])) }
            return page(matching, pageSize: query.maxRecords, includeFields: query.includeFields, nextPage: nextPage,
                        afterId: afterId(request))
        } catch let error as AutotaskQueryError {
            return .errors([error.message])
        } catch {
            return .errors(["\(error)"])
        }
    }

    /// One page after `afterId`, with a `nextPageUrl` when more remain.
    private func page(
        _ entities: [[String: AutotaskJSON]], pageSize: Int, includeFields: [String], nextPage: NextPage, afterId: Int?
    ) -> AutotaskReply {
        let sorted = entities.sorted { ($0["id"]?.intValue ?? 0) < ($1["id"]?.intValue ?? 0) }
        let remaining = afterId.map { after in sorted.filter { ($0["id"]?.intValue ?? 0) > after } } ?? sorted
        let items = Array(remaining.prefix(pageSize))
        let wanted = Set(includeFields.map { $0.lowercased() } + ["id"])
        let shown = items.map { item -> AutotaskJSON in
            guard !includeFields.isEmpty else { return .object(item) }
            return .object(item.filter { wanted.contains($0.key.lowercased()) })
        }
        let next: AutotaskJSON = remaining.count > pageSize
            ? .string(nextPage.url(pageSize: pageSize, afterId: items.last?["id"]?.intValue ?? 0)) : .null
        return .ok(.object([
            "items": .array(shown),
            "pageDetails": .object([
                "count": .int(items.count), "requestCount": .int(pageSize), "prevPageUrl": .null, "nextPageUrl": next,
            ]),
        ]))
    }

    // MARK: Admin

    private func admin(_ request: Request, context: EmulatorContext) async throws -> Response {
        let parts = request.uri.path.split(separator: "/").map(String.init).dropFirst(2)
        let body = Data(try await request.body.collect(upTo: context.maxUploadSize).readableBytesView)
        let decoder = JSONDecoder()
        do {
            switch (request.method, Array(parts)) {
            case (.get, ["contacts"]):
                guard let company = FormQuery.value("companyId", in: request).flatMap({ Int($0) }) else {
                    return Self.plain(400, #"{"error":"companyId is required"}"#)
                }
                return Self.encoded(await store.fixtureContacts(companyId: company))
            case (.post, ["contacts"]):
                let contact = try decoder.decode(AutotaskFixture.Contact.self, from: body)
                return Self.encoded(["id": await store.add(contact)])
            case (.patch, let path) where path.count == 2 && path[0] == "contacts":
                guard let id = Int(path[1]), case .object(let changes) = try decoder.decode(AutotaskJSON.self, from: body) else {
                    return Self.plain(400, #"{"error":"a contact id and an object of changes are required"}"#)
                }
                return Self.response(.ok(.object(try await store.edit(id: id, changes: changes))))
            case (.post, ["faults"]):
                await control.inject(try decoder.decode(Fault.self, from: body))
                return Self.plain(204, "")
            case (.delete, ["faults"]):
                await control.clearFaults()
                return Self.plain(204, "")
            case (.put, ["threshold"]):
                let threshold = try decoder.decode([String: Int].self, from: body)
                await store.setThreshold(
                    limit: threshold["limit"] ?? 10_000, usedBeforeStart: threshold["usedBeforeStart"] ?? 0,
                    window: threshold["windowSeconds"].map(TimeInterval.init))
                return Self.plain(204, "")
            case (.get, ["stats"]):
                return Self.response(.ok(.object([
                    "requests": .int(await control.requestCount()), "writes": .int(await control.writeCount()),
                    "maxInFlight": .int(await store.maxInFlight),
                    "counts": .object((await control.requestCounts()).mapValues { .int($0) }),
                ])))
            default:
                return Self.plain(404, #"{"error":"no such admin endpoint"}"#)
            }
        } catch {
            let message = String(describing: error).replacingOccurrences(of: "\"", with: "'")
            return Self.plain(400, "{\"error\":\"\(message)\"}")
        }
    }

    // MARK: Responses

    static func response(_ reply: AutotaskReply) -> Response {
        var headers: HTTPFields = [:]
        var buffer = ByteBuffer()
        if let body = reply.body {
            headers[.contentType] = "application/json; charset=utf-8"
            buffer = ByteBuffer(bytes: body.data)
        }
        return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: buffer))
    }

    static func encoded<T: Encodable>(_ value: T) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("null".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func plain(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// How the next page of a query is addressed: the same URL with an opaque `paging` cursor (and the GET `search`).
struct NextPage {
    var base: String
    var path: String
    var search: String?

    init(request: Request, base: String) {
        self.base = base
        self.path = request.uri.path
        self.search = request.method == .get ? FormQuery.value("search", in: request) : nil
    }

    func url(pageSize: Int, afterId: Int) -> String {
        let cursor = #"{"pageSize":\#(pageSize),"afterId":\#(afterId)}"#
        var url = base + path + "?paging=" + Self.encode(cursor)
        if let search { url += "&search=" + Self.encode(search) }
        return url
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
