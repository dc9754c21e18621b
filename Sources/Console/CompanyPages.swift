// A company in the console: its state, Run now (Update or Full resync) with live progress, held deactivations (who
// and why; approved or dismissed by an admin), its runs with their writes naming people, and a contact's story.

import ContactSync
import EventLog
import Foundation
import Hummingbird
import SyncEngine

extension Console {
    func companyPage(_ request: Request, name: String, message: String?, status code: HTTPResponse.Status = .ok) async -> Response {
        await page(request, company: name) { session, engine, company in
            let log = engine.log(for: company.name)
            let status = try await FleetStatus.read(engine: engine, perWindow: nil, only: company.name).first
            let runs = try await History.runs(log: log).suffix(20).reversed()
            let state = try await log.currentState()
            let admin = session.role == .admin
            let live = coordinator.board.run(of: company.name)
            var values: [String: Any] = [
                "name": company.name, "path": Self.path(company.name), "psaCompany": company.psaCompanyId, "tenant": company.tenant,
                "state": live != nil ? "syncing" : status?.state.rawValue ?? "neverRun",
                "stateText": live != nil ? "syncing" : status.map(Self.stateText) ?? "never run",
                "admin": admin, "csrf": session.csrf, "enabled": company.enabled,
                "holds": (status?.holds ?? []).map { hold -> [String: Any] in
                    ["label": RunNumber.label(hold.runId), "runId": hold.runId, "deactivations": hold.deactivations,
                     "people": heldPeople(state: state, settings: company, engine: engine, runId: hold.runId)]
                },
                "runs": runs.map { run -> [String: Any] in
                    ["label": RunNumber.label(run.runId), "runId": run.runId, "started": Self.time(run.startedAt),
                     "trigger": Self.triggerText(run.trigger) + (run.origin.map { ", via \($0.text)" } ?? ""), "outcome": run.outcome,
                     "writes": run.counts.map { "\($0.succeeded) done, \($0.failed) failed, \($0.held) held" } ?? "\(run.writes.count) so far"]
                },
            ]
            if let live {
                var progress: [String: Any] = [
                    "since": Self.time(live.startedAt), "trigger": Self.triggerText(live.trigger),
                    "mode": live.mode == .full ? "full resync" : "update", "steps": live.steps,
                ]
                if let total = live.total { progress["applied"] = "\(live.done) of \(total) writes applied" }
                if let running = runs.first(where: { $0.outcome == "running" }) { progress["runningId"] = running.runId }
                values["live"] = progress
            }
            if let detail = status?.detail { values["detail"] = detail }
            if let message { values["message"] = message }
            return html(Pages.render("company", title: company.name, session: session, values,
                refresh: live != nil ? (2, "/console/companies/\(Self.path(company.name))") : nil), status: code)
        }
    }

    /// A page about one company: the signed-in session, the engine and the company's settings, or the answer that
    /// says why not (sign in first; no such company; the log could not be read).
    func page(
        _ request: Request, company name: String,
        _ body: (ConsoleSession, SyncEngine, CompanySettings) async throws -> Response
    ) async -> Response {
        guard let session = await signedIn(request) else { return redirect("/console/login") }
        let engine = await coordinator.currentEngine()
        guard let company = engine.settings.company(named: name) else { return noCompany(session, name) }
        do {
            return try await body(session, engine, company)
        } catch {
            return problem(session, "The log could not be read", "\(error)", status: .internalServerError)
        }
    }

    /// Who a held run would deactivate, and why: from the plan the log gives now (R8.4's hold, R8.1's reasons).
    func heldPeople(state: CompanyState, settings: CompanySettings, engine: SyncEngine, runId: String) -> [[String: Any]] {
        let held = Set(state.heldRuns[runId] ?? [])
        let plan = engine.plan(state, settings: settings, settingsVersion: state.settingsVersion)
        return plan.deactivations.filter { held.contains($0.id) }.map { command in
            let contact = command.contactId.flatMap { state.psa.contacts[$0]?.contact }
            let user = command.userId.flatMap { state.directory.users[$0]?.user }
            return [
                "who": contact.map(Self.contactName) ?? user?.displayName ?? command.id,
                "email": user?.userPrincipalName ?? contact?.primaryEmail ?? "",
                "why": command.reasons.first { $0.rule == "R8.1" }?.because ?? command.reasons.first?.because ?? "",
                "storyPath": command.contactId.map { "contact=\($0)" } ?? "",
            ]
        }
    }

