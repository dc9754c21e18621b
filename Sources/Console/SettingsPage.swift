// A company's contact sync settings, the seed article's screen: the three toggles, default site and contact type,
// the deactivation threshold, and the mapping filters in priority order (reordered by dragging, or by the Move
// buttons from the keyboard). Choices come from what the log knows of the tenant and the PSA. Preview plans from
// the log and writes nothing; Save writes rollcall.yaml and starts the company's run.

import ContactSync
import Foundation
import Hummingbird
import SyncEngine

/// The settings form as posted: a draft of the company's settings, not yet saved.
struct SettingsDraft {
    var settings: CompanySettings
    /// The new-filter row as typed, kept when Add fails.
    var pending: [String: String] = [:]
    var problems: [String] = []

    /// The draft a posted form describes, over the company's settings in force. Filters come in the order their
    /// `order` fields were posted: dragging reorders the rows, so the form posts them in their new order.
    init(form: [(String, String)], over company: CompanySettings) {
        let values = Dictionary(form, uniquingKeysWith: { first, _ in first })
        settings = company
        settings.enabled = values["enabled"] != nil
        settings.updateExisting = values["updateExisting"] != nil
        settings.useEmail = values["useEmail"] != nil
        settings.defaultSite = values["defaultSite"].flatMap { $0.isEmpty ? nil : $0 }
        if values["contactTypeShown"] != nil { settings.contactType = values["contactType"].flatMap { $0.isEmpty ? nil : $0 } }
        var threshold = company.deactivationThreshold
        if let count = values["thresholdCount"] {
            if let n = Int(count.trimmingCharacters(in: .whitespaces)), n >= 0 { threshold.count = n }
            else { problems.append("The threshold's count is \u{201C}\(count)\u{201D}; give a whole number, 0 or more.") }
        }
        if let percent = values["thresholdPercent"] {
            if let n = Int(percent.trimmingCharacters(in: .whitespaces)), (0...100).contains(n) { threshold.percent = n }
            else { problems.append("The threshold's percent is \u{201C}\(percent)\u{201D}; give a whole number from 0 to 100.") }
        }
        settings.deactivationThreshold = threshold
        var filters: [MappingFilter] = []
        for index in form.filter({ $0.0 == "order" }).map(\.1) {
            switch Self.filter(values, prefix: "f\(index).") {
            case .success(let filter): filters.append(filter)
            case .failure(let problem): problems.append("Filter \(filters.count + 1): \(problem.text)")
            }
        }
        settings.filters = filters
        pending = values.filter { $0.key.hasPrefix("new.") }
    }

    struct Problem: Error { let text: String }

    /// The filter of one row: `who` names what it selects (`group:Management`, `license:SPB`, `upnDomain:…`,
    /// `allLicensed`, or `field` / `groupNamed` with the row's attribute and text).
    static func filter(_ values: [String: String], prefix: String) -> Result<MappingFilter, Problem> {
        let who = values[prefix + "who"] ?? ""
        let text = (values[prefix + "text"] ?? "").trimmingCharacters(in: .whitespaces)
        let site = values[prefix + "site"] ?? ""
        guard !site.isEmpty else { return .failure(Problem(text: "choose the site its users go to.")) }
        let kind: FilterKind
        switch who {
        case "allLicensed": kind = .allLicensed
        case "field":
            let attribute = values[prefix + "attribute"] ?? ""
            guard let known = FilterKind.fieldAttribute(attribute) else { return .failure(Problem(text: "choose the attribute to compare.")) }
            guard !text.isEmpty else { return .failure(Problem(text: "give the value \(attribute) must equal.")) }
            kind = .field(attribute: known, equals: text)
        case "groupNamed":
            guard !text.isEmpty else { return .failure(Problem(text: "give the group's name.")) }
            kind = .group(text)
        default:
            guard let colon = who.firstIndex(of: ":") else { return .failure(Problem(text: "choose which users it selects.")) }
            let value = String(who[who.index(after: colon)...])
            switch who[..<colon] {
            case "group": kind = .group(value)
            case "license": kind = .license(value)
            case "upnDomain": kind = .upnDomain(value)
            default: return .failure(Problem(text: "choose which users it selects."))
            }
        }
        let type = values[prefix + "contactType"].flatMap { $0.isEmpty ? nil : $0 }
        return .success(MappingFilter(kind, site: site, contactType: type))
    }
}

