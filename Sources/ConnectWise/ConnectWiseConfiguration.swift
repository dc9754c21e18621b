// What a ConnectWise connection needs to know: where the PSA is, whose keys to use, and how patient to be.

import Foundation

/// The settings of one ConnectWise PSA connection; the keys are secrets and are never logged or shown in errors.
public struct ConnectWiseConfiguration: Sendable {
    /// The server up to and including the codebase and API root, e.g. `https://api-na.myconnectwise.net/v4_6_release/apis/3.0`.
    public var baseURL: String
    /// The ConnectWise company id used at login (the part before `+` in Basic auth).
    public var company: String
    /// The API member's public key.
    public var publicKey: String
    /// The API member's private key.
    public var privateKey: String
    /// The integration's `clientId` from developer.connectwise.com.
    public var clientId: String
    /// The contact type id given to created contacts when the write names none.
    public var defaultContactType: Int?
    /// Words that mark a communication type as the mobile phone type (matched case-insensitively in its description).
    public var mobileTypeNames: [String]
    /// How many times a throttled or failed-before-sending request is tried again before giving up.
    public var maxRetries: Int
    /// The first retry's delay in seconds; each retry doubles it, plus jitter.
    public var retryBaseDelay: Double
    /// The `version=` asked for in `Accept`.
    public var apiVersion: String
    /// How long one request may take, in seconds.
    public var requestTimeout: Double
    /// Where the private key came from, for a message when ConnectWise refuses the keys ("environment variable
    /// CW_PRIVATE_KEY").
    public var privateKeySource: String
    /// An optional cap on requests a minute (`psa.connectwise.requestsPerMinute`).
    public var requestsPerMinute: Int?

    /// Makes a configuration; `baseURL` may be given with or without a trailing slash.
    public init(
        baseURL: String, company: String, publicKey: String, privateKey: String, clientId: String,
        defaultContactType: Int? = nil, mobileTypeNames: [String] = ["Mobile", "Cell"], maxRetries: Int = 4,
        retryBaseDelay: Double = 0.5, apiVersion: String = "2022.1", requestTimeout: Double = 60,
        privateKeySource: String = "psa.connectwise.privateKey in rollcall.yaml"
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.company = company
        self.publicKey = publicKey
        self.privateKey = privateKey
        self.clientId = clientId
        self.defaultContactType = defaultContactType
        self.mobileTypeNames = mobileTypeNames
        self.maxRetries = maxRetries
        self.retryBaseDelay = retryBaseDelay
        self.apiVersion = apiVersion
        self.requestTimeout = requestTimeout
        self.privateKeySource = privateKeySource
    }

    /// The `Authorization` header value: Basic `company+public:private`.
    var authorization: String {
        "Basic " + Data("\(company)+\(publicKey):\(privateKey)".utf8).base64EncodedString()
    }
}
