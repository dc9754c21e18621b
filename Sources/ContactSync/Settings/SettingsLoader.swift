// Reads rollcall.yaml into settings, naming the file, line, company and field of every problem.

import Foundation
import Yams

/// Loads and checks rollcall.yaml; never touches the PSA or the log.
public enum SettingsLoader {
    /// Parses `yaml` (read from `path`), reading `${VAR}` from `environment`; throws every problem at once.
    public static func load(yaml: String, path: String, environment: [String: String]) throws(SettingsError) -> RollcallSettings {
        var r = YAMLReader(file: path, environment: environment)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw SettingsError(problems: [r.parseProblem(error)])
        } catch {
            throw SettingsError(problems: [SettingsProblem(file: path, line: nil, company: nil, field: "(file)", message: "cannot be read as YAML: \(error)")])
        }
        guard let root, let top = root.mapping else {
            throw SettingsError(problems: [SettingsProblem(
                file: path, line: root?.mark?.line, company: nil, field: "(file)",
                message: "must be a mapping with database, microsoft, psa and companies; run `rollcall init` for a sample")])
        }
        let settings = r.settings(top)
        guard r.problems.isEmpty, let settings else { throw SettingsError(problems: r.problems) }
        return settings
    }

    /// Checks one company against what its PSA company and tenant have: every site a filter or the default names
    /// must exist, every license filter must name a SKU of the tenant, every contact type must exist (ConnectWise).
    /// Pass `[]` for what is not known yet; that check is then skipped.
    public static func validate(
        company: CompanySettings, sites: [PSASite], licenses: [LicenseSku], contactTypes: [PSAContactType] = [],
        source: SettingsSource = SettingsSource(file: "rollcall.yaml")
    ) -> [SettingsProblem] {
        var problems: [SettingsProblem] = []
        func add(_ field: String, _ message: String, filter: MappingFilter? = nil) {
            problems.append(SettingsProblem(
                file: source.file, line: source.line(company: company.name, field: field), company: company.name, field: field,
                message: message, filterName: filter?.kind.name))
        }
        if !sites.isEmpty {
            let names = Set(sites.filter(\.isActive).map { Scope.normalized($0.name) })
            let list = sites.filter(\.isActive).map(\.name).sorted().joined(separator: ", ")
            if let d = company.defaultSite, !names.contains(Scope.normalized(d)) {
                add("defaultSite", "names site \"\(d)\", which PSA company \(company.psaCompanyId) does not have; sites are: \(list)")
            }
            for (i, f) in company.filters.enumerated() where !names.contains(Scope.normalized(f.site)) {
                add("filters[\(i)].site", "names site \"\(f.site)\", which PSA company \(company.psaCompanyId) does not have; sites are: \(list)", filter: f)
            }
        }
        if !licenses.isEmpty {
            let context = ScopeContext(groups: [:], catalog: licenses)
            let known = Set(licenses.map { Scope.normalized($0.skuId) })
            for (i, f) in company.filters.enumerated() {
                guard case .license(let v) = f.kind, context.skuIds(for: v).isDisjoint(with: known) else { continue }
                let list = licenses.map(\.skuPartNumber).sorted().joined(separator: ", ")
                add("filters[\(i)].license", "names license \"\(v)\", which tenant \(company.tenant) does not subscribe to; its SKUs are: \(list)", filter: f)
            }
        }
        if !contactTypes.isEmpty {
            let names = Set(contactTypes.map { Scope.normalized($0.name) })
            let list = contactTypes.map(\.name).sorted().joined(separator: ", ")
            if let t = company.contactType, !names.contains(Scope.normalized(t)) {
                add("contactType", "names contact type \"\(t)\", which the PSA does not have; types are: \(list)")
            }
            for (i, f) in company.filters.enumerated() {
                if let t = f.contactType, !names.contains(Scope.normalized(t)) {
                    add("filters[\(i)].contactType", "names contact type \"\(t)\", which the PSA does not have; types are: \(list)", filter: f)
                }
            }
        }
        return problems
    }
}

