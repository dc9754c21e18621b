// How Rollcall reaches one Autotask database: the API user's credentials, the zone, and how hard to retry.

import Foundation

/// The settings of one Autotask connection (`psa.autotask` in `rollcall.yaml`).
public struct AutotaskConfiguration: Sendable {
    /// The API-only user's user name (or email); also the `user` of zone discovery.
    public var username: String
    /// The API user's secret; never logged, never put in an error.
    public var secret: String
    /// The API tracking identifier (`ApiIntegrationCode`).
    public var integrationCode: String
    /// The zone's REST base (`https://webservicesN.autotask.net/ATServicesRest/`); `nil` discovers it.
    public var baseURL: String?
    /// Where zone discovery asks (`{discoveryURL}v1.0/zoneInformation?user=`).
    public var discoveryURL: String
    /// How many times a throttled or failed request is tried again before giving up.
    public var maxRetries: Int
    /// The first retry's delay; each later retry doubles it (with jitter).
    public var retryBaseDelay: Duration
    /// How long one request may take before it counts as a transport failure.
    public var requestTimeout: Duration
    /// R11.6: the most of each hourly threshold Rollcall uses, in percent.
    public var budgetShare: Int
    /// R11.6: Rollcall adds no request once the database's total for the hour reaches this percent of the threshold.
    public var budgetCeiling: Int
    /// Where the secret came from, for a message when Autotask refuses it ("environment variable AUTOTASK_SECRET").
    public var secretSource: String

    /// The public discovery endpoint used when no URL is configured.
    public static let defaultDiscoveryURL = "https://webservices.autotask.net/atservicesrest/"

    /// Makes a configuration; only the credentials are required.
    public init(
        username: String, secret: String, integrationCode: String, baseURL: String? = nil,
        discoveryURL: String = AutotaskConfiguration.defaultDiscoveryURL, maxRetries: Int = 4,
        retryBaseDelay: Duration = .seconds(1), requestTimeout: Duration = .seconds(60), budgetShare: Int = 30,
        budgetCeiling: Int = 50,
        secretSource: String = "psa.autotask.secret in rollcall.yaml"
    ) {
        self.username = username
        self.secret = secret
        self.integrationCode = integrationCode
        self.baseURL = baseURL
        self.discoveryURL = discoveryURL
        self.maxRetries = maxRetries
        self.retryBaseDelay = retryBaseDelay
        self.requestTimeout = requestTimeout
        self.budgetShare = budgetShare
        self.budgetCeiling = budgetCeiling
        self.secretSource = secretSource
    }
}

extension AutotaskConfiguration: CustomStringConvertible, CustomReflectable {
    /// The settings with the secret left out, safe to log.
    public var description: String {
        "AutotaskConfiguration(username: \(username), integrationCode: \(integrationCode), "
            + "baseURL: \(baseURL ?? "zone discovery at \(discoveryURL)"), maxRetries: \(maxRetries), secret: <redacted>)"
    }

    /// What `dump` and debuggers show: everything but the secret.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "username": username, "integrationCode": integrationCode, "baseURL": baseURL as Any,
            "discoveryURL": discoveryURL, "maxRetries": maxRetries, "retryBaseDelay": retryBaseDelay,
            "requestTimeout": requestTimeout, "budgetShare": budgetShare, "budgetCeiling": budgetCeiling,
            "secret": "<redacted>",
        ])
    }
}
