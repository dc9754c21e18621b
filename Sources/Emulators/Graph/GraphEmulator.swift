// The Graph emulator: token, users, delta, subscribedSkus, groups over Hummingbird, with admin endpoints and faults.

import Foundation
import Hummingbird
import Logging
import NIOCore

/// A local Microsoft Graph v1.0 and identity-platform token endpoint serving many tenants, for tests, benchmarks and demos.
///
/// Token requests go to `/{tenant}/oauth2/v2.0/token` (tenant id or domain); Graph requests to `/v1.0/...`
/// with the bearer token naming the tenant. Admin requests under `/admin/graph/...` change the directory
/// while it runs and are neither counted nor faulted.
public final class GraphEmulator: Sendable {
    /// Faults to inject and the requests counted so far.
    public let control: EmulatorControl
    let store: GraphStore

    /// Makes an emulator serving these tenants.
    public init(tenants: [GraphTenant], control: EmulatorControl = EmulatorControl()) {
        self.control = control
        self.store = GraphStore(tenants: tenants)
    }

    /// Starts serving on `host:port` (port 0 picks a free one); the login and Graph base URLs are both the host's `baseURL`.
    public func start(host: String = "127.0.0.1", port: Int = 0, logger: Logger? = nil) async throws -> EmulatorHost {
        try await EmulatorHost.start(router: router(), name: "graph", host: host, port: port, logger: logger)
    }

    /// Sets how many entries a delta page holds (default 200), token lifetime in seconds (default 3599), whether
    /// delta rounds repeat each changed user (Graph may send an entity more than once in a round), and whether each
    /// delta round opens with an empty page that carries a nextLink (Graph may send one); `nil` leaves a setting as is.
    public func configure(
        deltaPageSize: Int? = nil, tokenLifetime: Int? = nil, duplicateDeltaEntries: Bool? = nil,
        emptyFirstDeltaPage: Bool? = nil
    ) async {
        await store.configure(
            deltaPageSize: deltaPageSize, tokenLifetime: tokenLifetime, duplicateDeltaEntries: duplicateDeltaEntries,
            emptyFirstDeltaPage: emptyFirstDeltaPage)
    }

    // MARK: Directory changes

    /// Adds a tenant, replacing one with the same id.
    public func addTenant(_ tenant: GraphTenant) async { await store.add(tenant) }

    /// The user as the emulator holds it now.
    public func user(_ id: String, in tenant: String) async throws -> GraphUser { try await store.user(id, in: tenant) }

    /// Creates a user, restores a soft-deleted one, or replaces one; the next delta round reports what changed.
    public func upsertUser(_ user: GraphUser, in tenant: String) async throws {
        try await store.mutate(tenant) { $0.upsert(user) }
    }

    /// Changes a user in place; the next delta round reports exactly the properties that changed.
    public func updateUser(_ id: String, in tenant: String, _ change: @escaping @Sendable (inout GraphUser) -> Void) async throws {
        try await store.update(id, in: tenant, change)
    }

    /// Removes the given licenses (all when `skuIds` is nil) from a user.
    public func removeLicenses(_ id: String, skuIds: [String]? = nil, in tenant: String) async throws {
        try await store.update(id, in: tenant) { user in
            user.assignedLicenses.removeAll { skuIds?.contains($0.skuId) ?? true }
        }
    }

    /// Blocks a user's sign-in (`accountEnabled: false`).
    public func disable(_ id: String, in tenant: String) async throws {
        try await store.update(id, in: tenant) { $0.accountEnabled = false }
    }

    /// Moves a user to deleted items (restorable); delta reports `@removed: changed`.
    public func softDelete(_ id: String, in tenant: String) async throws {
        try await store.mutate(tenant) { state in
            guard state.softDelete(id) else { throw EmulatorError("tenant \"\(tenant)\" has no active user \(id)") }
        }
    }

    /// Brings a soft-deleted user back; delta reports it as a whole user again.
    public func restore(_ id: String, in tenant: String) async throws {
        try await store.mutate(tenant) { state in
            guard let record = state.softDeleted[id] else { throw EmulatorError("tenant \"\(tenant)\" has no deleted user \(id)") }
            state.upsert(record.user)
        }
    }

    /// Deletes a user for good (soft-deleted or not); delta reports `@removed: deleted`.
    public func hardDelete(_ id: String, in tenant: String) async throws {
        try await store.mutate(tenant) { state in
            guard state.hardDelete(id) else { throw EmulatorError("tenant \"\(tenant)\" has no user \(id)") }
        }
    }