/// What the form offers, from the log's view of the tenant and the PSA: nobody types an id.
struct SettingsChoices {
    var sites: [String]
    var contactTypes: [String]
    /// SKU part number and the name shown (friendly when known).
    var licenses: [(sku: String, name: String)]
    var groups: [String]
    var domains: [String]
    var known: Bool

    init(state: CompanyState, settings: CompanySettings) {
        var sites = state.psa.sites.filter(\.isActive).map(\.name)
        var types = state.psa.contactTypes.map(\.name)
        var licenses: [(sku: String, name: String)] = state.directory.catalog.map { sku in
            (sku.skuPartNumber, sku.displayName.map { "\($0) · \(sku.skuPartNumber)" } ?? sku.skuPartNumber)
        }
        var groups = state.directory.groups.values.map(\.displayName)
        var domains = Set(state.directory.users.values.compactMap { record -> String? in
            record.user.userPrincipalName.split(separator: "@").last.map { String($0).lowercased() }
        })
        // What the settings name is always offered, known to the log or not.
        for filter in settings.filters {
            sites.append(filter.site)
            if let type = filter.contactType { types.append(type) }
            switch filter.kind {
            case .group(let g): groups.append(g)
            case .license(let l) where !licenses.contains(where: { $0.sku == l }): licenses.append((l, l))
            case .upnDomain(let d): domains.insert(d)
            default: break
            }
        }
        if let site = settings.defaultSite { sites.append(site) }
        if let type = settings.contactType { types.append(type) }
        func unique(_ names: [String]) -> [String] {
            var seen = Set<String>()
            return names.filter { seen.insert($0.lowercased()).inserted }.sorted { $0.localizedCaseInsensitiveCompare($1) == .orderedAscending }
        }
        self.sites = unique(sites)
        self.contactTypes = unique(types)
        self.licenses = licenses.sorted { $0.name < $1.name }
        self.groups = unique(groups)
        self.domains = domains.sorted()
        self.known = !state.psa.sites.isEmpty || !state.directory.users.isEmpty
    }
}

extension Console {
    func settingsPage(_ request: Request, name: String) async -> Response {
        await page(request, company: name) { session, engine, company in
            await renderSettings(
                session, engine: engine, state: try await engine.log(for: company.name).currentState(),
                draft: SettingsDraft(form: [], over: company).with(company), saved: company, message: nil)
        }
    }

