// rollcall.yaml: loading DESIGN.md's example, naming every problem by file, line, company and field, and checks
// against what the PSA company and tenant have.

import ContactSync
import Foundation
import StoredFormat
import Testing

/// The rollcall.yaml of DESIGN.md, verbatim.
let designYAML = """
database: rollcall.sqlite3          # the event log; created on first use
microsoft:
  clientId: 00000000-0000-0000-0000-000000000000   # the MSP's multi-tenant app
  clientSecret: ${GRAPH_CLIENT_SECRET}             # ${VAR} reads the environment
  loginUrl: https://login.microsoftonline.com      # default; overridable (emulator, national clouds)
  graphUrl: https://graph.microsoft.com            # default; overridable
psa:                                # exactly one of autotask / connectwise
  autotask:
    username: api-user@msp.example
    secret: ${AUTOTASK_SECRET}
    integrationCode: ${AUTOTASK_INTEGRATION_CODE}
    url: https://webservices5.autotask.net/ATServicesRest/   # optional: zone discovery when absent
  # connectwise:
  #   url: https://api-na.myconnectwise.net/v4_6_release/apis/3.0/
  #   company: mspco
  #   publicKey: ...
  #   privateKey: ${CW_PRIVATE_KEY}
  #   clientId: ...
  #   defaultContactType: Employee
companies:
  - name: Contoso                   # unique; used on the command line
    tenant: contoso.onmicrosoft.com # tenant id or domain
    psaCompanyId: 12345
    enabled: true
    updateExisting: true
    useEmail: false
    defaultSite: Main
    deactivateOutOfScope: true
    deactivationThreshold: { count: 10, percent: 10 }
    dailyAt: "02:00"                # local time of the daily run
    fieldPolicy:                    # optional, R6.6: always (default) | onCreateOnly | onChange
      title: onChange
      mobile: onCreateOnly
    filters:                        # priority order; first match wins
      - { group: Management, site: New Site }
      - { field: department, equals: IT, site: New Site }
      - { license: EXCHANGESTANDARD, site: Site 2 }
      - { license: SPB, site: Main }
      - { allLicensed: true, site: Site 3 }

"""

let environment = ["GRAPH_CLIENT_SECRET": "g-secret", "AUTOTASK_SECRET": "a-secret", "AUTOTASK_INTEGRATION_CODE": "CODE"]

