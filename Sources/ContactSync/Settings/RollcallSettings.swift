// The whole of rollcall.yaml: the log's file, the Microsoft app, the PSA connection, and the companies.

import Foundation

/// Everything rollcall.yaml says, with `${VAR}` already read from the environment.
public struct RollcallSettings: Sendable, Hashable {
    /// The event log's SQLite file.
    public var database: String
    public var microsoft: MicrosoftSettings
    public var psa: PSASettings
    public var companies: [CompanySettings]
    /// Where each setting was written, for problems found after loading (`validate(company:…)`).
    public var source: SettingsSource
    /// The HTTP proxy every request to Microsoft and the PSA goes through (`http://host:port`); nil: `HTTPS_PROXY`.
    public var proxy: String?

    /// Makes settings.
    public init(database: String, microsoft: MicrosoftSettings, psa: PSASettings, companies: [CompanySettings], source: SettingsSource = SettingsSource(file: "rollcall.yaml")) {
        self.database = database
        self.microsoft = microsoft
        self.psa = psa
        self.companies = companies
        self.source = source
    }

    /// The company of that name (case-insensitive), if any.
    public func company(named name: String) -> CompanySettings? {
        companies.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// The MSP's multi-tenant Microsoft app.
public struct MicrosoftSettings: Sendable, Hashable {
    public var clientId: String
    /// A secret: never logged, never in an event.
    public var clientSecret: String
    public var loginUrl: String
    public var graphUrl: String
    /// Where the secret came from ("environment variable GRAPH_CLIENT_SECRET"), for messages.
    public var clientSecretSource = "microsoft.clientSecret in rollcall.yaml"

    /// Makes Microsoft settings, with the public cloud's URLs by default.
    public init(clientId: String, clientSecret: String, loginUrl: String = "https://login.microsoftonline.com", graphUrl: String = "https://graph.microsoft.com") {
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.loginUrl = loginUrl
        self.graphUrl = graphUrl
    }
}

/// The one PSA connection of rollcall.yaml.
public enum PSASettings: Sendable, Hashable {
    case autotask(AutotaskSettings)
    case connectwise(ConnectWiseSettings)

    /// Which PSA it is.
    public var system: PSASystem {
        switch self {
        case .autotask: .autotask
        case .connectwise: .connectwise
        }
    }

    /// The connection's default contact type (ConnectWise; R10.1).
    public var defaultContactType: String? {
        if case .connectwise(let c) = self { return c.defaultContactType }
        return nil
    }
}

/// An Autotask API user.
public struct AutotaskSettings: Sendable, Hashable {
    public var username: String
    /// A secret: never logged, never in an event.
    public var secret: String
    public var integrationCode: String
    /// The zone's REST base; `nil` means discover it from the username.
    public var url: String?
    /// Where the secret came from ("environment variable AUTOTASK_SECRET"), for messages.
    public var secretSource = "psa.autotask.secret in rollcall.yaml"
    /// R11.6: the most of each hourly threshold Rollcall uses, in percent (default 30).
    public var budgetShare = 30
    /// R11.6: Rollcall adds no request once the database's total for the hour reaches this percent (default 50,
    /// where Autotask starts slowing every integration down).
    public var budgetCeiling = 50

    /// Makes Autotask settings.
    public init(username: String, secret: String, integrationCode: String, url: String? = nil) {
        self.username = username
        self.secret = secret
        self.integrationCode = integrationCode
        self.url = url
    }
}

/// A ConnectWise API member's keys.
public struct ConnectWiseSettings: Sendable, Hashable {
    public var url: String
    public var company: String
    public var publicKey: String
    /// A secret: never logged, never in an event.
    public var privateKey: String
    public var clientId: String
    public var defaultContactType: String?
    /// Where the private key came from ("environment variable CW_PRIVATE_KEY"), for messages.
    public var privateKeySource = "psa.connectwise.privateKey in rollcall.yaml"
    /// An optional cap on Rollcall's requests a minute (429s are honoured either way).
    public var requestsPerMinute: Int?

    /// Makes ConnectWise settings.
    public init(url: String, company: String, publicKey: String, privateKey: String, clientId: String, defaultContactType: String? = nil) {
        self.url = url
        self.company = company
        self.publicKey = publicKey
        self.privateKey = privateKey
        self.clientId = clientId
        self.defaultContactType = defaultContactType
    }
}

/// Where settings came from: the file and the line of each company's fields.
public struct SettingsSource: Sendable, Hashable {
    public var file: String
    /// `"<company>|<field path>"` → line, e.g. `"Contoso|filters[2].site"`.
    public var lines: [String: Int]

    /// Makes a source map.
    public init(file: String, lines: [String: Int] = [:]) {
        self.file = file
        self.lines = lines
    }

    /// The line of a company's field, else of its nearest enclosing entry (`filters[2]`), else of the company block.
    public func line(company: String, field: String) -> Int? {
        var path = Substring(field)
        while true {
            if let line = lines["\(company)|\(path)"] { return line }
            guard let dot = path.lastIndex(of: ".") else { return lines["\(company)|"] }
            path = path[..<dot]
        }
    }
}

/// One thing wrong with the settings: where, for which company and field, and what to do.
public struct SettingsProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var company: String?
    /// The field path, e.g. `companies[0].filters[2].site`.
    public var field: String
    public var message: String
    /// The kind and value of the filter the field belongs to, when known (`license EXCHANGESTANDARD`).
    public var filterName: String?

    /// Makes a problem.
    public init(file: String, line: Int?, company: String?, field: String, message: String, filterName: String? = nil) {
        self.file = file
        self.line = line
        self.company = company
        self.field = field
        self.message = message
        self.filterName = filterName
    }

    /// `rollcall.yaml:14: company "Contoso": filter 3, license EXCHANGESTANDARD, site: …` — filters counted from 1
    /// and named, as everywhere else.
    public var description: String {
        var s = line.map { "\(file):\($0)" } ?? file
        if let company { s += ": company \"\(company)\"" }
        return s + ": \(shownField): \(message)"
    }

    /// The field as a person reads it: a filter's path `companies[0].filters[2].site` becomes `filter 3, …, site`.
    public var shownField: String {
        guard let open = field.range(of: "filters["), let close = field[open.upperBound...].firstIndex(of: "]"),
              let index = Int(field[open.upperBound..<close])
        else { return field }
        var before = String(field[..<open.lowerBound])
        if company != nil || before.isEmpty { before = "" } else { before = before.trimmingCharacters(in: ["."]) + ": " }
        var rest = String(field[field.index(after: close)...])
        if rest.hasPrefix(".") { rest.removeFirst() }
        var shown = before + "filter \(index + 1)"
        if let filterName { shown += ", \(filterName)" }
        let namesKind = filterName.map { $0.hasPrefix(rest + " ") } ?? false
        if !rest.isEmpty && !namesKind { shown += ", \(rest)" }
        return shown
    }
}

/// Settings that cannot be used, with every problem found (the file is refused whole).
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [SettingsProblem]

    /// Makes an error.
    public init(problems: [SettingsProblem]) {
        self.problems = problems
    }

    public var description: String {
        "the settings cannot be used (\(problems.count) problem\(problems.count == 1 ? "" : "s")); nothing was changed:\n"
            + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// Which hosts plain http may reach: loopback only (`localhost`, 127.0.0.0/8, `::1`), where the emulators run.
public enum SettingsURLs {
    /// True for `localhost`, an address in 127.0.0.0/8, or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `url` with any `user:password@` part replaced by `…@`, for messages.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        return url[..<scheme.upperBound] + "…" + url[at...]
    }
}