    func postSettings(_ request: Request, name: String) async throws -> Response {
        let body = String(buffer: try await request.body.collect(upTo: 256 << 10))
        let list = formList(body)
        let values = Dictionary(list, uniquingKeysWith: { first, _ in first })
        let action = values["action"] ?? "preview"
        let (posted, refusal) = try await formSession(request, body: body, needs: action == "save" ? .admin : nil)
        guard let posted else { return refusal! }
        let engine = await coordinator.currentEngine()
        guard let company = engine.settings.company(named: name) else { return noCompany(posted.session, name) }
        // One read of the log serves the checks, the preview and the choices the page offers.
        let state = try await engine.log(for: company.name).currentState()
        var draft = SettingsDraft(form: list, over: company)
        var message: String?
        var preview: PlanPreview?
        switch action {
        case "add":
            switch SettingsDraft.filter(values, prefix: "new.") {
            case .success(let filter):
                draft.settings.filters.append(filter)
                draft.pending = [:]
                message = "Filter \(draft.settings.filters.count) added (\(filter.kind.name) → \(filter.site)). Not saved yet."
            case .failure(let problem): draft.problems.append("The new filter: \(problem.text)")
            }
        case "save":
            guard draft.problems.isEmpty else { break }
            // The sites, licenses and contact types named must be the PSA's and the tenant's, as the log knows them.
            let unknown = SettingsLoader.validate(
                company: draft.settings, sites: state.psa.sites, licenses: state.directory.catalog, contactTypes: state.psa.contactTypes,
                source: SettingsSource(file: settingsPath ?? "rollcall.yaml"))
            guard unknown.isEmpty else {
                draft.problems.append(contentsOf: unknown.map { "Not saved: \($0.shownField): \($0.message)" })
                break
            }
            switch await save(draft.settings, engine: engine, by: posted.session.account ?? "") {
            case .success(let started):
                // Post/redirect/get: the company page, where the run's progress shows, at its own address.
                return redirect("/console/companies/\(Self.path(company.name))?notice=" + (started ? "saved" : "saved-not-started"))
            case .failure(let problem): draft.problems.append(contentsOf: problem.lines)
            }
        case "preview":
            break
        default:
            let parts = action.split(separator: ":")
            if parts.count == 2, let at = Int(parts[1]), draft.settings.filters.indices.contains(at) {
                var filters = draft.settings.filters
                switch parts[0] {
                case "up" where at > 0: filters.swapAt(at, at - 1); message = "Filter moved up to \(at). Not saved yet."
                case "down" where at + 1 < filters.count: filters.swapAt(at, at + 1); message = "Filter moved down to \(at + 2). Not saved yet."
                case "remove": filters.remove(at: at); message = "Filter \(at + 1) removed. Not saved yet."
                default: break
                }
                draft.settings.filters = filters
            }
        }
        if draft.problems.isEmpty {
            do {
                preview = try await engine.preview(draft.settings, from: state).summary
            } catch {
                draft.problems.append("The preview could not read the log: \(error)")
            }
        }
        return await renderSettings(
            posted.session, engine: engine, state: state, draft: draft, saved: company, message: message, preview: preview)
    }

    struct SaveProblem: Error { let lines: [String] }

    /// Writes the settings into rollcall.yaml, puts them in force and asks for the company's run (R11.1).
    /// Answers whether the run started (else the schedule runs it within 5 minutes).
    func save(_ settings: CompanySettings, engine: SyncEngine, by account: String) async -> Result<Bool, SaveProblem> {
        guard let path = settingsPath else {
            return .failure(SaveProblem(lines: ["This console was started without a settings file it may write; edit rollcall.yaml by hand."]))
        }
        let environment = ProcessInfo.processInfo.environment
        do {
            let yaml = try String(contentsOfFile: path, encoding: .utf8)
            let text = try SettingsWriter.replacing(company: settings.name, with: settings, in: yaml, path: path, environment: environment)
            try SettingsWriter.writeAtomically(text, to: path)
        } catch let error as SettingsError {
            return .failure(SaveProblem(lines: error.problems.map(\.description)))
        } catch {
            return .failure(SaveProblem(lines: ["\(path) could not be written: \(error.localizedDescription). Nothing was changed."]))
        }
        logger.notice("settings saved in the console", metadata: ["company": "\(settings.name)", "by": "\(account)"])
        do {
            if let fresh = try reload() { await coordinator.replace(engine: fresh) }
            try await recordSettings(settings, by: account)
            try await coordinator.request(company: settings.name, trigger: .settingsChanged, mode: .delta, origin: RunOrigin(.console, by: account))
        } catch {
            logger.warning("settings saved in the console, but the run could not start now: \(error)")
            return .success(false)
        }
        return .success(true)
    }

    /// R12.3: the settings as saved, and who saved them, go into the log now; the run then finds them recorded.
    func recordSettings(_ settings: CompanySettings, by account: String) async throws {
        let engine = await coordinator.currentEngine()
        guard let inForce = engine.settings.company(named: settings.name) else { return }
        let log = engine.log(for: inForce.name)
        let state = try await log.currentState()
        guard var changed = SettingsChanged.next(for: inForce, after: state.settings, version: state.settingsVersion) else { return }
        changed.changedBy = account
        try await log.append([.settingsChanged(changed)], idPrefix: "\(inForce.name)/settings/\(UUID().uuidString)", correlationId: nil)
    }

