// The Graph emulator's admin endpoints under /admin/graph: change the directory, inject faults, read request counts.

import Foundation
import Hummingbird
import NIOCore

extension GraphEmulator {
    /// The body of `POST …/removeLicenses`; no `skuIds` removes every license.
    struct LicenseRemoval: Codable { var skuIds: [String]? }
    /// The body of `PUT …/groups/{id}/members`.
    struct Members: Codable { var members: [String] }
    /// The answer of `GET /admin/graph/requests`.
    struct Counts: Codable { var total: Int; var byRoute: [String: Int] }

    func addAdminRoutes(_ router: Router<EmulatorContext>) {
        let admin = router.group("/admin/graph")
        admin.post("/tenants") { request, context -> Response in
            await self.addTenant(try await Self.decode(GraphTenant.self, request, context))
            return Self.ok()
        }
        admin.get("/tenants/:tenant/users/:id") { _, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            return try Self.json(try await self.user(id, in: tenant))
        }
        admin.put("/tenants/:tenant/users/:id") { request, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            var user = try await Self.decode(GraphUser.self, request, context)
            user.id = id
            try await Self.admin { try await self.upsertUser(user, in: tenant) }
            return Self.ok()
        }
        admin.patch("/tenants/:tenant/users/:id") { request, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let current = try await Self.admin { try await self.user(id, in: tenant) }
            let patched = try Self.merge(current, patch: Data(body.readableBytesView))
            try await Self.admin { try await self.upsertUser(patched, in: tenant) }
            return Self.ok()
        }
        admin.post("/tenants/:tenant/users/:id/removeLicenses") { request, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let removal = body.readableBytes == 0 ? LicenseRemoval(skuIds: nil) : try JSONDecoder().decode(LicenseRemoval.self, from: Data(body.readableBytesView))
            try await Self.admin { try await self.removeLicenses(id, skuIds: removal.skuIds, in: tenant) }
            return Self.ok()
        }
        admin.post("/tenants/:tenant/users/:id/disable") { _, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            try await Self.admin { try await self.disable(id, in: tenant) }
            return Self.ok()
        }
        admin.post("/tenants/:tenant/users/:id/softDelete") { _, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            try await Self.admin { try await self.softDelete(id, in: tenant) }
            return Self.ok()
        }
        admin.post("/tenants/:tenant/users/:id/restore") { _, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            try await Self.admin { try await self.restore(id, in: tenant) }
            return Self.ok()
        }
        admin.delete("/tenants/:tenant/users/:id") { _, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            try await Self.admin { try await self.hardDelete(id, in: tenant) }
            return Self.ok()
        }
        admin.put("/tenants/:tenant/groups/:id/members") { request, context -> Response in
            let (tenant, id) = try Self.tenantAndId(context)
            let members = try await Self.decode(Members.self, request, context)
            try await Self.admin { try await self.setGroupMembers(id, members: members.members, in: tenant) }
            return Self.ok()
        }
        admin.post("/tenants/:tenant/expireDeltaLinks") { _, context -> Response in
            let tenant = context.parameters.get("tenant") ?? ""
            try await Self.admin { try await self.expireDeltaLinks(in: tenant) }
            return Self.ok()
        }
        admin.post("/expireDeltaLinks") { _, _ -> Response in
            try await self.expireDeltaLinks()
            return Self.ok()
        }
        admin.post("/expireAccessTokens") { _, _ -> Response in
            await self.expireAccessTokens()
            return Self.ok()
        }
        admin.post("/faults") { request, context -> Response in
            await self.control.inject(try await Self.decode(Fault.self, request, context))
            return Self.ok()
        }
        admin.delete("/faults") { _, _ -> Response in
            await self.control.clearFaults()
            return Self.ok()
        }
        admin.get("/requests") { _, _ -> Response in
            try Self.json(Counts(total: await self.control.requestCount(), byRoute: await self.control.requestCounts()))
        }
        admin.delete("/requests") { _, _ -> Response in
            await self.control.resetCounts()
            return Self.ok()
        }
    }

    static func tenantAndId(_ context: EmulatorContext) throws -> (String, String) {
        guard let tenant = context.parameters.get("tenant"), let id = context.parameters.get("id") else {
            throw HTTPError(.badRequest, message: "tenant and id are required")
        }
        return (tenant, id)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: EmulatorContext) async throws -> T {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            throw HTTPError(.badRequest, message: "the body is not a valid \(T.self): \(error)")
        }
    }

    /// Runs an admin change; an unknown tenant or user becomes 404.
    static func admin<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch let error as EmulatorError {
            throw HTTPError(.notFound, message: error.description)
        }
    }

    /// The user with the JSON object's properties laid over it (`null` clears a property).
    static func merge(_ user: GraphUser, patch: Data) throws -> GraphUser {
        guard var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(user)) as? [String: Any],
              let changes = try JSONSerialization.jsonObject(with: patch) as? [String: Any]
        else { throw HTTPError(.badRequest, message: "the body must be a JSON object of user properties") }
        for (key, value) in changes where key != "id" { object[key] = value }
        do {
            return try JSONDecoder().decode(GraphUser.self, from: JSONSerialization.data(withJSONObject: object))
        } catch {
            throw HTTPError(.badRequest, message: "the patched user is not valid: \(error)")
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func ok() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
    }
}