    /// Run now: Update (a delta read) or Full resync (everything read again, R11.3). Admins only.
    func runNow(_ request: Request, name: String) async throws -> Response {
        let (posted, refusal) = try await formSession(request, needs: .admin)
        guard let posted else { return refusal! }
        let engine = await coordinator.currentEngine()
        guard let company = engine.settings.company(named: name) else { return noCompany(posted.session, name) }
        let full = posted.form["mode"] == "full"
        do {
            let outcome = try await coordinator.request(
                company: company.name, trigger: .manual, mode: full ? .full : .delta, origin: RunOrigin(.console, by: posted.session.account))
            logger.notice("run asked for in the console", metadata: ["company": "\(company.name)", "by": "\(posted.session.account ?? "")"])
            let notice = switch outcome {
            case .start: full ? "full-started" : "update-started"
            case .queued, .merged: "queued"
            }
            return redirect("/console/companies/\(Self.path(company.name))?notice=\(notice)")
        } catch let error as EngineError {
            return await companyPage(request, name: company.name, message: error.message, status: .serviceUnavailable)
        }
    }

    /// One run: when, why, what it counted, and each write naming the person and the contact.
    func runPage(_ request: Request, name: String, runId: String) async -> Response {
        await page(request, company: name) { session, engine, company in
            let log = engine.log(for: company.name)
            guard let run = try await History.runs(log: log).first(where: { $0.runId == runId }) else {
                return problem(session, "No such run", "\(company.name) has no run \(runId) in the log.", status: .notFound)
            }
            let state = try await log.currentState()
            var values: [String: Any] = [
                "name": company.name, "path": Self.path(company.name), "label": RunNumber.label(run.runId),
                "started": Self.time(run.startedAt), "trigger": Self.triggerText(run.trigger) + (run.origin.map { ", via \($0.text)" } ?? ""),
                "mode": run.mode == .full ? "full resync" : "update", "outcome": run.outcome,
                "writes": run.writes.map { write -> [String: Any] in
                    let user = write.userId.flatMap { state.directory.users[$0]?.user }
                    let contact = write.contactId.flatMap { state.psa.contacts[$0]?.contact }
                    var row: [String: Any] = [
                        "at": Self.time(write.at), "kind": Self.writeText(write.kind), "outcome": write.outcome,
                        "person": user.map { "\($0.displayName ?? $0.userPrincipalName) (\($0.userPrincipalName))" }
                            ?? contact.map(Self.contactName) ?? write.userId.map { "user \($0)" } ?? "",
                        "contact": write.contactId.map { "contact \($0)" } ?? "",
                        "storyPath": write.contactId.map { "contact=\($0)" } ?? write.userId.map { "user=\($0)" } ?? "",
                    ]
                    if let detail = write.detail { row["detail"] = detail }
                    return row
                },
            ]
            // Mustache shows a section for any value, even "": only what is there is given.
            if let ended = run.endedAt { values["ended"] = Self.time(ended) }
            if let error = run.error { values["error"] = error }
            if let counts = run.counts { values["counts"] = "\(counts.succeeded) writes succeeded, \(counts.failed) failed, \(counts.held) held" }
            values["plan"] = try await planRows(engine, company: company.name, runId: run.runId, state: state)
            if let hold = run.hold {
                values["hold"] = "\(hold.deactivations) deactivations held for approval (R8.4): \(hold.state)"
                    + (hold.by.map { " by \($0)" } ?? "") + (hold.reason.map { ": \($0)" } ?? "")
            }
            let here = "/console/companies/\(Self.path(company.name))/runs/\(run.runId)"
            return html(Pages.render(
                "run", title: "\(company.name) \(RunNumber.label(run.runId))", session: session, values,
                refresh: run.outcome == "running" ? (2, here) : nil))
        }
    }

