// The web console `rollcall serve` serves under /console beside its API: sign-in with local accounts, the companies,
// a company's held deactivations with approval (admins), its recent runs. Sessions, not the API's bearer token.

import ContactSync
import EventLog
import Foundation
import Hummingbird
import HummingbirdBcrypt
import Logging
import SyncEngine

/// The console's routes and the state they share (sessions, sign-in throttling).
public struct Console: Sendable {
    let coordinator: RunCoordinator
    let store: EventStore
    let sessions: ConsoleSessions
    let throttle: SignInThrottle
    /// Cookies carry `Secure` (the console is served over https).
    let secure: Bool
    let logger: Logger
    /// rollcall.yaml, which Save writes (nil: the console may not write settings).
    let settingsPath: String?
    /// Reads rollcall.yaml again: a new engine when it changed.
    let reload: @Sendable () throws -> SyncEngine?
    static let cookie = "rollcall_session"

    /// A console over the service's coordinator and the log (which holds the accounts).
    public init(
        coordinator: RunCoordinator, store: EventStore, secure: Bool, logger: Logger, settingsPath: String? = nil,
        reload: @escaping @Sendable () throws -> SyncEngine? = { nil }, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settingsPath = settingsPath
        self.reload = reload
        self.coordinator = coordinator
        self.store = store
        self.sessions = ConsoleSessions(now: now)
        self.throttle = SignInThrottle(now: now)
        self.secure = secure
        self.logger = logger
    }

    /// The bcrypt hash of a password, for `rollcall user add`.
    public static func hash(_ password: String) -> String { Bcrypt.hash(password, cost: 12) }