    func renderSettings(
        _ session: ConsoleSession, engine: SyncEngine, state: CompanyState, draft: SettingsDraft, saved: CompanySettings,
        message: String?, preview: PlanPreview? = nil
    ) async -> Response {
        let choices = SettingsChoices(state: state, settings: draft.settings)
        let connectwise = engine.settings.psa.system == .connectwise
        let settings = draft.settings
        func options(_ names: [String], selected: String?, none: String?) -> [[String: Any]] {
            (none.map { [["value": "", "label": $0, "selected": selected == nil]] } ?? [])
                + names.map { ["value": $0, "label": $0, "selected": $0 == selected] }
        }
        func row(_ filter: MappingFilter?, id: String, position: Int?) -> [String: Any] {
            var who = ""
            var text = ""
            var attribute = ""
            switch filter?.kind {
            case .allLicensed?: who = "allLicensed"
            case .group(let g)?: who = "group:" + g
            case .license(let l)?: who = "license:" + l
            case .upnDomain(let d)?: who = "upnDomain:" + d
            case .field(let a, let v)?: who = "field"; attribute = FilterKind.shortAttribute(a); text = v
            case nil: who = draft.pending["new.who"] ?? ""; text = draft.pending["new.text"] ?? ""; attribute = draft.pending["new.attribute"] ?? ""
            }
            func choice(_ value: String, _ label: String) -> [String: Any] { ["value": value, "label": label, "selected": value == who] }
            var row: [String: Any] = [
                "id": id, "whoAll": [choice("allLicensed", "All licensed users")],
                "whoGroups": choices.groups.map { choice("group:" + $0, $0) },
                "whoLicenses": choices.licenses.map { choice("license:" + $0.sku, $0.name) },
                "whoDomains": choices.domains.map { choice("upnDomain:" + $0, "@" + $0) },
                "whoOther": [choice("field", "Attribute equals…"), choice("groupNamed", "Another group, by name…")],
                "attributes": FilterKind.fieldAttributes.map { ["value": $0, "label": $0, "selected": $0.lowercased() == attribute.lowercased()] as [String: Any] },
                "text": text,
                "sites": options(choices.sites, selected: filter?.site ?? draft.pending["new.site"], none: filter == nil ? "Choose a site" : nil),
                "types": options(choices.contactTypes, selected: filter?.contactType ?? draft.pending["new.contactType"], none: "Company default"),
                "connectwise": connectwise,
            ]
            if let position {
                row["position"] = position
                row["number"] = position + 1
                row["name"] = filter.map { MappingFilter.label(position, $0) } ?? ""
                row["first"] = position == 0
                row["last"] = position == settings.filters.count - 1
            }
            return row
        }
        var values: [String: Any] = [
            "name": saved.name, "path": Self.path(saved.name), "csrf": session.csrf, "admin": session.role == .admin,
            "enabled": settings.enabled, "updateExisting": settings.updateExisting, "useEmail": settings.useEmail,
            "siteChoices": options(choices.sites, selected: settings.defaultSite, none: "None (filters decide)"),
            "typeChoices": options(choices.contactTypes, selected: settings.contactType, none: "Connection default"),
            "connectwise": connectwise,
            "thresholdCount": settings.deactivationThreshold.count, "thresholdPercent": settings.deactivationThreshold.percent,
            "filters": settings.filters.enumerated().map { row($0.element, id: "f\($0.offset)", position: $0.offset) },
            "newFilter": row(nil, id: "new", position: nil),
            "unsaved": settings != saved,
            "unknown": !choices.known,
            "problems": draft.problems,
        ]
        if let message { values["message"] = message }
        if let preview {
            values["preview"] = ["sentence": preview.sentence, "held": preview.deactivationsHeld,
                                 "asOf": state.position] as [String: Any]
        }
        return html(Pages.render("settings", title: "\(saved.name) settings", session: session, values))
    }

    func noCompany(_ session: ConsoleSession, _ name: String) -> Response {
        problem(session, "No such company", "rollcall.yaml has no company named \u{201C}\(name)\u{201D}.", status: .notFound)
    }
}

extension SettingsDraft {
    /// The draft that shows the settings in force unchanged (a page opened, not posted).
    func with(_ company: CompanySettings) -> SettingsDraft {
        var copy = self
        copy.settings = company
        copy.problems = []
        return copy
    }
}