    /// A run's plan, command by command, and how far it is applied: read from the run's own stream.
    func planRows(_ engine: SyncEngine, company: String, runId: String, state: CompanyState) async throws -> [[String: Any]] {
        var planned: [Command] = []
        var outcome: [String: String] = [:]
        let types: Set<String> = [CommandPlanned.eventType, CommandSucceeded.eventType, CommandFailed.eventType, DeactivationsHeld.eventType]
        for try await stored in engine.store.events(EventQuery(stream: StreamName.run(company, runId), types: types)) {
            switch try CompanyLog.envelope(stored).event {
            case .commandPlanned(let e) where e.command.write != nil: planned.append(e.command)
            case .commandSucceeded(let e): outcome[e.commandId] = "done"
            case .commandFailed(let e): outcome[e.commandId] = e.kind == "budgetExhausted" ? "postponed" : "failed"
            case .deactivationsHeld(let e): for id in e.commandIds where outcome[id] == nil { outcome[id] = "held" }
            default: break
            }
        }
        return planned.map { command in
            let user = command.userId.flatMap { state.directory.users[$0]?.user }
            return [
                "kind": Self.writeText(command.kind.rawValue), "who": user?.userPrincipalName ?? command.contactId.map { "contact \($0)" } ?? "",
                "changes": command.changes.map { "\($0.field): \($0.from ?? "blank") → \($0.to ?? "blank")" }.joined(separator: "; "),
                "rules": command.ruleIds.joined(separator: ", "), "state": outcome[command.id] ?? "to do",
            ]
        }
    }

    /// Find a user or contact by name or email.
    func contactsPage(_ request: Request, name: String) async -> Response {
        await page(request, company: name) { session, engine, company in
            let query = Self.searched(request)
            var found: [[String: Any]] = []
            if !query.isEmpty {
                let state = try await engine.log(for: company.name).currentState()
                func hit(_ texts: [String?]) -> Bool { texts.contains { $0?.localizedCaseInsensitiveContains(query) == true } }
                var shownContacts = Set<Int>()
                for record in state.directory.users.values.sorted(by: { $0.user.userPrincipalName < $1.user.userPrincipalName })
                where hit([record.user.displayName, record.user.userPrincipalName, record.user.mail, record.user.givenName, record.user.surname]) {
                    let match = state.matches.byUser[record.user.id]
                    if let id = match?.contactId { shownContacts.insert(id) }
                    found.append([
                        "who": record.user.displayName ?? record.user.userPrincipalName, "email": record.user.userPrincipalName,
                        "what": match.map { "Microsoft 365 user, matched to contact \($0.contactId)" } ?? "Microsoft 365 user, no contact",
                        "storyPath": match.map { "contact=\($0.contactId)" } ?? "user=\(record.user.id)",
                    ])
                }
                for record in state.psa.contacts.values.sorted(by: { $0.contact.id < $1.contact.id })
                where !shownContacts.contains(record.contact.id) && hit([record.contact.firstName, record.contact.lastName, Self.contactName(record.contact)] + record.contact.emails) {
                    found.append([
                        "who": Self.contactName(record.contact), "email": record.contact.primaryEmail ?? "",
                        "what": "PSA contact \(record.contact.id)\(record.contact.isActive ? "" : ", inactive")",
                        "storyPath": "contact=\(record.contact.id)",
                    ])
                }
            }
            let values: [String: Any] = [
                "name": company.name, "path": Self.path(company.name), "query": query, "found": found,
                "searched": !query.isEmpty, "none": !query.isEmpty && found.isEmpty,
            ]
            return html(Pages.render("contacts", title: "\(company.name): find a contact", session: session, values))
        }
    }