@Suite("Settings")
struct SettingsTests {
    @Test("DESIGN.md's rollcall.yaml loads, with ${VAR} read from the environment")
    func loadsDesignExample() throws {
        let s = try SettingsLoader.load(yaml: designYAML, path: "rollcall.yaml", environment: environment)
        #expect(s.microsoft.clientSecret == "g-secret")
        guard case .autotask(let at) = s.psa else { Issue.record("not autotask"); return }
        #expect(at.secret == "a-secret" && at.integrationCode == "CODE")
        let c = try #require(s.companies.first)
        #expect(c.name == "Contoso" && c.psaCompanyId == 12345 && c.defaultSite == "Main")
        #expect(c.fieldPolicy == [.title: .onChange, .mobile: .onCreateOnly])
        #expect(c.filters == [
            MappingFilter(.group("Management"), site: "New Site"),
            MappingFilter(.field(attribute: "department", equals: "IT"), site: "New Site"),
            MappingFilter(.license("EXCHANGESTANDARD"), site: "Site 2"),
            MappingFilter(.license("SPB"), site: "Main"),
            MappingFilter(.allLicensed, site: "Site 3"),
        ])
        #expect(s.source.line(company: "Contoso", field: "filters[2]") == 37)
    }

    @Test("every problem is named with file, line, company and field")
    func everyProblemNamed() {
        let bad = designYAML
            .replacingOccurrences(of: "psaCompanyId: 12345", with: "psaCompanyId: twelve")
            .replacingOccurrences(of: "title: onChange", with: "title: sometimes")
            .replacingOccurrences(of: "{ field: department, equals: IT, site: New Site }", with: "{ field: shoeSize, equals: IT, site: New Site }")
            .replacingOccurrences(of: "dailyAt: \"02:00\"", with: "dailyAt: \"25:00\"")
        do {
            _ = try SettingsLoader.load(yaml: bad, path: "/etc/rollcall.yaml", environment: [:])
            Issue.record("bad settings loaded")
        } catch {
            let text = error.problems.map(\.description)
            #expect(error.problems.count == 7, "\(text)")
            #expect(text.contains { $0.hasPrefix("/etc/rollcall.yaml:4: microsoft.clientSecret: reads environment variable GRAPH_CLIENT_SECRET") })
            #expect(text.contains { $0.hasPrefix("/etc/rollcall.yaml:10: psa.autotask.secret: reads environment variable AUTOTASK_SECRET") })
            #expect(text.contains { $0.hasPrefix("/etc/rollcall.yaml:23: company \"Contoso\": companies[0].psaCompanyId: is \"twelve\"") })
            #expect(text.contains { $0.hasPrefix("/etc/rollcall.yaml:30: company \"Contoso\": companies[0].dailyAt") })
            #expect(text.contains { $0.hasPrefix("/etc/rollcall.yaml:32: company \"Contoso\": companies[0].fieldPolicy.title: must be always, onCreateOnly or onChange") })
            #expect(text.contains { $0.contains("company \"Contoso\": filter 2, field: \"shoeSize\" is not an attribute") })
        }
    }

    @Test("duplicate company names, unknown keys and a PSA with both systems are refused")
    func structuralProblems() {
        let yaml = """
        microsoft: { clientId: app, clientSecret: s }
        psa:
          autotask: { username: u, secret: s, integrationCode: c }
          connectwise: { url: u, company: c, publicKey: p, privateKey: k, clientId: i }
        companies:
          - { name: Contoso, tenant: contoso.example, psaCompanyId: 1, colour: blue }
          - { name: contoso, tenant: other.example, psaCompanyId: 2, filters: [ { group: A, license: SPB, site: Main } ] }
        """
        #expect {
            try SettingsLoader.load(yaml: yaml, path: "r.yaml", environment: [:])
        } throws: { error in
            let text = (error as! SettingsError).description
            return text.contains("r.yaml:3: psa: must hold exactly one of autotask or connectwise")
                && text.contains("r.yaml:6: company \"Contoso\": companies[0].colour: is not a setting")
                && text.contains("r.yaml:7: company \"contoso\": companies[1].name: is used by companies[0] too")
                && text.contains("company \"contoso\": filter 1: must have exactly one of allLicensed, group, field, upnDomain, license (has group, license)")
        }
    }

    @Test("a company name cannot hold the stream separator")
    func nameWithSlash() {
        let yaml = designYAML.replacingOccurrences(of: "name: Contoso", with: "name: Contoso/EU")
        #expect {
            try SettingsLoader.load(yaml: yaml, path: "rollcall.yaml", environment: environment)
        } throws: { error in
            (error as! SettingsError).problems.map(\.description) == [
                "rollcall.yaml:21: company \"Contoso/EU\": companies[0].name: contains \"/\", which the event log uses to separate stream names; choose a name without it"
            ]
        }
    }

    @Test("sites and licenses the PSA company and tenant lack are errors once known")
    func validateAgainstPSA() throws {
        let s = try SettingsLoader.load(yaml: designYAML, path: "rollcall.yaml", environment: environment)
        let company = s.companies[0]
        let sites = [PSASite(id: 1, name: "Main"), PSASite(id: 2, name: "new site"), PSASite(id: 3, name: "Site 2")]
        let problems = SettingsLoader.validate(company: company, sites: sites, licenses: [SKU.businessPremium], source: s.source)
        #expect(problems.map(\.description) == [
            "rollcall.yaml:39: company \"Contoso\": filter 5, all licensed users, site: names site \"Site 3\", which PSA company 12345 does not have; sites are: Main, Site 2, new site",
            "rollcall.yaml:37: company \"Contoso\": filter 3, license EXCHANGESTANDARD: names license \"EXCHANGESTANDARD\", which tenant contoso.onmicrosoft.com does not subscribe to; its SKUs are: SPB",
        ])
        #expect(SettingsLoader.validate(company: company, sites: [], licenses: [], source: s.source).isEmpty)
    }

    @Test("a company's changed settings become a new SettingsChanged version; unchanged ones do not")
    func settingsChangedVersions() throws {
        let s = try SettingsLoader.load(yaml: designYAML, path: "rollcall.yaml", environment: environment)
        let first = try #require(SettingsChanged.next(for: s.companies[0], after: nil, version: 0))
        #expect(first.version == 1 && first.company == "Contoso")
        #expect(SettingsChanged.next(for: s.companies[0], after: first.settings, version: 1) == nil)
        var changed = s.companies[0]
        changed.useEmail = true
        #expect(SettingsChanged.next(for: changed, after: first.settings, version: 1)?.version == 2)
        let payload = String(decoding: try DomainEvent.settingsChanged(first).encodePayload(), as: UTF8.self)
        #expect(!payload.contains("a-secret") && !payload.contains("g-secret"))
    }

    @Test("the init samples load for both PSAs")
    func samplesLoad() throws {
        let at = try SettingsLoader.load(yaml: SettingsLoader.sample(for: .autotask), path: "rollcall.yaml", environment: environment)
        #expect(at.psa.system == .autotask && at.companies.count == 1)
        let cw = try SettingsLoader.load(yaml: SettingsLoader.sample(for: .connectwise), path: "rollcall.yaml", environment: ["GRAPH_CLIENT_SECRET": "x", "CW_PRIVATE_KEY": "k"])
        #expect(cw.psa.system == .connectwise && cw.psa.defaultContactType == "Employee")
        #expect(cw.companies[0].contactType == "Employee")
    }
}

