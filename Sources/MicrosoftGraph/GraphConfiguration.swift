// How Rollcall reaches one customer tenant through Microsoft Graph: endpoints, the MSP's app, and retry policy.

import Foundation

/// Everything a `GraphClient` needs to read one tenant; the secret never appears in its description.
public struct GraphConfiguration: Sendable, CustomStringConvertible {
    /// The identity platform's base URL (`https://login.microsoftonline.com`, or an emulator's).
    public var loginURL: String
    /// Microsoft Graph's base URL without the version (`https://graph.microsoft.com`, or an emulator's).
    public var graphURL: String
    /// The customer's tenant id or primary domain.
    public var tenant: String
    /// The MSP's multi-tenant app (client) id.
    public var clientId: String
    /// The app's client secret; kept out of logs and error messages.
    public var clientSecret: String
    /// The Rollcall company this tenant belongs to, for messages an MSP technician reads.
    public var companyName: String
    /// How many times one request is retried after throttling, 5xx answers or a failed connection.
    public var maxRetries: Int
    /// The first backoff delay in seconds when Graph sends no `Retry-After` (doubles each retry, with jitter).
    public var retryBaseDelay: Double
    /// The longest single wait in seconds, whatever `Retry-After` says.
    public var maxRetryDelay: Double
    /// How long one HTTP request may take, in seconds.
    public var requestTimeout: Double
    /// Where the client secret came from, for a message when Microsoft refuses it ("environment variable
    /// GRAPH_CLIENT_SECRET", or the setting).
    public var clientSecretSource: String

    /// Makes a configuration with Microsoft's public endpoints and 5 retries starting at one second.
    public init(
        loginURL: String = "https://login.microsoftonline.com", graphURL: String = "https://graph.microsoft.com",
        tenant: String, clientId: String, clientSecret: String, companyName: String, maxRetries: Int = 5,
        retryBaseDelay: Double = 1, maxRetryDelay: Double = 120, requestTimeout: Double = 60,
        clientSecretSource: String = "microsoft.clientSecret in rollcall.yaml"
    ) {
        self.loginURL = Self.trimmed(loginURL)
        self.graphURL = Self.trimmed(graphURL)
        self.tenant = tenant
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.companyName = companyName
        self.maxRetries = maxRetries
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
        self.requestTimeout = requestTimeout
        self.clientSecretSource = clientSecretSource
    }

    /// The configuration for logs, with the secret redacted.
    public var description: String {
        "Graph(company: \(companyName), tenant: \(tenant), clientId: \(clientId), clientSecret: <redacted>, login: \(loginURL), graph: \(graphURL))"
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
