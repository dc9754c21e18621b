// `rollcall serve`'s HTTP API, for scripts and RMM tools: what the console does, behind a bearer token. The admin
// token (`ROLLCALL_API_TOKEN`) may do everything; a viewer token (`ROLLCALL_API_VIEWER_TOKEN`, optional) only reads.

import ContactSync
import EventLog
import Foundation
import Hummingbird
import Logging

/// The routes of the control API, behind a bearer token.
public enum ControlAPI {
    /// Builds the router:
    /// - `GET /healthz`: up, and whether rollcall.yaml is in force or broken (the previous settings then run);
    /// - `GET /companies`, `GET /companies/{name}`: each company's status; `GET /approvals`: runs waiting for approval;
    /// - `POST /companies/{name}/runs[?full=true]` (admin): asks for a run and answers its id once it has one;
    /// - `GET /companies/{name}/runs`, `GET /companies/{name}/runs/{runId}`: runs, with writes naming people;
    /// - `POST /companies/{name}/holds/{runId}/approve|dismiss` (admin): decide a held run (R8.4, R8.7).
    ///
    /// `settingsProblem` says what is wrong with rollcall.yaml when it is; `extra` adds routes of their own (the
    /// console, with its sessions) beside them.
    public static func router(
        coordinator: RunCoordinator, token: String, viewerToken: String? = nil,
        settingsProblem: @escaping @Sendable () -> String? = { nil },
        extra: (Router<BasicRequestContext>) -> Void = { _ in }
    ) -> Router<BasicRequestContext> {
        let top = Router()
        extra(top)
        let router = top.group().add(middleware: BearerTokenMiddleware(token: token, viewerToken: viewerToken))
        router.get("healthz") { _, _ -> Response in
            if let problem = settingsProblem() {
                return json(["status": "degraded", "settings": "rollcall.yaml cannot be used, so the previous settings are in force: \(problem)"])
            }
            return json(["status": "ok", "settings": "in force"])
        }
        router.get("companies") { _, _ -> Response in
            let engine = await coordinator.currentEngine()
            let statuses = try await FleetStatus.read(engine: engine, perWindow: nil)
            return encoded(statuses.map { CompanyView($0, settings: engine.settings.company(named: $0.company), live: coordinator.board.run(of: $0.company)) })
        }
        router.get("companies/:name") { _, context -> Response in
            let engine = await coordinator.currentEngine()
            guard let company = engine.settings.company(named: try context.parameters.require("name")) else {
                return unknown(try context.parameters.require("name"), engine)
            }
            let status = try await FleetStatus.read(engine: engine, perWindow: nil, only: company.name).first
            guard let status else { return unknown(company.name, engine) }
            return encoded(CompanyView(status, settings: company, live: coordinator.board.run(of: company.name)))
        }
        router.get("approvals") { _, _ -> Response in
            let engine = await coordinator.currentEngine()
            let statuses = try await FleetStatus.read(engine: engine, perWindow: nil)
            return encoded(statuses.flatMap { status in
                status.holds.map { ApprovalView(company: status.company, runId: $0.runId, deactivations: $0.deactivations) }
            })
        }
        router.post("companies/:name/runs") { request, context -> Response in
            let name = try context.parameters.require("name")
            let full = request.uri.queryParameters.get("full").map { $0 == "true" || $0 == "1" } ?? false
            let engine = await coordinator.currentEngine()
            guard let company = engine.settings.company(named: name) else { return unknown(name, engine) }
            let log = engine.log(for: company.name)
            let before = try await log.currentState().position
            do {
                let outcome = try await coordinator.request(
                    company: company.name, trigger: .manual, mode: full ? .full : .delta,
                    origin: RunOrigin(.api, by: request.headers[HTTPFields.Element.Name("X-Rollcall-Operator")!]))
                var answer = StartedView(company: company.name, run: "started", runId: nil, href: nil)
                switch outcome {
                case .start:
                    // The run takes its number as it starts: wait for its RunStarted (a few milliseconds, at most 10 s).
                    answer.runId = try await startedRun(log, after: before, within: .seconds(10))
                case .queued: answer.run = "queued behind the run going now"
                case .merged: answer.run = "merged with the run already waiting"
                }
                answer.href = answer.runId.map { "/companies/\(path(company.name))/runs/\($0)" }
                return encoded(answer, status: .accepted)
            } catch let error as EngineError {
                return json(["error": error.message], status: error.kind == .unknownCompany ? .notFound : .serviceUnavailable)
            }
        }
        router.get("companies/:name/runs") { _, context -> Response in
            let name = try context.parameters.require("name")
            let engine = await coordinator.currentEngine()
            guard let company = engine.settings.company(named: name) else { return unknown(name, engine) }
            let log = engine.log(for: company.name)
            return encoded(History.naming(try await History.runs(log: log), state: try await log.currentState()))
        }
        router.get("companies/:name/runs/:run") { _, context -> Response in
            let name = try context.parameters.require("name")
            let runId = try context.parameters.require("run")
            let engine = await coordinator.currentEngine()
            guard let company = engine.settings.company(named: name) else { return unknown(name, engine) }
            let log = engine.log(for: company.name)
            guard let run = try await History.runs(log: log).first(where: { $0.runId == runId }) else {
                return json(["error": "\(company.name) has no run \(runId); GET /companies/\(path(company.name))/runs lists them"], status: .notFound)
            }
            return encoded(History.naming([run], state: try await log.currentState())[0])
        }
        router.post("companies/:name/holds/:run/approve") { request, context -> Response in
            let name = try context.parameters.require("name")
            let runId = try context.parameters.require("run")
            let decision = try await Decision.read(request)
            do {
                let summary = try await coordinator.currentEngine().approve(
                    company: name, runId: runId, by: decision.by, origin: RunOrigin(.api, by: decision.by))
                return encoded(DecisionView(
                    company: summary.company, runId: runId, decision: "approved", by: decision.by, contacts: summary.deactivated,
                    failed: summary.failed, approvalRunId: summary.runId), status: .ok)
            } catch let error as EngineError {
                return refusal(error)
            }
        }
        router.post("companies/:name/holds/:run/dismiss") { request, context -> Response in
            let name = try context.parameters.require("name")
            let runId = try context.parameters.require("run")
            let decision = try await Decision.read(request)
            do {
                let engine = await coordinator.currentEngine()
                let count = try await engine.dismiss(company: name, runId: runId, reason: decision.reason ?? "", by: decision.by)
                return encoded(DecisionView(
                    company: try engine.company(named: name).name, runId: runId, decision: "dismissed", by: decision.by, contacts: count,
                    failed: 0, approvalRunId: nil), status: .ok)
            } catch let error as EngineError {
                return refusal(error)
            }
        }
        return top
    }