@Suite("R11.6 budget settings")
struct BudgetSettingsTests {
    static let urlLine = "    url: https://webservices5.autotask.net/ATServicesRest/   # optional: zone discovery when absent\n"

    static func autotask(_ yaml: String) throws -> AutotaskSettings? {
        let settings = try SettingsLoader.load(yaml: yaml, path: "rollcall.yaml", environment: environment)
        if case .autotask(let a) = settings.psa { return a }
        return nil
    }

    @Test("budgetShare and budgetCeiling default to 30% and 50%, and are read as 20% or 20")
    func shareAndCeiling() throws {
        let defaults = try #require(try Self.autotask(designYAML))
        #expect(defaults.budgetShare == 30 && defaults.budgetCeiling == 50)
        let yaml = designYAML.replacingOccurrences(of: Self.urlLine, with: Self.urlLine + "    budgetShare: 20%\n    budgetCeiling: 40\n")
        let set = try #require(try Self.autotask(yaml))
        #expect(set.budgetShare == 20 && set.budgetCeiling == 40)
    }

    @Test("a share that is not a percentage from 1% to 100% is refused by name", arguments: ["0%", "101%", "lots", "-5"])
    func badShare(value: String) {
        let yaml = designYAML.replacingOccurrences(of: Self.urlLine, with: Self.urlLine + "    budgetShare: \"\(value)\"\n")
        #expect {
            try SettingsLoader.load(yaml: yaml, path: "rollcall.yaml", environment: environment)
        } throws: { error in
            "\(error)".contains("psa.autotask.budgetShare: is \"\(value)\"; write a percentage from 1% to 100%")
        }
    }

    @Test("ConnectWise's requestsPerMinute is an optional cap of at least 1")
    func connectWiseCap() throws {
        let yaml = """
        microsoft: { clientId: app, clientSecret: s }
        psa:
          connectwise: { url: https://api-na.myconnectwise.net/v4_6_release/apis/3.0/, company: c, publicKey: p, privateKey: k, clientId: i, requestsPerMinute: 120 }
        companies:
          - { name: Contoso, tenant: contoso.example, psaCompanyId: 1 }
        """
        let settings = try SettingsLoader.load(yaml: yaml, path: "r.yaml", environment: [:])
        guard case .connectwise(let cw) = settings.psa else { Issue.record("not ConnectWise"); return }
        #expect(cw.requestsPerMinute == 120)
        #expect {
            try SettingsLoader.load(yaml: yaml.replacingOccurrences(of: "requestsPerMinute: 120", with: "requestsPerMinute: 0"), path: "r.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains("psa.connectwise.requestsPerMinute: is 0")
        }
    }
}