    /// Creates or replaces a group.
    public func upsertGroup(_ group: GraphGroup, in tenant: String) async throws {
        try await store.mutate(tenant) { state in
            if state.groups[group.id] == nil { state.groupOrder.append(group.id) }
            state.groups[group.id] = group
        }
    }

    /// Replaces a group's direct members (user or group ids).
    public func setGroupMembers(_ groupId: String, members: [String], in tenant: String) async throws {
        try await store.mutate(tenant) { state in
            guard state.groups[groupId] != nil else { throw EmulatorError("tenant \"\(tenant)\" has no group \(groupId)") }
            state.groups[groupId]!.members = members
        }
    }

    /// Deletes a group: it leaves every group it was nested in, and a groups delta round reports it `@removed`.
    public func deleteGroup(_ groupId: String, in tenant: String) async throws {
        try await store.mutate(tenant) { state in
            guard state.groups.removeValue(forKey: groupId) != nil else { throw EmulatorError("tenant \"\(tenant)\" has no group \(groupId)") }
            state.groupOrder.removeAll { $0 == groupId }
            state.deletedGroups.insert(groupId)
            for id in state.groupOrder { state.groups[id]?.members.removeAll { $0 == groupId } }
        }
    }

    /// Makes every delta link issued so far (for one tenant, or all) answer 410 Gone / `syncStateNotFound`.
    public func expireDeltaLinks(in tenant: String? = nil) async throws { try await store.expireDeltaLinks(in: tenant) }

    /// Makes every access token issued so far answer 401, as after its expiry.
    public func expireAccessTokens() async { await store.expireAccessTokens() }

    // MARK: Faults shaped like Graph's

    /// A 429 fault with Graph's `TooManyRequests` body (throttling.md) and the given `Retry-After` ("2.128", "10", or none).
    public static func throttling(retryAfter: String?, pathContains: String? = "/v1.0/", count: Int? = 1, after: Int = 0) -> Fault {
        let body = #"{"error":{"code":"TooManyRequests","innerError":{"code":"429","message":"Please retry after","status":"429"},"message":"Please retry again later."}}"#
        return Fault(.status(code: 429, retryAfter: retryAfter, body: body), pathContains: pathContains, count: count, after: after)
    }

    /// A 503 fault with Graph's `serviceNotAvailable` body and an optional `Retry-After`.
    public static func unavailable(retryAfter: String?, pathContains: String? = "/v1.0/", count: Int? = 1, after: Int = 0) -> Fault {
        let body = #"{"error":{"code":"serviceNotAvailable","message":"The service is temporarily unavailable. Please retry after a delay."}}"#
        return Fault(.status(code: 503, retryAfter: retryAfter, body: body), pathContains: pathContains, count: count, after: after)
    }

    /// A fault that makes delta requests answer 400 `resyncRequired`, the other way Graph says a link is no longer valid.
    public static func resyncRequired(count: Int? = 1) -> Fault {
        let body = #"{"error":{"code":"resyncRequired","message":"The delta token is no longer valid, and the app must reset the sync state."}}"#
        return Fault(.status(code: 400, retryAfter: nil, body: body), pathContains: "/delta", count: count)
    }

    // MARK: Routes

    /// The emulator's router, for hosting it next to other routes.
    public func router() -> Router<EmulatorContext> {
        let router = Router(context: EmulatorContext.self)
        router.add(middleware: FaultMiddleware(control: control))
        let store = self.store
        let control = self.control

        router.post("/:tenant/oauth2/v2.0/token") { request, context -> Response in
            let tenant = context.parameters.get("tenant") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let reply = await store.token(tenantSegment: tenant, form: Dictionary(FormQuery.pairs(String(buffer: body)), uniquingKeysWith: { first, _ in first }))
            return Self.response(reply, request)
        }

        for (path, handler) in Self.routes {
            let names = path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
            router.get(RouterPath(path)) { request, context -> Response in
                let call = Self.call(request)
                switch await store.authenticate(request.headers[.authorization], call) {
                case .failure(let error): return Self.response(error.reply, request)
                case .success(let tenant):
                    var parameters: [String: String] = [:]
                    for name in names { parameters[name] = context.parameters.get(name) ?? "" }
                    return Self.response(await handler(store, tenant, parameters, call), request)
                }
            }
        }
        router.post("/v1.0/$batch") { request, context -> Response in
            let call = Self.call(request)
            switch await store.authenticate(request.headers[.authorization], call) {
            case .failure(let error): return Self.response(error.reply, request)
            case .success(let tenant):
                let body = try await request.body.collect(upTo: 4 << 20)
                return Self.response(await Self.batch(Data(buffer: body), tenant: tenant, call: call, store: store, control: control), request)
            }
        }
        addAdminRoutes(router)
        return router
    }