    /// The id of the first run that started after log position `position`, waiting up to `within` for it.
    static func startedRun(_ log: CompanyLog, after position: Int64, within: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            for try await envelope in log.envelopes(after: position, types: [RunStarted.eventType]) {
                if case .runStarted(let started) = envelope.event { return started.runId }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// What an approve or dismiss body may say: who decided (R12.3), and for a dismissal why (R8.7).
    struct Decision: Decodable {
        var by: String?
        var reason: String?

        static func read(_ request: Request) async throws -> Decision {
            let body = try await request.body.collect(upTo: 16 << 10)
            guard body.readableBytes > 0 else { return Decision() }
            do {
                return try JSONDecoder().decode(Decision.self, from: Data(buffer: body))
            } catch {
                throw HTTPError(.badRequest, message: "the body must be JSON like {\"by\": \"dana\", \"reason\": \"renewal under way\"}")
            }
        }
    }

    struct CompanyView: Encodable {
        var name: String
        var enabled: Bool
        var psaCompanyId: Int?
        var state: String
        var detail: String?
        var pausedUntil: Date?
        var writesLeft: Int
        var lastRun: RunRecord?
        var holds: [ApprovalView]
        var running: String?

        init(_ status: CompanyStatus, settings: CompanySettings?, live: ProgressBoard.Live?) {
            name = status.company
            enabled = status.enabled
            psaCompanyId = settings?.psaCompanyId
            state = live != nil ? CompanyStatus.State.syncing.rawValue : status.state.rawValue
            detail = status.detail
            pausedUntil = status.pausedUntil
            writesLeft = status.writesLeft
            lastRun = status.lastRun.map { var run = $0; run.writes = []; return run }
            holds = status.holds.map { ApprovalView(company: status.company, runId: $0.runId, deactivations: $0.deactivations) }
            running = live?.steps.last
        }
    }

    struct ApprovalView: Encodable {
        var company: String
        var runId: String
        var deactivations: Int
    }

    struct StartedView: Encodable {
        var company: String
        var run: String
        var runId: String?
        var href: String?
    }

    struct DecisionView: Encodable {
        var company: String
        var runId: String
        var decision: String
        var by: String?
        var contacts: Int
        var failed: Int
        var approvalRunId: String?
    }

    /// A company name as one segment of a URL path (`/` and the like percent-encoded).
    public static func path(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
    }

    static func unknown(_ name: String, _ engine: SyncEngine) -> Response {
        json(["error": "there is no company \"\(name)\"; companies are: \(engine.settings.companies.map(\.name).joined(separator: ", "))"], status: .notFound)
    }

    static func refusal(_ error: EngineError) -> Response {
        json(["error": error.message], status: error.kind == .unknownCompany ? .notFound : error.kind == .badArguments ? .badRequest : .conflict)
    }

    static func encoded<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func json(_ object: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Refuses every request that does not carry `Authorization: Bearer <token>`; the viewer token only reads.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String
    let viewerToken: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        if let given, constantTimeEqual(given, token) { return try await next(request, context) }
        if let given, let viewerToken, constantTimeEqual(given, viewerToken) {
            guard request.method == .get || request.method == .head else {
                return ControlAPI.json(
                    ["error": "the viewer token (ROLLCALL_API_VIEWER_TOKEN) only reads; starting runs, approving and dismissing need ROLLCALL_API_TOKEN"],
                    status: .forbidden)
            }
            return try await next(request, context)
        }
        var response = ControlAPI.json(["error": "missing or wrong bearer token; send Authorization: Bearer <ROLLCALL_API_TOKEN>"], status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

}

/// Compares two secrets in time that does not depend on where they differ (bearer tokens, CSRF tokens).
public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<x.count { difference |= x[i] ^ y[i] }
    return difference == 0
}