    /// A user's or contact's story, from `why`: each step with its rules, and who asked.
    func storyPage(_ request: Request, name: String) async -> Response {
        await page(request, company: name) { session, engine, company in
            let parameters = request.uri.queryParameters
            let subject: StorySubject
            if let contact = parameters.get("contact").flatMap({ Int($0) }) { subject = .contact(contact) }
            else if let user = parameters.get("user"), !user.isEmpty { subject = .user(user) }
            else if let email = parameters.get("email"), !email.isEmpty { subject = .email(email) }
            else { return redirect("/console/companies/\(Self.path(company.name))/contacts") }
            var events: [EventEnvelope] = []
            for try await envelope in engine.log(for: company.name).envelopes() { events.append(envelope) }
            let explainer = Explainer(timeZone: .current)
            let told = explainer.tell(subject, in: events, company: company.name)
            let people = told.users.compactMap { told.state.directory.users[$0]?.user }.map { "\($0.displayName ?? $0.userPrincipalName) (\($0.userPrincipalName))" }
                + told.contacts.sorted().map { id in "contact \(id)" + (told.state.psa.contacts[id].map { $0.contact.isActive ? ", active" : ", inactive" } ?? "") }
            let values: [String: Any] = [
                "name": company.name, "path": Self.path(company.name), "about": people.joined(separator: " · "),
                "lines": told.lines.map { line -> [String: Any] in
                    ["time": explainer.format(line.time), "position": line.position, "rules": line.ruleIds.joined(separator: ", "), "text": line.text]
                },
                "empty": told.lines.isEmpty,
            ]
            return html(Pages.render("story", title: "\(company.name): story", session: session, values))
        }
    }

