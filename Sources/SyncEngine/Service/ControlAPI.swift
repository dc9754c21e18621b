// `rollcall serve`'s small HTTP API: ask for a run, list runs, health — every request needs the bearer token.

import ContactSync
import EventLog
import Foundation
import Hummingbird
import Logging

/// The routes of the control API, behind a bearer token.
public enum ControlAPI {
    /// Builds the router: `POST /companies/{name}/runs`, `GET /companies/{name}/runs`, `GET /healthz`, each behind
    /// the bearer token; `extra` adds routes of their own (the console, with its sessions) beside them.
    public static func router(
        coordinator: RunCoordinator, token: String, extra: (Router<BasicRequestContext>) -> Void = { _ in }
    ) -> Router<BasicRequestContext> {
        let top = Router()
        extra(top)
        let router = top.group().add(middleware: BearerTokenMiddleware(token: token))
        router.get("healthz") { _, _ -> Response in
            json(["status": "ok"])
        }
        router.post("companies/:name/runs") { request, context -> Response in
            let name = try context.parameters.require("name")
            let full = request.uri.queryParameters.get("full").map { $0 == "true" || $0 == "1" } ?? false
            do {
                let outcome = try await coordinator.request(company: name, trigger: .manual, mode: full ? .full : .delta)
                let said: String
                switch outcome {
                case .start: said = "started"
                case .queued: said = "queued behind the run going now"
                case .merged: said = "merged with the run already waiting"
                }
                return json(["company": name, "run": said], status: .accepted)
            } catch let error as EngineError {
                return json(["error": error.message], status: error.kind == .unknownCompany ? .notFound : .serviceUnavailable)
            }
        }
        router.get("companies/:name/runs") { _, context -> Response in
            let name = try context.parameters.require("name")
            let engine = await coordinator.currentEngine()
            guard let company = engine.settings.company(named: name) else {
                return json(["error": "there is no company \"\(name)\""], status: .notFound)
            }
            let runs = try await History.runs(log: engine.log(for: company.name))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(runs))))
        }
        return top
    }

    static func json(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Refuses every request that does not carry `Authorization: Bearer <token>`.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              constantTimeEqual(String(header.dropFirst(7)), token)
        else {
            var response = ControlAPI.json(["error": "missing or wrong bearer token; send Authorization: Bearer <ROLLCALL_API_TOKEN>"], status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