    /// Adds the console's routes (under `/console`) to `router`.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        let console = router.group("console")
        console.get("") { request, _ in await self.companiesPage(request) }
        console.get("login") { request, _ in await self.loginPage(request, error: nil, name: "") }
        console.post("login") { request, _ in try await self.signIn(request) }
        console.post("logout") { request, _ in try await self.signOut(request) }
        console.get("companies/:name") { request, context in
            await self.companyPage(request, name: try context.parameters.require("name"), message: Self.notice(request))
        }
        console.get("companies/:name/settings") { request, context in
            await self.settingsPage(request, name: try context.parameters.require("name"))
        }
        console.post("companies/:name/settings") { request, context in
            try await self.postSettings(request, name: try context.parameters.require("name"))
        }
        console.get("console.js") { _, _ in Self.script() }
        console.post("companies/:name/runs") { request, context in
            try await self.runNow(request, name: try context.parameters.require("name"))
        }
        console.get("companies/:name/runs/:run") { request, context in
            await self.runPage(request, name: try context.parameters.require("name"), runId: try context.parameters.require("run"))
        }
        console.get("companies/:name/contacts") { request, context in
            await self.contactsPage(request, name: try context.parameters.require("name"))
        }
        console.get("companies/:name/story") { request, context in
            await self.storyPage(request, name: try context.parameters.require("name"))
        }
        console.get("companies/:name/replay") { request, context in
            await self.replayPage(request, name: try context.parameters.require("name"))
        }
        console.post("companies/:name/dismiss") { request, context in
            try await self.dismiss(request, name: try context.parameters.require("name"))
        }
        console.post("companies/:name/approve") { request, context in
            try await self.approve(request, name: try context.parameters.require("name"))
        }
    }

    // MARK: Sign-in

    func loginPage(_ request: Request, error: String?, name: String, status: HTTPResponse.Status = .ok) async -> Response {
        // The sign-in form carries a token of its own visitor session, so a form posted from elsewhere is refused.
        let existing = await sessions.session(request.cookies[Self.cookie]?.value)
        let visitor: ConsoleSession
        if let existing { visitor = existing } else { visitor = await sessions.start() }
        var values: [String: Any] = ["csrf": visitor.csrf, "name": name]
        if let error { values["error"] = error }
        var response = html(Pages.render("login", title: "Sign in", session: nil, values), status: status)
        response.setCookie(cookie(visitor.id))
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        let form = formPairs(String(buffer: try await request.body.collect(upTo: 64 << 10)))
        let visitor = await sessions.session(request.cookies[Self.cookie]?.value)
        guard let visitor, constantTimeEqual(form["csrf"] ?? "", visitor.csrf) else {
            return await loginPage(request, error: "The sign-in form had expired; please sign in again.", name: "", status: .forbidden)
        }
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        if let until = await throttle.blockedUntil(name) {
            let minutes = max(1, Int(until.timeIntervalSinceNow / 60 + 0.5))
            return await loginPage(
                request, error: "Too many wrong passwords for \(name): try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
                name: name, status: .tooManyRequests)
        }
        let account = try await store.account(named: name)
        guard let account, Bcrypt.verify(form["password"] ?? "", hash: account.passwordHash) else {
            await throttle.failed(name)
            logger.notice("console sign-in refused", metadata: ["account": "\(name)"])
            return await loginPage(request, error: "That account name and password do not match.", name: name, status: .unauthorized)
        }
        await throttle.succeeded(name)
        await sessions.end(visitor.id)
        let session = await sessions.start(account: account.name, role: account.role)
        logger.notice("console sign-in", metadata: ["account": "\(account.name)", "role": "\(account.role.rawValue)"])
        var response = redirect("/console/")
        response.setCookie(cookie(session.id))
        return response
    }

    func signOut(_ request: Request) async throws -> Response {
        let (session, refusal) = try await formSession(request, needs: nil)
        guard let session else { return refusal! }
        await sessions.end(session.session.id)
        var response = redirect("/console/login")
        response.setCookie(Cookie(name: Self.cookie, value: "", maxAge: 0, path: "/console", secure: secure, httpOnly: true, sameSite: .strict))
        return response
    }

    func cookie(_ id: String) -> Cookie {
        Cookie(name: Self.cookie, value: id, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The signed-in session of a request, or nil.
    /// The account is read again each time, so a removed account or a changed role counts at once.
    func signedIn(_ request: Request) async -> ConsoleSession? {
        guard var session = await sessions.session(request.cookies[Self.cookie]?.value), let name = session.account else { return nil }
        guard let account = try? await store.account(named: name) else {
            await sessions.end(session.id)
            return nil
        }
        session.role = account.role
        return session
    }

    /// The session of a posted form: signed in, its CSRF token right, and the role it needs; else the refusal.
    func formSession(_ request: Request, needs role: ConsoleAccount.Role?) async throws -> ((session: ConsoleSession, form: [String: String])?, Response?) {
        try await formSession(request, body: String(buffer: try await request.body.collect(upTo: 256 << 10)), needs: role)
    }

    /// The same, for a body already read.
    func formSession(_ request: Request, body: String, needs role: ConsoleAccount.Role?) async throws -> ((session: ConsoleSession, form: [String: String])?, Response?) {
        let form = formPairs(body)
        guard let session = await signedIn(request) else { return (nil, redirect("/console/login")) }
        guard constantTimeEqual(form["csrf"] ?? "", session.csrf) else {
            return (nil, problem(
                session, "Form refused",
                "This form did not come from a page of this console, or it has expired. Reload the page and try again.",
                status: .forbidden))
        }
        if let role, session.role != role {
            return (nil, problem(
                session, "Not allowed",
                "Your account \(session.account ?? "") is a \(session.role?.rawValue ?? "viewer"): it can read, not \(role == .admin ? "approve, save or start runs" : "do this"). Ask an admin.",
                status: .forbidden))
        }
        return ((session, form), nil)
    }

    // MARK: Pages

    func companiesPage(_ request: Request) async -> Response {
        guard let session = await signedIn(request) else { return redirect("/console/login") }
        let engine = await coordinator.currentEngine()
        let query = Self.searched(request)
        let statuses: [CompanyStatus]
        do {
            statuses = try await FleetStatus.read(engine: engine, perWindow: nil)
        } catch {
            return problem(session, "The log could not be read", "\(error)", status: .internalServerError)
        }
        let settings = Dictionary(engine.settings.companies.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let shown = statuses.filter { query.isEmpty || $0.company.localizedCaseInsensitiveContains(query) }
        let rows: [[String: Any]] = shown.map { status in
            var row: [String: Any] = [
                "name": status.company, "path": Self.path(status.company), "enabled": status.enabled,
                "psaCompany": settings[status.company].map { "\($0.psaCompanyId)" } ?? "",
                "state": status.state.rawValue, "stateText": Self.stateText(status),
                "lastRun": status.lastRun.map(Self.runText) ?? "never",
                "nextRun": Self.nextRunText(status, settings: settings[status.company], busy: coordinator.board.run(of: status.company) != nil),
                "held": status.holds.isEmpty ? "none" : status.holds.map { "\($0.deactivations) in \(RunNumber.label($0.runId))" }.joined(separator: ", "),
            ]
            if let detail = status.detail { row["detail"] = detail }
            return row
        }
        let approvals: [[String: Any]] = statuses.flatMap { status in
            status.holds.map {
                ["company": status.company, "path": Self.path(status.company), "deactivations": $0.deactivations,
                 "label": RunNumber.label($0.runId)] as [String: Any]
            }
        }
        let values: [String: Any] = [
            "rows": rows, "query": query, "approvals": approvals, "hasApprovals": !approvals.isEmpty,
            "shown": query.isEmpty ? "\(statuses.count) companies" : "\(shown.count) of \(statuses.count) companies match \u{201C}\(query)\u{201D}",
        ]
        return html(Pages.render("companies", title: "Companies", session: session, values))
    }

    // MARK: Actions

    func approve(_ request: Request, name: String) async throws -> Response {
        let (posted, refusal) = try await formSession(request, needs: .admin)
        guard let posted else { return refusal! }
        let engine = await coordinator.currentEngine()
        guard let company = engine.settings.company(named: name) else {
            return problem(posted.session, "No such company", "rollcall.yaml has no company named \u{201C}\(name)\u{201D}.", status: .notFound)
        }
        let runId = posted.form["run"] ?? ""
        do {
            let summary = try await engine.approve(
                company: company.name, runId: runId, by: posted.session.account, origin: RunOrigin(.console, by: posted.session.account))
            logger.notice("deactivations approved in the console", metadata: ["company": "\(company.name)", "run": "\(runId)", "by": "\(posted.session.account ?? "")"])
            return await companyPage(
                request, name: company.name,
                message: "Approved by \(posted.session.account ?? ""): \(summary.deactivated) contacts deactivated, \(summary.failed) failed.")
        } catch let error as EngineError {
            return await companyPage(request, name: company.name, message: error.message, status: .conflict)
        }
    }

    // MARK: Helpers

    /// A search form's `q`, decoded as a browser encodes a GET form (`+` for a space).
    static func searched(_ request: Request) -> String {
        let fields = formList(request.uri.query ?? "")
        return (fields.first { $0.0 == "q" }?.1 ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// The console's one script: dragging filters by their handle (pointer events, so mouse, pen and touch alike), and
    /// showing a filter row's attribute and text only when its choice needs them. Pages work without it.
    static func script() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/javascript; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Pages.script)))
    }

    static func path(_ name: String) -> String { ControlAPI.path(name) }

    static func stateText(_ status: CompanyStatus) -> String {
        switch status.state {
        case .inStep: "in step"
        case .syncing: "syncing"
        case .paused: status.pausedUntil.map { "paused until \(time($0))" } ?? "paused"
        case .held: "held for approval"
        case .failed: "failed"
        case .interrupted: "interrupted"
        case .neverRun: "never run"
        case .disabled: "disabled"
        }
    }

    /// When the company runs next: now, when a pause ends, after the run waiting, or at its daily time (R11.1).
    static func nextRunText(_ status: CompanyStatus, settings: CompanySettings?, busy: Bool, now: Date = Date()) -> String {
        guard status.enabled, let settings else { return "none (sync is off)" }
        if busy { return "running now" }
        if status.queued != nil { return "waiting to start" }
        if let until = status.pausedUntil, until > now { return "after \(time(until)) (paused at the API budget)" }
        guard let daily = DailyTime(settings.dailyAt) else { return "on request" }
        let next = RunSchedule.lastDailySlot(atOrBefore: now.addingTimeInterval(86_400), at: daily, timeZone: .current)
        return "\(time(next)) (daily at \(settings.dailyAt))"
    }

    static func runText(_ run: RunRecord) -> String {
        var text = "\(RunNumber.label(run.runId)), \(time(run.startedAt)): \(run.outcome)"
        if let counts = run.counts {
            text += ", \(counts.succeeded) write\(counts.succeeded == 1 ? "" : "s")"
            if counts.failed > 0 { text += ", \(counts.failed) failed" }
            if counts.held > 0 { text += ", \(counts.held) held" }
        }
        return text
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPFields.Element.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'"
        headers[HTTPFields.Element.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func problem(_ session: ConsoleSession?, _ heading: String, _ message: String, status: HTTPResponse.Status) -> Response {
        html(Pages.render("problem", title: heading, session: session, ["heading": heading, "message": message]), status: status)
    }
}