/// Walks the composed YAML, collecting problems instead of stopping at the first.
private struct YAMLReader {
    let file: String
    let environment: [String: String]
    var problems: [SettingsProblem] = []
    var lines: [String: Int] = [:]

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    mutating func parseProblem(_ error: YamlError) -> SettingsProblem {
        var line: Int?
        var text = "\(error)"
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            line = mark.line
            text = problem
        default: break
        }
        return SettingsProblem(file: file, line: line, company: nil, field: "(file)", message: "is not valid YAML: \(text)")
    }

    mutating func problem(_ node: Node?, _ company: String?, _ field: String, _ message: String) {
        problems.append(SettingsProblem(file: file, line: node?.mark?.line, company: company, field: field, message: message))
    }

    /// Reports keys that are not among `known`.
    mutating func checkKeys(_ m: Node.Mapping, known: [String], company: String?, prefix: String) {
        for (k, _) in m {
            let key = k.string ?? ""
            if !known.contains(key) {
                problem(k, company, prefix + key, "is not a setting Rollcall knows; known here: \(known.joined(separator: ", "))")
            }
        }
    }

    /// A scalar with `${VAR}` replaced; `nil` (and a problem when `required`) when absent or empty.
    mutating func string(_ m: Node.Mapping, _ key: String, company: String?, field: String, required: Bool, parent: Node? = nil) -> String? {
        guard let node = m[key], node.null == nil else {
            if required { problem(m[key] ?? parent, company, field, "is missing; add it") }
            return nil
        }
        guard let raw = node.scalar?.string else {
            problem(node, company, field, "must be a single value, not a list or mapping")
            return nil
        }
        guard let value = substitute(raw, node: node, company: company, field: field) else { return nil }
        if value.isEmpty, required {
            problem(node, company, field, "is empty; give it a value")
            return nil
        }
        return value
    }

    /// A URL Rollcall sends credentials to: https, or plain http to a loopback host (the emulators) only.
    mutating func credentialURL(_ m: Node.Mapping, _ key: String, field: String, required: Bool, parent: Node? = nil) -> String? {
        guard let value = string(m, key, company: nil, field: field, required: required, parent: parent) else { return nil }
        let parts = URLComponents(string: value)
        let scheme = parts?.scheme?.lowercased()
        guard let host = parts?.host, !host.isEmpty, scheme == "https" || scheme == "http" else {
            problem(m[key], nil, field, "is \"\(SettingsURLs.redacted(value))\", which is not a URL; write it as https://host/…")
            return nil
        }
        if scheme == "http" && !SettingsURLs.isLoopback(host) {
            problem(m[key], nil, field, "is \"\(SettingsURLs.redacted(value))\": plain http would send credentials unencrypted; write https:// (plain http is allowed only for loopback hosts such as the emulators)")
            return nil
        }
        return value
    }

    /// Where a secret's value came from: the environment variable it names, or the setting itself.
    func source(of node: Node?, field: String) -> String {
        guard let raw = node?.scalar?.string, let start = raw.range(of: "${"),
              let end = raw[start.upperBound...].firstIndex(of: "}") else { return "\(field) in \(file)" }
        return "environment variable \(raw[start.upperBound..<end])"
    }

    mutating func substitute(_ raw: String, node: Node, company: String?, field: String) -> String? {
        var out = ""
        var rest = Substring(raw)
        var ok = true
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                problem(node, company, field, "has an unclosed ${…}; write ${VARIABLE}")
                return nil
            }
            let name = String(rest[start.upperBound..<end])
            if let v = environment[name] {
                out += v
            } else {
                problem(node, company, field, "reads environment variable \(name), which is not set; export \(name) or write the value")
                ok = false
            }
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return ok ? out : nil
    }

    mutating func bool(_ m: Node.Mapping, _ key: String, company: String?, field: String, default value: Bool) -> Bool {
        guard let s = string(m, key, company: company, field: field, required: false) else { return value }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(m[key], company, field, "is \"\(s)\"; write true or false")
            return value
        }
    }

    mutating func int(_ m: Node.Mapping, _ key: String, company: String?, field: String, required: Bool) -> Int? {
        guard let s = string(m, key, company: company, field: field, required: required) else { return nil }
        guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else {
            problem(m[key], company, field, "is \"\(s)\"; write a whole number")
            return nil
        }
        return v
    }

    /// A percentage written `30%` or `30`, from 1 to 100.
    mutating func percent(_ m: Node.Mapping, _ key: String, field: String) -> Int? {
        guard let s = string(m, key, company: nil, field: field, required: false) else { return nil }
        let text = s.trimmingCharacters(in: .whitespaces)
        let digits = text.hasSuffix("%") ? String(text.dropLast()).trimmingCharacters(in: .whitespaces) : text
        guard let v = Int(digits), (1...100).contains(v) else {
            problem(m[key], nil, field, "is \"\(s)\"; write a percentage from 1% to 100%, such as 30%")
            return nil
        }
        return v
    }

    mutating func settings(_ top: Node.Mapping) -> RollcallSettings? {
        checkKeys(top, known: ["database", "proxy", "microsoft", "psa", "companies"], company: nil, prefix: "")
        let database = string(top, "database", company: nil, field: "database", required: false) ?? "rollcall.sqlite3"
        let proxy = string(top, "proxy", company: nil, field: "proxy", required: false)
        if let proxy, let node = top["proxy"] {
            let parts = URLComponents(string: proxy.contains("://") ? proxy : "http://" + proxy)
            if parts?.scheme?.lowercased() != "http" || (parts?.host ?? "").isEmpty {
                problem(node, nil, "proxy", "is \"\(SettingsURLs.redacted(proxy))\"; write the proxy as http://host:port")
            }
        }
        var microsoft: MicrosoftSettings?
        if let node = top["microsoft"], let m = node.mapping {
            checkKeys(m, known: ["clientId", "clientSecret", "loginUrl", "graphUrl"], company: nil, prefix: "microsoft.")
            let id = string(m, "clientId", company: nil, field: "microsoft.clientId", required: true, parent: node)
            let secret = string(m, "clientSecret", company: nil, field: "microsoft.clientSecret", required: true, parent: node)
            let login = credentialURL(m, "loginUrl", field: "microsoft.loginUrl", required: false) ?? "https://login.microsoftonline.com"
            let graph = credentialURL(m, "graphUrl", field: "microsoft.graphUrl", required: false) ?? "https://graph.microsoft.com"
            if let id, let secret {
                microsoft = MicrosoftSettings(clientId: id, clientSecret: secret, loginUrl: login, graphUrl: graph)
                microsoft?.clientSecretSource = source(of: m["clientSecret"], field: "microsoft.clientSecret")
            }
        } else {
            problem(top["microsoft"], nil, "microsoft", "is missing or not a mapping; give clientId and clientSecret of the MSP's app")
        }
        let psa = psaSettings(top)
        var companies: [CompanySettings] = []
        if let node = top["companies"], let seq = node.sequence {
            var seen: [String: Int] = [:]
            for (i, c) in seq.enumerated() {
                guard let company = self.company(c, index: i, psa: psa?.system) else { continue }
                let key = company.name.lowercased()
                if let first = seen[key] {
                    problem(c, company.name, "companies[\(i)].name", "is used by companies[\(first)] too; names must be unique")
                } else {
                    seen[key] = i
                }
                companies.append(company)
            }
        } else if top["companies"] != nil {
            problem(top["companies"], nil, "companies", "must be a list of company blocks")
        }
        guard let microsoft, let psa else { return nil }
        var settings = RollcallSettings(database: database, microsoft: microsoft, psa: psa, companies: companies, source: SettingsSource(file: file, lines: lines))
        settings.proxy = proxy
        return settings
    }

    mutating func psaSettings(_ top: Node.Mapping) -> PSASettings? {
        guard let node = top["psa"], let m = node.mapping else {
            problem(top["psa"], nil, "psa", "is missing or not a mapping; give exactly one of autotask or connectwise")
            return nil
        }
        checkKeys(m, known: ["autotask", "connectwise"], company: nil, prefix: "psa.")
        let at = m["autotask"]?.mapping
        let cw = m["connectwise"]?.mapping
        if (at == nil) == (cw == nil) {
            problem(node, nil, "psa", "must hold exactly one of autotask or connectwise")
            return nil
        }
        if let a = at {
            let p = m["autotask"]
            checkKeys(
                a, known: ["username", "secret", "integrationCode", "url", "budgetShare", "budgetCeiling"], company: nil,
                prefix: "psa.autotask.")
            let user = string(a, "username", company: nil, field: "psa.autotask.username", required: true, parent: p)
            let secret = string(a, "secret", company: nil, field: "psa.autotask.secret", required: true, parent: p)
            let code = string(a, "integrationCode", company: nil, field: "psa.autotask.integrationCode", required: true, parent: p)
            let url = credentialURL(a, "url", field: "psa.autotask.url", required: false)
            let share = percent(a, "budgetShare", field: "psa.autotask.budgetShare")
            let ceiling = percent(a, "budgetCeiling", field: "psa.autotask.budgetCeiling")
            guard let user, let secret, let code else { return nil }
            var settings = AutotaskSettings(username: user, secret: secret, integrationCode: code, url: url)
            settings.secretSource = source(of: a["secret"], field: "psa.autotask.secret")
            settings.budgetShare = share ?? settings.budgetShare
            settings.budgetCeiling = ceiling ?? settings.budgetCeiling
            return .autotask(settings)
        }
        let c = cw!
        let p = m["connectwise"]
        checkKeys(
            c, known: ["url", "company", "publicKey", "privateKey", "clientId", "defaultContactType", "requestsPerMinute"],
            company: nil, prefix: "psa.connectwise.")
        let url = credentialURL(c, "url", field: "psa.connectwise.url", required: true, parent: p)
        let company = string(c, "company", company: nil, field: "psa.connectwise.company", required: true, parent: p)
        let pub = string(c, "publicKey", company: nil, field: "psa.connectwise.publicKey", required: true, parent: p)
        let priv = string(c, "privateKey", company: nil, field: "psa.connectwise.privateKey", required: true, parent: p)
        let client = string(c, "clientId", company: nil, field: "psa.connectwise.clientId", required: true, parent: p)
        let type = string(c, "defaultContactType", company: nil, field: "psa.connectwise.defaultContactType", required: false)
        let perMinute = int(c, "requestsPerMinute", company: nil, field: "psa.connectwise.requestsPerMinute", required: false)
        if let perMinute, perMinute < 1 {
            problem(c["requestsPerMinute"], nil, "psa.connectwise.requestsPerMinute", "is \(perMinute); write a number of requests of 1 or more, or leave it out for no cap")
        }
        guard let url, let company, let pub, let priv, let client else { return nil }
        var settings = ConnectWiseSettings(url: url, company: company, publicKey: pub, privateKey: priv, clientId: client, defaultContactType: type)
        settings.privateKeySource = source(of: c["privateKey"], field: "psa.connectwise.privateKey")
        settings.requestsPerMinute = perMinute.flatMap { $0 >= 1 ? $0 : nil }
        return .connectwise(settings)
    }

    static let companyKeys = [
        "name", "tenant", "psaCompanyId", "enabled", "updateExisting", "useEmail", "defaultSite", "contactType",
        "deactivateOutOfScope", "deactivationThreshold", "dailyAt", "fieldPolicy", "filters",
    ]

    mutating func company(_ node: Node, index i: Int, psa: PSASystem?) -> CompanySettings? {
        let at = "companies[\(i)]."
        guard let m = node.mapping else {
            problem(node, nil, "companies[\(i)]", "must be a mapping with name, tenant and psaCompanyId")
            return nil
        }
        let name = string(m, "name", company: nil, field: at + "name", required: true, parent: node)
        if let name, name.contains("/") {
            problem(m["name"], name, at + "name", "contains \"/\", which the event log uses to separate stream names; choose a name without it")
        }
        let label = name ?? "#\(i + 1)"
        if let name { lines["\(name)|"] = node.mark?.line }
        func record(_ key: String, _ n: Node?) { if let name, let l = n?.mark?.line { lines["\(name)|\(key)"] = l } }
        for (k, v) in m { record(k.string ?? "", v) }
        checkKeys(m, known: Self.companyKeys, company: label, prefix: at)
        let tenant = string(m, "tenant", company: label, field: at + "tenant", required: true, parent: node)
        let psaId = int(m, "psaCompanyId", company: label, field: at + "psaCompanyId", required: true)
        if m["psaCompanyId"] == nil { problem(node, label, at + "psaCompanyId", "is missing; give the PSA company's id") }
        var s = CompanySettings(name: label, tenant: tenant ?? "", psaCompanyId: psaId ?? 0)
        s.enabled = bool(m, "enabled", company: label, field: at + "enabled", default: true)
        s.updateExisting = bool(m, "updateExisting", company: label, field: at + "updateExisting", default: true)
        s.useEmail = bool(m, "useEmail", company: label, field: at + "useEmail", default: false)
        s.deactivateOutOfScope = bool(m, "deactivateOutOfScope", company: label, field: at + "deactivateOutOfScope", default: true)
        s.defaultSite = string(m, "defaultSite", company: label, field: at + "defaultSite", required: false)
        s.contactType = string(m, "contactType", company: label, field: at + "contactType", required: false)
        if s.contactType != nil, psa == .autotask {
            problem(m["contactType"], label, at + "contactType", "is for ConnectWise only; Autotask contacts have no contact type; remove it")
        }
        if let t = m["deactivationThreshold"] {
            if let tm = t.mapping {
                checkKeys(tm, known: ["count", "percent", "alwaysAbovePercent"], company: label, prefix: at + "deactivationThreshold.")
                let count = int(tm, "count", company: label, field: at + "deactivationThreshold.count", required: false) ?? 10
                let percent = int(tm, "percent", company: label, field: at + "deactivationThreshold.percent", required: false) ?? 10
                let always = int(tm, "alwaysAbovePercent", company: label, field: at + "deactivationThreshold.alwaysAbovePercent", required: false) ?? 50
                if count < 0 || percent < 0 || percent > 100 || always < 0 || always > 100 {
                    problem(t, label, at + "deactivationThreshold", "count must be 0 or more, and percent and alwaysAbovePercent between 0 and 100")
                }
                s.deactivationThreshold = DeactivationThreshold(count: count, percent: percent, alwaysAbovePercent: always)
            } else {
                problem(t, label, at + "deactivationThreshold", "must be a mapping like { count: 10, percent: 10 }")
            }
        }
        if let daily = string(m, "dailyAt", company: label, field: at + "dailyAt", required: false) {
            if DailyTime(daily) == nil {
                problem(m["dailyAt"], label, at + "dailyAt", "is \"\(daily)\"; write a 24-hour time like \"02:00\"")
            } else {
                s.dailyAt = daily
            }
        }
        if let fp = m["fieldPolicy"] {
            if let fm = fp.mapping {
                for (k, v) in fm {
                    let key = k.string ?? ""
                    guard let field = SyncedField(rawValue: key) else {
                        problem(k, label, at + "fieldPolicy." + key,
                                "is not a synced field; fields are: \(SyncedField.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    guard let p = v.scalar?.string, let policy = FieldPolicy(rawValue: p) else {
                        problem(v, label, at + "fieldPolicy." + key, "must be always, onCreateOnly or onChange")
                        continue
                    }
                    s.fieldPolicy[field] = policy
                }
            } else {
                problem(fp, label, at + "fieldPolicy", "must be a mapping of field: policy")
            }
        }
        if let fnode = m["filters"] {
            if let seq = fnode.sequence {
                for (j, f) in seq.enumerated() {
                    if let name { lines["\(name)|filters[\(j)]"] = f.mark?.line }
                    if let filter = self.filter(f, company: label, field: at + "filters[\(j)]", psa: psa) { s.filters.append(filter) }
                }
            } else if fnode.null == nil {
                problem(fnode, label, at + "filters", "must be a list of filters, first match wins")
            }
        }
        return s
    }

    mutating func filter(_ node: Node, company: String, field: String, psa: PSASystem?) -> MappingFilter? {
        guard let m = node.mapping else {
            problem(node, company, field, "must be a mapping like { group: Management, site: Main }")
            return nil
        }
        checkKeys(m, known: ["allLicensed", "group", "field", "equals", "upnDomain", "license", "site", "contactType"], company: company, prefix: field + ".")
        let kinds = ["allLicensed", "group", "field", "upnDomain", "license"].filter { m[$0] != nil }
        guard kinds.count == 1 else {
            problem(node, company, field, "must have exactly one of allLicensed, group, field, upnDomain, license (has \(kinds.isEmpty ? "none" : kinds.joined(separator: ", ")))")
            return nil
        }
        let site = string(m, "site", company: company, field: field + ".site", required: true, parent: node)
        let type = string(m, "contactType", company: company, field: field + ".contactType", required: false)
        if type != nil, psa == .autotask {
            problem(m["contactType"], company, field + ".contactType", "is for ConnectWise only; remove it")
        }
        var kind: FilterKind?
        switch kinds[0] {
        case "allLicensed":
            if bool(m, "allLicensed", company: company, field: field + ".allLicensed", default: true) {
                kind = .allLicensed
            } else {
                problem(m["allLicensed"], company, field + ".allLicensed", "is false; write allLicensed: true or remove the filter")
            }
        case "group":
            kind = string(m, "group", company: company, field: field + ".group", required: true).map(FilterKind.group)
        case "upnDomain":
            kind = string(m, "upnDomain", company: company, field: field + ".upnDomain", required: true).map(FilterKind.upnDomain)
        case "license":
            kind = string(m, "license", company: company, field: field + ".license", required: true).map(FilterKind.license)
        default:
            let attr = string(m, "field", company: company, field: field + ".field", required: true)
            let value = string(m, "equals", company: company, field: field + ".equals", required: true, parent: node)
            if let attr {
                if let known = FilterKind.fieldAttribute(attr) {
                    if let value { kind = .field(attribute: known, equals: value) }
                } else {
                    problem(m["field"], company, field + ".field", "\"\(attr)\" is not an attribute Rollcall reads; use one of \(FilterKind.fieldAttributes.joined(separator: ", ")) (extension attributes may also be written onPremisesExtensionAttributes.extensionAttribute1…15)")
                }
            }
        }
        guard let kind, let site else { return nil }
        return MappingFilter(kind, site: site, contactType: type)
    }
}

/// A time of day `HH:mm` (R11.1's daily run).
public struct DailyTime: Sendable, Hashable {
    public var hour: Int
    public var minute: Int

    /// Parses `HH:mm` (24-hour); `nil` when it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        hour = h
        minute = m
    }
}
