// The real connections of rollcall.yaml: one Graph client per company, one PSA connection for all of them.

import Autotask
import ConnectWise
import ContactSync
import Foundation
import Logging
import MicrosoftGraph
import RollcallHTTP

/// Builds HTTP clients for Microsoft Graph and the PSA from the settings, and keeps them for the engine's life
/// (so tokens, group look-ups and the PSA's communication types are read once, not once per run).
public actor LiveConnections: ConnectionProvider {
    private let settings: RollcallSettings
    private let logger: Logger
    private let retryBaseDelay: Double?
    private var directories: [String: GraphClient] = [:]
    private var connection: (any PSAConnection)?
    private let http: HTTPService
    private let autotaskBudget: AutotaskBudget?

    /// Makes the provider; `retryBaseDelay` (seconds) shortens retry waits, for tests and fault drills. Requests go
    /// through the settings' `proxy` (which the settings loader has checked), else `HTTPS_PROXY`'s. `autotaskBudget`
    /// replaces the one made from the settings' share and ceiling (tests and drills give it their clock).
    public init(settings: RollcallSettings, logger: Logger, retryBaseDelay: Double? = nil, autotaskBudget: AutotaskBudget? = nil) {
        self.settings = settings
        self.logger = logger
        self.retryBaseDelay = retryBaseDelay
        self.autotaskBudget = autotaskBudget
        http = .using(proxy: settings.proxy.flatMap { try? HTTPProxy(url: $0) })
    }

    /// The Graph client of a company's tenant.
    public func directory(for company: CompanySettings) async throws -> any DirectorySource {
        if let known = directories[company.name] { return known }
        let microsoft = settings.microsoft
        var configuration = GraphConfiguration(
            loginURL: microsoft.loginUrl, graphURL: microsoft.graphUrl, tenant: company.tenant,
            clientId: microsoft.clientId, clientSecret: microsoft.clientSecret, companyName: company.name,
            clientSecretSource: microsoft.clientSecretSource)
        if let retryBaseDelay {
            configuration.retryBaseDelay = retryBaseDelay
            configuration.maxRetryDelay = retryBaseDelay * 8
        }
        let client = GraphClient(configuration: configuration, logger: logger, http: http)
        directories[company.name] = client
        return client
    }

    /// The PSA connection of rollcall.yaml.
    public func psa() async throws -> any PSAConnection {
        if let connection { return connection }
        let made: any PSAConnection
        switch settings.psa {
        case .autotask(let autotask):
            var configuration = AutotaskConfiguration(
                username: autotask.username, secret: autotask.secret, integrationCode: autotask.integrationCode,
                baseURL: autotask.url, budgetShare: autotask.budgetShare, budgetCeiling: autotask.budgetCeiling,
                secretSource: autotask.secretSource)
            if let retryBaseDelay { configuration.retryBaseDelay = .milliseconds(Int(retryBaseDelay * 1000)) }
            made = AutotaskConnection(configuration: configuration, logger: logger, budget: autotaskBudget, http: http)
        case .connectwise(let connectwise):
            var configuration = ConnectWiseConfiguration(
                baseURL: connectwise.url, company: connectwise.company, publicKey: connectwise.publicKey,
                privateKey: connectwise.privateKey, clientId: connectwise.clientId,
                privateKeySource: connectwise.privateKeySource)
            if let retryBaseDelay { configuration.retryBaseDelay = retryBaseDelay }
            configuration.requestsPerMinute = connectwise.requestsPerMinute
            made = ConnectWiseConnection(configuration: configuration, logger: logger, http: http)
        }
        connection = made
        return made
    }
}
