// The Graph emulator's actor: every tenant, token and delta round, and the answers to each Graph endpoint.

import Foundation

/// Holds the emulator's state and answers requests; one per `GraphEmulator`.
actor GraphStore {
    var tenants: [String: GraphTenantState] = [:]
    private var tenantKeys: [String: String] = [:]
    private var tokens: [String: (tenantId: String, expires: Date)] = [:]
    var rounds: [String: DeltaRound] = [:]
    var roundOrder: [String] = []
    var nextRound = 0
    var deltaPageSize = 200
    var tokenLifetime = 3599
    var duplicateDeltaEntries = false
    var emptyFirstDeltaPage = false

    struct DeltaRound {
        var entries: [String]
        var context: String
        var deltaToken: String
        /// The delta function's path after `/v1.0/` (`users/delta`, `groups/delta`).
        var path = "users/delta"
        /// Entries per page; `nil` for `deltaPageSize`.
        var pageSize: Int?
    }
    /// What each groups delta link remembers: the groups' direct members when it was issued, by link id.
    var groupSnapshots: [String: GroupSnapshot] = [:]
    var groupSnapshotOrder: [String] = []
    var nextGroupSnapshot = 0

    init(tenants: [GraphTenant]) {
        for tenant in tenants { Self.add(tenant, to: &self.tenants, keys: &tenantKeys) }
    }

    func add(_ tenant: GraphTenant) { Self.add(tenant, to: &tenants, keys: &tenantKeys) }

    private static func add(_ tenant: GraphTenant, to tenants: inout [String: GraphTenantState], keys: inout [String: String]) {
        let key = tenant.tenantId.lowercased()
        tenants[key] = GraphTenantState(tenant)
        keys[key] = key
        keys[tenant.domain.lowercased()] = key
    }

    func configure(deltaPageSize: Int?, tokenLifetime: Int?, duplicateDeltaEntries: Bool?, emptyFirstDeltaPage: Bool?) {
        if let emptyFirstDeltaPage { self.emptyFirstDeltaPage = emptyFirstDeltaPage }
        if let deltaPageSize { self.deltaPageSize = max(1, deltaPageSize) }
        if let tokenLifetime { self.tokenLifetime = tokenLifetime }
        if let duplicateDeltaEntries { self.duplicateDeltaEntries = duplicateDeltaEntries }
    }

    // MARK: Mutators

    /// Runs `body` on a tenant's state, or throws when the tenant is unknown.
    func mutate<R: Sendable>(_ tenant: String, _ body: (inout GraphTenantState) throws -> R) throws -> R {
        guard let key = tenantKeys[tenant.lowercased()], tenants[key] != nil else {
            throw EmulatorError("the Graph emulator has no tenant \"\(tenant)\"")
        }
        return try body(&tenants[key]!)
    }

    func user(_ id: String, in tenant: String) throws -> GraphUser {
        try mutate(tenant) { state in
            guard let user = state.users[id]?.user else { throw EmulatorError("tenant \"\(tenant)\" has no user \(id)") }
            return user
        }
    }

    func update(_ id: String, in tenant: String, _ change: (inout GraphUser) throws -> Void) throws {
        try mutate(tenant) { state in
            guard var user = state.users[id]?.user else {
                throw EmulatorError("tenant \"\(tenant)\" has no active user \(id)")
            }
            try change(&user)
            state.upsert(user)
        }
    }

    func expireDeltaLinks(in tenant: String?) throws {
        if let tenant {
            try mutate(tenant) { $0.linkEpoch += 1 }
        } else {
            for key in tenants.keys { tenants[key]!.linkEpoch += 1 }
        }
        rounds.removeAll()
        roundOrder.removeAll()
        groupSnapshots.removeAll()
        groupSnapshotOrder.removeAll()
    }

    func expireAccessTokens() { tokens.removeAll() }

    // MARK: Token endpoint

    func token(tenantSegment: String, form: [String: String]) -> GraphReply {
        guard let key = tenantKeys[tenantSegment.lowercased()], let tenant = tenants[key] else {
            return Self.aadError(
                400, "invalid_request", 90002,
                "Tenant '\(tenantSegment)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
        }
        guard form["grant_type"] == "client_credentials" else {
            return Self.aadError(
                400, "unsupported_grant_type", 70003,
                "The app requested an unsupported grant type '\(form["grant_type"] ?? "")'.")
        }
        guard let scope = form["scope"], scope == "https://graph.microsoft.com/.default" else {
            return Self.aadError(
                400, "invalid_scope", 70011,
                "The provided value for the input parameter 'scope' is not valid. The scope \(form["scope"] ?? "") is not valid.")
        }
        let clientId = form["client_id"] ?? ""
        guard clientId.lowercased() == tenant.clientId.lowercased() else {
            return Self.aadError(
                400, "unauthorized_client", 700016,
                "Application with identifier '\(clientId)' was not found in the directory '\(tenant.domain)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        }
        guard form["client_secret"] == tenant.clientSecret else {
            return Self.aadError(
                401, "invalid_client", 7_000_215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientId)'.")
        }
        var random = SystemRandomNumberGenerator()
        let raw = (0..<4).map { _ in String(random.next(), radix: 36) }.joined()
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.\(raw).\(tenant.tenantId.prefix(8))"
        tokens[token] = (key, Date().addingTimeInterval(TimeInterval(tokenLifetime)))
        let body = GraphJSONText.object([
            ("token_type", "\"Bearer\""), ("expires_in", "\(tokenLifetime)"), ("ext_expires_in", "\(tokenLifetime)"),
            ("access_token", GraphJSONText.string(token)),
        ])
        return GraphReply(status: 200, body: body, contentType: "application/json; charset=utf-8")
    }

    static func aadError(_ status: Int, _ error: String, _ code: Int, _ message: String) -> GraphReply {
        let trace = UUID().uuidString.lowercased()
        let correlation = UUID().uuidString.lowercased()
        let stamp = Self.timestamp(Date(), format: "yyyy-MM-dd HH:mm:ss'Z'")
        let description = "AADSTS\(code): \(message)\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(stamp)"
        let body = GraphJSONText.object([
            ("error", GraphJSONText.string(error)), ("error_description", GraphJSONText.string(description)),
            ("error_codes", "[\(code)]"), ("timestamp", GraphJSONText.string(stamp)),
            ("trace_id", GraphJSONText.string(trace)), ("correlation_id", GraphJSONText.string(correlation)),
            ("error_uri", GraphJSONText.string("https://login.microsoftonline.com/error?code=\(code)")),
        ])
        return GraphReply(status: status, body: body, contentType: "application/json; charset=utf-8")
    }

    // MARK: Graph errors and authentication

    static func graphError(_ status: Int, _ code: String, _ message: String, _ call: GraphCall?) -> GraphReply {
        var inner: [(String, String)] = [
            ("date", GraphJSONText.string(timestamp(Date(), format: "yyyy-MM-dd'T'HH:mm:ss"))),
            ("request-id", GraphJSONText.string(UUID().uuidString.lowercased())),
        ]
        if let id = call?.clientRequestId { inner.append(("client-request-id", GraphJSONText.string(id))) }
        let body = GraphJSONText.object([
            ("error", GraphJSONText.object([
                ("code", GraphJSONText.string(code)), ("message", GraphJSONText.string(message)),
                ("innerError", GraphJSONText.object(inner)),
            ]))
        ])
        return GraphReply(status: status, body: body, contentType: "application/json")
    }

    static func timestamp(_ date: Date, format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }

    /// The tenant a bearer token was issued for, or the 401 Graph answers.
    func authenticate(_ authorization: String?, _ call: GraphCall) -> Result<String, GraphReplyError> {
        guard let authorization, authorization.hasPrefix("Bearer "), authorization.count > 7 else {
            return .failure(.init(Self.graphError(401, "InvalidAuthenticationToken", "Access token is empty.", call)))
        }
        guard let entry = tokens[String(authorization.dropFirst(7))] else {
            return .failure(.init(Self.graphError(
                401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", call)))
        }
        guard entry.expires > Date() else {
            return .failure(.init(Self.graphError(
                401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", call)))
        }
        return .success(entry.tenantId)
    }

    // MARK: $select

    /// The `$select` list (id first when missing), or the 400/501 Graph answers for a property it cannot return.
    static func userSelect(_ call: GraphCall) -> Result<[String]?, GraphReplyError> {
        guard let raw = call.query["$select"], !raw.isEmpty else { return .success(nil) }
        var names = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for name in names where !GraphUser.propertyNames.contains(name) {
            if GraphUser.notInCollections.contains(name) {
                return .failure(.init(graphError(501, "NotImplemented", "This operation target is not yet supported.", call)))
            }
            return .failure(.init(graphError(
                400, "Request_BadRequest", "Could not find a property named '\(name)' on type 'microsoft.graph.user'.", call)))
        }
        if !names.contains("id") { names.insert("id", at: 0) }
        var seen: Set<String> = []
        return .success(names.filter { seen.insert($0).inserted })
    }

    static func context(_ call: GraphCall, _ entitySet: String, _ select: [String]?) -> String {
        let suffix = select.map { "(" + $0.joined(separator: ",") + ")" } ?? ""
        return "\(call.base)/v1.0/$metadata#\(entitySet)\(suffix)"
    }

    static func page(context: String?, count: Int? = nil, nextLink: String? = nil, deltaLink: String? = nil, values: some Sequence<String>) -> String {
        var out = "{"
        if let context { out += "\"@odata.context\":" + GraphJSONText.string(context) + "," }
        if let count { out += "\"@odata.count\":\(count)," }
        if let nextLink { out += "\"@odata.nextLink\":" + GraphJSONText.string(nextLink) + "," }
        if let deltaLink { out += "\"@odata.deltaLink\":" + GraphJSONText.string(deltaLink) + "," }
        out += "\"value\":[" + values.joined(separator: ",") + "]}"
        return out
    }

    static func encodeQuery(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#'")
        return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
            .joined(separator: "&")
    }

    static func opaque(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unopaque(_ token: String) -> String? {
        var base = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        return Data(base64Encoded: base).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A user listing's `$select` and `$top`, or the answer refusing either.
    static func userListing(_ call: GraphCall) -> Result<(select: [String]?, top: Int), GraphReplyError> {
        userSelect(call).flatMap { select in pageSize(call).map { (select, $0) } }
    }

    static func pageSize(_ call: GraphCall) -> Result<Int, GraphReplyError> {
        guard let raw = call.query["$top"] else { return .success(100) }
        guard let top = Int(raw), (1...999).contains(top) else {
            return .failure(.init(graphError(
                400, "Request_BadRequest", "Invalid page size specified: '\(raw)'. Must be between 1 and 999 inclusive.", call)))
        }
        return .success(top)
    }

    // MARK: /users

    func listUsers(_ tenantKey: String, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        if call.query["$skip"] != nil {
            return Self.graphError(400, "Request_BadRequest", "'$skip' is not supported by the service.", call)
        }
        let select: [String]?
        let top: Int
        switch Self.userListing(call) {
        case .success(let value): (select, top) = value
        case .failure(let error): return error.reply
        }
        let filter: GraphUserFilter?
        switch GraphUserFilter.parse(call) {
        case .success(let value): filter = value
        case .failure(let error): return error.reply
        }
        // Pages follow id order and resume after the last id sent; with $orderby they follow that order by position.
        var ordering = state.sortedIds
        if let orderBy = call.query["$orderby"] {
            let words = orderBy.split(separator: " ").map(String.init)
            let property = words.first ?? ""
            let advanced = call.consistencyEventual && call.query["$count"] == "true"
            // $orderby works by default only on displayName and userPrincipalName, and never with $filter (aad-advanced-queries.md).
            guard advanced || (filter == nil && ["displayName", "userPrincipalName"].contains(property)),
                  GraphUser.propertyNames.contains(property)
            else {
                return Self.graphError(
                    400, "Request_UnsupportedQuery",
                    "Sorting not supported for current query. Try adding $count=true query parameter and ConsistencyLevel:eventual header.", call)
            }
            let descending = words.count > 1 && words[1].lowercased() == "desc"
            let key = { (id: String) in state.users[id]!.fragments[property]?.text.lowercased() ?? "" }
            ordering = ordering.sorted { descending ? key($0) > key($1) : key($0) < key($1) }
        }
        var start = 0
        if let skip = call.query["$skiptoken"] {
            guard let decoded = Self.unopaque(skip) else {
                return Self.graphError(400, "Request_BadRequest", "The specified page token value has expired and can no longer be included in your request.", call)
            }
            if decoded.hasPrefix("at:"), let offset = Int(decoded.dropFirst(3)) {
                start = offset
            } else if decoded.hasPrefix("after:") {
                let id = String(decoded.dropFirst(6))
                start = state.sortedIds.graphInsertionIndex(of: id)
                if start < state.sortedIds.count, state.sortedIds[start] == id { start += 1 }
            }
        }
        let properties = select ?? GraphUser.defaultPropertyNames
        var values: [String] = []
        var last: String?
        var index = start
        while index < ordering.count, values.count < top {
            let record = state.users[ordering[index]]!
            if filter?.matches(record) ?? true {
                values.append(state.render(record, select: properties, mode: .list))
                last = record.user.id
            }
            index += 1
        }
        var more = false
        if let filter {
            more = ordering[min(index, ordering.count)...].contains { filter.matches(state.users[$0]!) }
        } else {
            more = index < ordering.count
        }
        var nextLink: String?
        if more, let last {
            var pairs: [(String, String)] = []
            if let raw = call.query["$select"] { pairs.append(("$select", raw)) }
            if let raw = call.query["$filter"] { pairs.append(("$filter", raw)) }
            if let raw = call.query["$count"] { pairs.append(("$count", raw)) }
            if let raw = call.query["$orderby"] { pairs.append(("$orderby", raw)) }
            pairs.append(("$top", "\(top)"))
            let position = call.query["$orderby"] == nil ? "after:" + last : "at:\(index)"
            pairs.append(("$skiptoken", Self.opaque(position)))
            nextLink = "\(call.base)/v1.0/users?" + Self.encodeQuery(pairs)
        }
        var count: Int?
        if call.query["$count"] == "true", call.consistencyEventual, call.query["$skiptoken"] == nil {
            count = filter.map { f in state.users.values.filter { f.matches($0) }.count } ?? state.users.count
        }
        return GraphReply(status: 200, body: Self.page(
            context: Self.context(call, "users", select), count: count, nextLink: nextLink, values: values))
    }

    func countUsers(_ tenantKey: String, _ call: GraphCall) -> GraphReply {
        guard call.consistencyEventual else {
            return Self.graphError(400, "Request_BadRequest", "$count is not currently supported.", call)
        }
        return GraphReply(status: 200, body: "\(tenants[tenantKey]?.users.count ?? 0)", contentType: "text/plain")
    }

    // MARK: /users/delta

    func delta(_ tenantKey: String, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        if let skip = call.query["$skiptoken"] ?? call.query["$skipToken"] {
            guard let round = rounds[roundKey(skip)], let offset = roundOffset(skip) else {
                return gone(call)
            }
            return deltaPage(round, id: roundKey(skip), offset: offset, call)
        }
        let token = call.query["$deltatoken"] ?? call.query["$deltaToken"]
        let select: [String]?
        let since: Int?
        if let token, token != "latest" {
            guard let decoded = Self.unopaque(token), let link = GraphDeltaLinkState(decoded), link.tenant == tenantKey else {
                return Self.graphError(400, "Request_BadRequest", "Invalid delta token.", call)
            }
            guard link.epoch == state.linkEpoch, link.sequence <= state.sequence else { return gone(call) }
            select = link.select
            since = link.sequence
        } else {
            switch Self.userSelect(call) {
            case .success(let value): select = value
            case .failure(let error): return error.reply
            }
            since = nil
        }
        let link = GraphDeltaLinkState(tenant: tenantKey, sequence: state.sequence, epoch: state.linkEpoch, select: select)
        let deltaToken = Self.opaque(link.encoded)
        let context = Self.context(call, "users", select)
        if token == "latest" {
            return GraphReply(status: 200, body: Self.page(
                context: context, deltaLink: deltaLinkURL(call, deltaToken), values: [String]()))
        }
        var entries = state.deltaEntries(since: since, select: select, minimal: call.preferMinimal && since != nil)
        if duplicateDeltaEntries {
            entries += entries.filter { !$0.contains("\"@removed\"") }
        }
        let round = DeltaRound(entries: entries, context: context, deltaToken: deltaToken)
        if entries.count <= deltaPageSize && !emptyFirstDeltaPage {
            return deltaPage(round, id: "", offset: 0, call)
        }
        let id = keep(round)
        if emptyFirstDeltaPage {
            // A page with a nextLink may hold no users (delta-query-overview.md).
            let skip = Self.opaque("\(id):0")
            return GraphReply(status: 200, body: Self.page(
                context: context, nextLink: "\(call.base)/v1.0/users/delta?$skiptoken=\(skip)", values: [String]()))
        }
        return deltaPage(round, id: id, offset: 0, call)
    }

    func deltaLinkURL(_ call: GraphCall, _ token: String, path: String = "users/delta") -> String {
        "\(call.base)/v1.0/\(path)?$deltatoken=\(token)"
    }

    func roundKey(_ skip: String) -> String {
        Self.unopaque(skip)?.split(separator: ":").first.map(String.init) ?? ""
    }

    func roundOffset(_ skip: String) -> Int? {
        guard let parts = Self.unopaque(skip)?.split(separator: ":"), parts.count == 2 else { return nil }
        return Int(parts[1])
    }

    func deltaPage(_ round: DeltaRound, id: String, offset: Int, _ call: GraphCall) -> GraphReply {
        let end = min(offset + (round.pageSize ?? deltaPageSize), round.entries.count)
        let slice = round.entries[min(offset, end)..<end]
        if end < round.entries.count {
            let skip = Self.opaque("\(id):\(end)")
            return GraphReply(status: 200, body: Self.page(
                context: round.context, nextLink: "\(call.base)/v1.0/\(round.path)?$skiptoken=\(skip)", values: slice))
        }
        return GraphReply(status: 200, body: Self.page(
            context: round.context, deltaLink: deltaLinkURL(call, round.deltaToken, path: round.path), values: slice))
    }

    /// Keeps a round of more than one page for its skip tokens, forgetting the oldest past 64; returns its id.
    func keep(_ round: DeltaRound) -> String {
        nextRound += 1
        let id = "r\(nextRound)"
        rounds[id] = round
        roundOrder.append(id)
        if roundOrder.count > 64 { rounds[roundOrder.removeFirst()] = nil }
        return id
    }

    /// The answer to an expired delta or skip token: 410 with a Location to start over (delta-query-overview.md).
    func gone(_ call: GraphCall, path: String = "users/delta") -> GraphReply {
        var reply = Self.graphError(
            410, "syncStateNotFound",
            "The sync state generation is not found. The delta token is expired and data must be synchronized again.", call)
        reply.headers["Location"] = "\(call.base)/v1.0/\(path)?$deltatoken="
        return reply
    }

    // MARK: /subscribedSkus

    func subscribedSkus(_ tenantKey: String, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        if call.query["$filter"] != nil {
            return Self.graphError(
                400, "Request_BadRequest",
                "Query option 'Filter' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryableAttribute.", call)
        }
        let selected = call.query["$select"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        typealias T = GraphJSONText
        let values = state.skus.map { sku -> String in
            let consumed = state.users.values.filter { $0.user.assignedLicenses.contains { $0.skuId == sku.skuId } }.count
            let suspended = sku.capabilityStatus == "Suspended"
            let all: [(String, String)] = [
                ("accountName", T.string(state.domain)), ("accountId", T.string(state.tenantId)),
                ("appliesTo", "\"User\""), ("capabilityStatus", T.string(sku.capabilityStatus)),
                ("consumedUnits", "\(consumed)"), ("id", T.string("\(state.tenantId)_\(sku.skuId)")),
                ("prepaidUnits", T.object([
                    ("enabled", "\(suspended ? 0 : sku.enabledUnits)"), ("lockedOut", "0"),
                    ("suspended", "\(suspended ? sku.enabledUnits : 0)"), ("warning", "0"),
                ])),
                ("servicePlans", "[]"), ("skuId", T.string(sku.skuId)), ("skuPartNumber", T.string(sku.skuPartNumber)),
                ("subscriptionIds", T.strings([Self.stableId(state.tenantId + sku.skuId)])),
            ]
            let members = selected.map { names in all.filter { names.contains($0.0) || $0.0 == "id" } } ?? all
            return T.object(members)
        }
        let context = Self.context(call, "subscribedSkus", selected.map { ["id"] + $0.filter { $0 != "id" } })
        return GraphReply(status: 200, body: Self.page(context: context, values: values))
    }

    static func stableId(_ seed: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(format: "%016llx", hash)
        let a = Array(hex)
        return "\(String(a[0..<8]))-\(String(a[8..<12]))-\(String(a[12..<16]))-\(String(a[0..<4]))-\(String(a[4..<16]))"
    }

    // MARK: /groups

    func renderGroup(_ group: GraphGroup, type: Bool) -> String {
        typealias T = GraphJSONText
        let nickname = group.displayName.filter { $0.isLetter || $0.isNumber }
        var members: [(String, String)] = type ? [("@odata.type", "\"#microsoft.graph.group\"")] : []
        members += [
            ("id", T.string(group.id)), ("description", "null"), ("displayName", T.string(group.displayName)),
            ("groupTypes", "[]"), ("mail", "null"), ("mailEnabled", "false"), ("mailNickname", T.string(nickname)),
            ("securityEnabled", "true"),
        ]
        return T.object(members)
    }

    func groups(_ tenantKey: String, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        var found = state.groupOrder.compactMap { state.groups[$0] }
        if let filter = call.query["$filter"] {
            guard let clause = GraphUserFilter.eqClause(filter), ["displayName", "id"].contains(clause.property) else {
                return Self.graphError(400, "Request_UnsupportedQuery", "Unsupported Query.", call)
            }
            found = found.filter { (clause.property == "id" ? $0.id : $0.displayName).lowercased() == clause.value.lowercased() }
        }
        return GraphReply(status: 200, body: Self.page(
            context: Self.context(call, "groups", nil), values: found.map { renderGroup($0, type: false) }))
    }

    func group(_ tenantKey: String, _ id: String, _ call: GraphCall) -> GraphReply {
        guard let group = tenants[tenantKey]?.groups[id] else { return groupNotFound(id, call) }
        var body = renderGroup(group, type: false)
        body.insert(contentsOf: "\"@odata.context\":" + GraphJSONText.string("\(call.base)/v1.0/$metadata#groups/$entity") + ",", at: body.index(after: body.startIndex))
        return GraphReply(status: 200, body: body)
    }

    func groupNotFound(_ id: String, _ call: GraphCall) -> GraphReply {
        Self.graphError(
            404, "Request_ResourceNotFound",
            "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.", call)
    }

    /// A cast segment in the spelling Rollcall's emulator reads it: Graph takes `microsoft.graph.user` and the short
    /// `graph.user` alike, in any letter case; `nil` for no cast.
    static func castType(_ cast: String?) -> String? {
        guard let lowered = cast?.lowercased() else { return nil }
        return lowered.hasPrefix("graph.") ? "microsoft." + lowered : lowered
    }

    /// `/groups/{id}/members[/cast]` (direct) and `/groups/{id}/transitiveMembers[/cast]` (users at any depth once
    /// each, plus nested groups unless cast to users).
    func members(_ tenantKey: String, _ id: String, transitive: Bool, cast: String?, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        guard let group = state.groups[id] else { return groupNotFound(id, call) }
        let castType = Self.castType(cast)
        if let refused = Self.refuseCast(cast, castType, allowed: ["microsoft.graph.user", "microsoft.graph.group"], call) {
            return refused
        }
        let reach: (users: [String], groups: [String]) = transitive
            ? state.transitiveMembers(of: id)
            : (group.members.filter { state.users[$0] != nil }, group.members.filter { state.groups[$0] != nil })
        var items: [(user: String?, group: String?)] = []
        if castType != "microsoft.graph.group" { items += reach.users.map { ($0, nil) } }
        if castType != "microsoft.graph.user" { items += reach.groups.map { (nil, $0) } }
        let segment = transitive ? "transitiveMembers" : "members"
        return directoryObjects(
            items, state: state, path: "groups/\(id)/\(segment)", cast: cast, castType: castType, call)
    }

    /// `/users/{id | userPrincipalName}/memberOf[/cast]` (direct) and `/transitiveMemberOf[/cast]`: the groups a user
    /// is in, each with its `@odata.type`.
    func memberOf(_ tenantKey: String, _ idOrName: String, transitive: Bool, cast: String?, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        guard let record = Self.activeUser(idOrName, in: state) else { return userNotFound(idOrName, call) }
        let castType = Self.castType(cast)
        if let refused = Self.refuseCast(cast, castType, allowed: ["microsoft.graph.group"], call) { return refused }
        let userId = record.user.id
        let groups = state.groupOrder.filter { groupId in
            transitive
                ? state.transitiveMembers(of: groupId).users.contains(userId)
                : state.groups[groupId]?.members.contains(userId) == true
        }
        let segment = transitive ? "transitiveMemberOf" : "memberOf"
        return directoryObjects(
            groups.map { (nil, $0) }, state: state, path: "users/\(idOrName)/\(segment)", cast: cast, castType: castType, call)
    }

    /// `/users/{id | userPrincipalName}`: one user, with the default properties or `$select`.
    func user(_ tenantKey: String, _ idOrName: String, _ call: GraphCall) -> GraphReply {
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        guard let record = Self.activeUser(idOrName, in: state) else { return userNotFound(idOrName, call) }
        let select: [String]?
        switch Self.userSelect(call) {
        case .success(let value): select = value
        case .failure(let error): return error.reply
        }
        var body = state.render(record, select: select ?? GraphUser.defaultPropertyNames, mode: .list)
        let context = Self.context(call, "users", select) + "/$entity"
        body.insert(contentsOf: "\"@odata.context\":" + GraphJSONText.string(context) + (body == "{}" ? "" : ","), at: body.index(after: body.startIndex))
        return GraphReply(status: 200, body: body)
    }

    /// The active user with this object id or user principal name (any letter case).
    static func activeUser(_ idOrName: String, in state: GraphTenantState) -> GraphUserRecord? {
        let name = idOrName.removingPercentEncoding ?? idOrName
        if let record = state.users[name] { return record }
        let lowered = name.lowercased()
        return state.users.values.first { $0.user.id.lowercased() == lowered || $0.user.userPrincipalName.lowercased() == lowered }
    }

    private func userNotFound(_ idOrName: String, _ call: GraphCall) -> GraphReply {
        Self.graphError(
            404, "Request_ResourceNotFound",
            "Resource '\(idOrName)' does not exist or one of its queried reference-property objects are not present.", call)
    }

    /// The answer refusing a cast Graph would refuse: an unknown type, or a known one without the advanced query
    /// parameters (`$count=true` and `ConsistencyLevel: eventual`) it needs.
    static func refuseCast(_ cast: String?, _ castType: String?, allowed: Set<String>, _ call: GraphCall) -> GraphReply? {
        guard let castType else { return nil }
        guard allowed.contains(castType) else { return graphError(400, "Request_BadRequest", "Invalid cast '\(cast!)'.", call) }
        guard call.consistencyEventual && call.query["$count"] == "true" else {
            return graphError(
                400, "Request_UnsupportedQuery",
                "The specified cast is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information", call)
        }
        return nil
    }

    /// A page of users and groups as a `directoryObject` collection (each with its `@odata.type`), `$top` at a time.
    func directoryObjects(
        _ items: [(user: String?, group: String?)], state: GraphTenantState, path: String, cast: String?, castType: String?,
        _ call: GraphCall
    ) -> GraphReply {
        let select: [String]?
        let top: Int
        switch Self.userListing(call) {
        case .success(let value): (select, top) = value
        case .failure(let error): return error.reply
        }
        var offset = 0
        if let skip = call.query["$skiptoken"] {
            guard let decoded = Self.unopaque(skip), decoded.hasPrefix("at:"), let value = Int(decoded.dropFirst(3)) else {
                return Self.graphError(400, "Request_BadRequest", "Invalid page token.", call)
            }
            offset = value
        }
        let end = min(offset + top, items.count)
        let properties = select ?? GraphUser.defaultPropertyNames
        let values = items[min(offset, end)..<end].map { item -> String in
            if let userId = item.user { return state.render(state.users[userId]!, select: properties, mode: .list, type: true) }
            return renderGroup(state.groups[item.group!]!, type: true)
        }
        var nextLink: String?
        if end < items.count {
            var pairs: [(String, String)] = []
            if let raw = call.query["$select"] { pairs.append(("$select", raw)) }
            if let raw = call.query["$count"] { pairs.append(("$count", raw)) }
            pairs.append(("$top", "\(top)"))
            pairs.append(("$skiptoken", Self.opaque("at:\(end)")))
            nextLink = "\(call.base)/v1.0/\(path)\(cast.map { "/\($0)" } ?? "")?" + Self.encodeQuery(pairs)
        }
        let count = call.query["$count"] == "true" && call.consistencyEventual && offset == 0 ? items.count : nil
        let entitySet = castType == "microsoft.graph.user" ? "users" : castType == "microsoft.graph.group" ? "groups" : "directoryObjects"
        return GraphReply(status: 200, body: Self.page(
            context: Self.context(call, entitySet, castType == "microsoft.graph.user" ? select : nil),
            count: count, nextLink: nextLink, values: values))
    }
}

/// A reply that ends a request early (an error answer), carried through `Result`.
struct GraphReplyError: Error {
    var reply: GraphReply
    init(_ reply: GraphReply) { self.reply = reply }
}

/// What a delta link remembers: tenant, change sequence, expiry epoch and the `$select` of the first request.
struct GraphDeltaLinkState {
    var tenant: String
    var sequence: Int
    var epoch: Int
    var select: [String]?

    init(tenant: String, sequence: Int, epoch: Int, select: [String]?) {
        self.tenant = tenant
        self.sequence = sequence
        self.epoch = epoch
        self.select = select
    }

    init?(_ encoded: String) {
        let parts = encoded.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let sequence = Int(parts[1]), let epoch = Int(parts[2]) else { return nil }
        tenant = parts[0]
        self.sequence = sequence
        self.epoch = epoch
        select = parts[3].isEmpty ? nil : parts[3].split(separator: ",").map(String.init)
    }

    var encoded: String { "\(tenant)|\(sequence)|\(epoch)|\(select?.joined(separator: ",") ?? "")" }
}