    /// What answers one Graph GET: the store, the tenant the token names, the path's parameters, the call.
    typealias Handler = @Sendable (GraphStore, String, [String: String], GraphCall) async -> GraphReply

    /// Every Graph GET the emulator answers, by Hummingbird path (`:name` a parameter): served as routes, and by
    /// `$batch` for the requests it carries.
    static let routes: [(path: String, handler: Handler)] = {
        var routes: [(path: String, handler: Handler)] = [
            ("/v1.0/users", { store, tenant, _, call in await store.listUsers(tenant, call) }),
            ("/v1.0/users/$count", { store, tenant, _, call in await store.countUsers(tenant, call) }),
            ("/v1.0/subscribedSkus", { store, tenant, _, call in await store.subscribedSkus(tenant, call) }),
            ("/v1.0/groups", { store, tenant, _, call in await store.groups(tenant, call) }),
            ("/v1.0/groups/:id", { store, tenant, p, call in await store.group(tenant, p["id"] ?? "", call) }),
            ("/v1.0/users/:id", { store, tenant, p, call in await store.user(tenant, p["id"] ?? "", call) }),
        ]
        for function in ["delta", "microsoft.graph.delta", "delta()", "microsoft.graph.delta()"] {
            routes.append(("/v1.0/users/\(function)", { store, tenant, _, call in await store.delta(tenant, call) }))
            routes.append(("/v1.0/groups/\(function)", { store, tenant, _, call in await store.groupsDelta(tenant, call) }))
        }
        // Path segments in any letter case, and casts short (`graph.user`) or whole (`microsoft.graph.user`).
        for (segment, transitive) in [("members", false), ("transitiveMembers", true), ("transitivemembers", true)] {
            routes.append(("/v1.0/groups/:id/\(segment)", { store, tenant, p, call in
                await store.members(tenant, p["id"] ?? "", transitive: transitive, cast: nil, call)
            }))
            routes.append(("/v1.0/groups/:id/\(segment)/:cast", { store, tenant, p, call in
                await store.members(tenant, p["id"] ?? "", transitive: transitive, cast: p["cast"], call)
            }))
        }
        for (segment, transitive) in [("memberOf", false), ("memberof", false), ("transitiveMemberOf", true), ("transitivememberof", true)] {
            routes.append(("/v1.0/users/:id/\(segment)", { store, tenant, p, call in
                await store.memberOf(tenant, p["id"] ?? "", transitive: transitive, cast: nil, call)
            }))
            routes.append(("/v1.0/users/:id/\(segment)/:cast", { store, tenant, p, call in
                await store.memberOf(tenant, p["id"] ?? "", transitive: transitive, cast: p["cast"], call)
            }))
        }
        return routes
    }()

    static func call(_ request: Request) -> GraphCall {
        var query: [String: String] = [:]
        for (key, value) in FormQuery.pairs(of: request) where query[key] == nil { query[key] = value }
        let authority = request.head.authority ?? "127.0.0.1"
        let consistency = HTTPFields.Element.Name("ConsistencyLevel")!
        let prefer = HTTPFields.Element.Name("Prefer")!
        let clientRequestId = HTTPFields.Element.Name("client-request-id")!
        return GraphCall(
            base: "http://\(authority)", query: query,
            consistencyEventual: request.headers[consistency]?.lowercased() == "eventual",
            preferMinimal: request.headers[values: prefer].contains { $0.lowercased().contains("return=minimal") },
            clientRequestId: request.headers[clientRequestId])
    }

    static func response(_ reply: GraphReply, _ request: Request) -> Response {
        var headers: HTTPFields = [.contentType: reply.contentType]
        headers[HTTPFields.Element.Name("request-id")!] = UUID().uuidString.lowercased()
        if reply.contentType.hasPrefix("application/json;odata") { headers[HTTPFields.Element.Name("OData-Version")!] = "4.0" }
        if let id = request.headers[HTTPFields.Element.Name("client-request-id")!] { headers[HTTPFields.Element.Name("client-request-id")!] = id }
        for (name, value) in reply.headers {
            if let field = HTTPFields.Element.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }
}