    /// Replay: the company's state as of a moment (just after a chosen run, or a time), and what a plan would have been.
    func replayPage(_ request: Request, name: String) async -> Response {
        await page(request, company: name) { session, engine, company in
            let fields = Dictionary(formList(request.uri.query ?? ""), uniquingKeysWith: { first, _ in first })
            let log = engine.log(for: company.name)
            let runs = try await History.runs(log: log).filter { !$0.dryRun }
            var moment: Date?
            var said = ""
            if let runId = fields["run"], let run = runs.first(where: { $0.runId == runId }) {
                moment = run.endedAt ?? run.startedAt
                said = "just after \(RunNumber.label(run.runId))"
            } else if let at = fields["at"], !at.isEmpty {
                guard let date = Self.localTime(at) else {
                    return problem(session, "Not a time", "\u{201C}\(at)\u{201D} is not a time; choose one like 2026-11-29 02:00.", status: .badRequest)
                }
                moment = date
                said = "as of \(Self.time(date))"
            }
            var values: [String: Any] = [
                "name": company.name, "path": Self.path(company.name),
                "runs": runs.reversed().map { ["runId": $0.runId, "label": RunNumber.label($0.runId), "when": Self.time($0.startedAt), "selected": $0.runId == fields["run"]] as [String: Any] },
                "at": fields["at"] ?? "",
            ]
            if let moment {
                let state = try await log.state(asOf: moment)
                let sites = Dictionary(state.psa.sites.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
                var replay: [String: Any] = [
                    "said": said, "position": state.position, "settingsVersion": state.settingsVersion,
                    "users": state.directory.users.count, "contacts": state.psa.contacts.count, "matchCount": state.matches.byUser.count,
                    "matches": state.matches.byUser.values.sorted { $0.contactId < $1.contactId }.map { match -> [String: Any] in
                        let user = state.directory.users[match.userId]?.user
                        let contact = state.psa.contacts[match.contactId]?.contact
                        return [
                            "contact": match.contactId, "name": contact.map(Self.contactName) ?? "", "upn": user?.userPrincipalName ?? match.userId,
                            "active": contact.map { $0.isActive ? "active" : "inactive" } ?? "unknown",
                            "site": contact?.siteId.map { sites[$0] ?? "site \($0)" } ?? "",
                        ]
                    },
                ]
                if let settings = state.settings {
                    let plan = engine.plan(state, settings: settings, settingsVersion: state.settingsVersion)
                    replay["plan"] = plan.commands.filter { $0.write != nil || $0.kind == .match }.map { command -> [String: Any] in
                        let user = command.userId.flatMap { state.directory.users[$0]?.user }
                        return [
                            "kind": Self.writeText(command.kind.rawValue), "who": user?.userPrincipalName ?? command.contactId.map { "contact \($0)" } ?? "",
                            "changes": command.changes.map { "\($0.field): \($0.from ?? "blank") → \($0.to ?? "blank")" }.joined(separator: "; "),
                            "rules": command.ruleIds.joined(separator: ", "),
                        ]
                    }
                    replay["hasPlan"] = (replay["plan"] as? [[String: Any]])?.isEmpty == false
                    replay["planSentence"] = PlanPreview(plan: plan, state: state, settings: settings).sentence
                }
                values["replay"] = replay
            }
            return html(Pages.render("replay", title: "\(company.name): replay", session: session, values))
        }
    }

    /// A time as a `datetime-local` field sends it (`2026-11-29T02:00`), in the server's zone.
    static func localTime(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// R8.7: an admin dismisses a hold with a reason; its deactivations are not applied, nor planned again for the
    /// same users until they change in Microsoft 365.
    func dismiss(_ request: Request, name: String) async throws -> Response {
        let (posted, refusal) = try await formSession(request, needs: .admin)
        guard let posted else { return refusal! }
        let engine = await coordinator.currentEngine()
        guard let company = engine.settings.company(named: name) else { return noCompany(posted.session, name) }
        let runId = posted.form["run"] ?? ""
        let reason = (posted.form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            return await companyPage(request, name: company.name, message: "Give a reason to dismiss the hold: it is kept in the log with your name.", status: .badRequest)
        }
        do {
            let count = try await engine.dismiss(company: company.name, runId: runId, reason: reason, by: posted.session.account ?? "")
            logger.notice("held deactivations dismissed in the console", metadata: ["company": "\(company.name)", "run": "\(runId)", "by": "\(posted.session.account ?? "")"])
            return await companyPage(
                request, name: company.name,
                message: "Dismissed by \(posted.session.account ?? ""): \(count) contacts stay active until their users change in Microsoft 365.")
        } catch let error as EngineError {
            return await companyPage(request, name: company.name, message: error.message, status: .conflict)
        }
    }

    /// The fixed notices a redirect may ask the company page to show.
    static func notice(_ request: Request) -> String? {
        switch request.uri.queryParameters.get("notice") {
        case "update-started": "Update started: Rollcall reads what changed in Microsoft 365 and the PSA, then applies the plan."
        case "full-started": "Full resync started: Rollcall reads every user and contact again, then applies the plan."
        case "queued": "A run is already going: this one waits for it, then starts."
        case "saved": "Settings saved to rollcall.yaml and recorded in the log with your name. A run with them has started."
        case "saved-not-started": "Settings saved to rollcall.yaml and recorded in the log with your name. The run could not start now; the schedule starts it within 5 minutes."
        default: nil
        }
    }

    /// A contact as a person reads it: first and last name, else its email, else its id.
    static func contactName(_ contact: PSAContact) -> String {
        let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? contact.primaryEmail ?? "contact \(contact.id)" : name
    }

    /// A write's kind as a person says it.
    static func writeText(_ kind: String) -> String {
        switch kind {
        case "create": "created"
        case "update": "updated"
        case "deactivate": "deactivated"
        case "reactivate": "reactivated"
        case "moveSite": "moved to its site"
        case "addContactType": "contact type added"
        default: kind
        }
    }

    static func triggerText(_ trigger: RunTrigger) -> String {
        switch trigger {
        case .schedule: "daily schedule"
        case .settingsChanged: "settings changed"
        case .manual: "asked for"
        case .resumed: "resumed after a pause"
        }
    }
}
