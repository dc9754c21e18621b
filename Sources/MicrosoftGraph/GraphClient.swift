// The Microsoft Graph client for one tenant: client-credentials token, throttled HTTP with retries, typed errors.
// Concurrency (the module's one style): the client is an actor; its token is fetched once for concurrent callers.

import ContactSync
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RollcallHTTP

/// Reads one customer tenant through Microsoft Graph v1.0 with the MSP's app; Rollcall's `DirectorySource`.
///
/// Every request carries a `client-request-id` and goes through `HTTPRequester`'s policy: 429 and 5xx answers and
/// failed connections are retried up to `maxRetries` times, honouring `Retry-After` within bounds, each retry logged.
/// Links Graph hands back (next and delta links) are followed only on the configured `graphURL`'s origin, so the
/// bearer token goes nowhere else. A read that cannot finish throws; it never returns part of a list as if it were
/// whole.
public actor GraphClient: DirectorySource {
    let configuration: GraphConfiguration
    let logger: Logger
    var token: (value: String, refreshAt: Date)?
    /// The token request in flight, so concurrent reads share one.
    private var tokenFetch: Task<String, any Error>?
    /// Sends every request: retries, backoff, Retry-After, the request count.
    let requester: HTTPRequester
    /// The origin of `graphURL`: the only place the bearer token is sent.
    let graphOrigin: HTTPOrigin?
    /// Groups already resolved, by the name or id a filter used, so later rounds skip the lookup.
    var resolvedGroups: [String: (id: String, displayName: String)] = [:]
    /// Answers a `$batch` brought ahead of the reads that ask for them, by URL; each is handed out once.
    var prefetched: [String: HTTPAnswer] = [:]

    /// Makes a client sending through `http`; it sends nothing until asked.
    public init(configuration: GraphConfiguration, logger: Logger, http: HTTPService = .shared) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "company"] = "\(configuration.companyName)"
        logger[metadataKey: "tenant"] = "\(configuration.tenant)"
        self.logger = logger
        graphOrigin = HTTPOrigin(configuration.graphURL)
        requester = HTTPRequester(
            service: http,
            policy: RequestPolicy(
                maxRetries: configuration.maxRetries, baseDelay: .seconds(configuration.retryBaseDelay),
                maxDelay: .seconds(configuration.maxRetryDelay), timeout: .seconds(configuration.requestTimeout),
                maxBody: 256 * 1024 * 1024),
            logger: logger, serviceName: "Microsoft Graph")
    }

    /// How many HTTP requests this client has sent, token requests and retries included.
    public func requestCount() -> Int { requester.counter.value }

    /// The Graph server as messages name it (`host:port`).
    var graphServer: String { graphOrigin?.server ?? configuration.graphURL }

    var company: String { "company \"\(configuration.companyName)\"" }

    // MARK: Token

    /// A bearer token, fetched with client credentials and reused until shortly before it expires.
    func accessToken() async throws -> String {
        if let token, token.refreshAt > Date() { return token.value }
        if let tokenFetch { return try await tokenFetch.value }
        let fetch = Task { try await self.fetchToken() }
        tokenFetch = fetch
        defer { tokenFetch = nil }
        return try await fetch.value
    }

    private func fetchToken() async throws -> String {
        let url = "\(configuration.loginURL)/\(Self.pathEncoded(configuration.tenant))/oauth2/v2.0/token"
        let form = [
            ("client_id", configuration.clientId), ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", configuration.clientSecret), ("grant_type", "client_credentials"),
        ].map { "\($0.0)=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        let answer = try await send(
            .POST, url, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form,
            purpose: "getting an access token")
        guard answer.status == 200 else { throw tokenError(answer) }
        guard let decoded = try? JSONDecoder().decode(TokenAnswer.self, from: answer.body) else {
            throw DirectoryError(
                .unexpectedResponse,
                "\(company): the token endpoint at \(configuration.loginURL) answered without an access token; check loginUrl in rollcall.yaml.",
                status: answer.status)
        }
        // Refresh five minutes early (or at 90% of a short lifetime) so a long read never carries a dying token.
        let margin = min(300, decoded.expires_in / 10)
        token = (decoded.access_token, Date().addingTimeInterval(decoded.expires_in - margin))
        return decoded.access_token
    }

    private func tokenError(_ answer: HTTPAnswer) -> DirectoryError {
        let body = try? JSONDecoder().decode(TokenErrorAnswer.self, from: answer.body)
        let codes = body?.error_codes ?? []
        let label = ([body?.error].compactMap { $0 } + codes.map { "AADSTS\($0)" }).joined(separator: " ")
        let tenant = "tenant \(configuration.tenant)"
        if codes.contains(7_000_215) || codes.contains(7_000_222) || body?.error == "invalid_client" {
            return DirectoryError(
                .authentication,
                "\(company): Microsoft 365 refused the app's client secret for \(tenant) (\(label)); the secret is wrong or expired. Create a new client secret for app \(configuration.clientId) and put its value in \(configuration.clientSecretSource).",
                status: answer.status)
        }
        if codes.contains(700_016) || body?.error == "unauthorized_client" {
            return DirectoryError(
                .authentication,
                "\(company): \(tenant) has not consented to app \(configuration.clientId) (\(label)). A global administrator of the customer must grant admin consent: \(configuration.loginURL)/\(configuration.tenant)/adminconsent?client_id=\(configuration.clientId)",
                status: answer.status)
        }
        if codes.contains(90002) || codes.contains(900_023) {
            return DirectoryError(
                .authentication,
                "\(company): Microsoft 365 does not know \(tenant) (\(label)); check the company's tenant id or domain in rollcall.yaml.",
                status: answer.status)
        }
        let first = body?.error_description?.components(separatedBy: "\r\n").first ?? "HTTP \(answer.status)"
        return DirectoryError(
            .authentication,
            "\(company): getting an access token for \(tenant) failed (\(label.isEmpty ? "HTTP \(answer.status)" : label)): \(first)",
            status: answer.status)
    }

    // MARK: Graph GET

    /// GETs a Graph URL with the bearer token; answers 2xx and 4xx other than 401/403 to the caller.
    ///
    /// `url` must be on `graphURL`'s origin (next and delta links are checked here, the log's included): anywhere else
    /// the read fails before the token is sent.
    func get(_ url: String, headers: [(String, String)] = [], purpose: String) async throws -> HTTPAnswer {
        if let graphOrigin {
            do {
                try graphOrigin.check(url, what: "Microsoft Graph's link for \(purpose)")
            } catch {
                throw DirectoryError(
                    .unexpectedResponse, "\(company): \(error.description) The read was abandoned and nothing was changed.")
            }
        }
        let answer: HTTPAnswer
        if let early = prefetched.removeValue(forKey: url) {
            answer = early
        } else {
            let bearer = try await accessToken()
            answer = try await send(
                .GET, url, headers: [("Authorization", "Bearer \(bearer)"), ("Accept", "application/json")] + headers,
                body: nil, purpose: purpose)
        }
        switch answer.status {
        case 401:
            token = nil
            throw DirectoryError(
                .authentication,
                "\(company): Microsoft Graph at \(graphServer) refused the app's access token while \(purpose) (\(graphCode(answer) ?? "HTTP 401")); the read was abandoned and nothing was changed. Check that tenant \(configuration.tenant) still has the app consented, then run again.",
                status: 401)
        case 403:
            throw DirectoryError(
                .permission,
                "\(company): the app lacks a Microsoft Graph permission for \(purpose) (\(graphCode(answer) ?? "HTTP 403")). Grant admin consent for User.Read.All, GroupMember.Read.All and Organization.Read.All in tenant \(configuration.tenant).",
                status: 403)
        default:
            return answer
        }
    }

    /// The Graph error code of an answer (`error.code`), when it has one.
    func graphCode(_ answer: HTTPAnswer) -> String? {
        (try? JSONDecoder().decode(GraphErrorAnswer.self, from: answer.body))?.error.code
    }

    /// The error for an answer the caller did not expect.
    func unexpected(_ answer: HTTPAnswer, _ purpose: String) -> DirectoryError {
        let detail = answer.redirectNote ?? (try? JSONDecoder().decode(GraphErrorAnswer.self, from: answer.body)).map {
            "\($0.error.code): \($0.error.message ?? "")"
        } ?? "HTTP \(answer.status)"
        return DirectoryError(
            answer.status >= 500 ? .server : .unexpectedResponse,
            "\(company): Microsoft Graph at \(graphServer) answered \(answer.status) while \(purpose) (\(detail)); the read was abandoned and nothing was changed.",
            status: answer.status)
    }

    /// Decodes a 200 answer, or throws the error it carries.
    func decode<T: Decodable>(_ type: T.Type, _ answer: HTTPAnswer, _ purpose: String) throws -> T {
        try decode(answer, purpose) { try JSONDecoder().decode(type, from: $0) }
    }

    /// A page of users, read by `UserPageReader` when it can (the common case, much cheaper than `JSONDecoder`).
    func decode(_ type: UserPage.Type, _ answer: HTTPAnswer, _ purpose: String) throws -> UserPage {
        try decode(answer, purpose, UserPage.decode)
    }

    private func decode<T>(_ answer: HTTPAnswer, _ purpose: String, _ read: (Data) throws -> T) throws -> T {
        guard answer.status == 200 else { throw unexpected(answer, purpose) }
        do {
            return try read(answer.body)
        } catch {
            throw DirectoryError(
                .unexpectedResponse,
                "\(company): Microsoft Graph at \(graphServer) sent an answer Rollcall could not read while \(purpose) (\(error)); the read was abandoned and nothing was changed.",
                status: answer.status)
        }
    }

    // MARK: HTTP

    /// Sends a request under the client's policy (429 and 5xx other than 501 retried); returns any other answer.
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: String?, purpose: String) async throws -> HTTPAnswer {
        let requestId = UUID().uuidString.lowercased()
        var fields = HTTPHeaders(headers)
        fields.add(name: "client-request-id", value: requestId)
        fields.add(name: "return-client-request-id", value: "true")
        let request = HTTPRequest(
            method, url, headers: fields, body: body.map { Data($0.utf8) }, idempotent: true, purpose: purpose)
        let server = HTTPOrigin(url)?.server ?? Self.host(of: url)
        let answer: HTTPAnswer
        do {
            answer = try await requester.send(request, retrying: Self.isRetryable)
        } catch let error as HTTPFetchError {
            logger.error("Graph request failed for good", metadata: [
                "purpose": "\(purpose)", "reason": "\(error.message)", "attempts": "\(error.attempts)",
                "client-request-id": "\(requestId)",
            ])
            throw DirectoryError(
                .transport,
                "\(company): \(error.message) while \(purpose) (\(error.attempts) attempt\(error.attempts == 1 ? "" : "s")); the read was abandoned and nothing was changed. Check the network and the Microsoft URLs in rollcall.yaml, then run again.",
                status: nil)
        }
        guard Self.isRetryable(answer) != nil else { return answer }
        let status = answer.status
        logger.error("Graph request failed for good", metadata: [
            "purpose": "\(purpose)", "reason": "HTTP \(status)", "attempts": "\(answer.attempts)",
            "client-request-id": "\(requestId)",
        ])
        let kind: DirectoryError.Kind = status == 429 || status == 503 ? .throttled : .server
        let what = status == 429 ? "throttled" : "unavailable"
        throw DirectoryError(
            kind,
            "\(company): Microsoft Graph at \(server) kept answering \(status) (\(what)) while \(purpose), \(answer.attempts) attempts; the read was abandoned and nothing was changed. It usually passes; the next run tries again.",
            status: status)
    }

    /// Why an answer is worth another attempt (throttling, a server error other than 501, which never changes), or nil.
    @Sendable static func isRetryable(_ answer: HTTPAnswer) -> String? {
        answer.status == 429 || (500...599).contains(answer.status) && answer.status != 501 ? "HTTP \(answer.status)" : nil
    }

    static func host(of url: String) -> String {
        URL(string: url)?.host ?? url
    }

    static func formEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func pathEncoded(_ value: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// A query value encoded for Graph: spaces as %20, quotes and `&`, `#`, `+` escaped.
    static func queryEncoded(_ value: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#'?")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
