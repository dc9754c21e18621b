// The Microsoft Graph client for one tenant: client-credentials token, throttled HTTP with retries, typed errors.

import ContactSync
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RollcallHTTP

/// Reads one customer tenant through Microsoft Graph v1.0 with the MSP's app; Rollcall's `DirectorySource`.
///
/// Every request carries a `client-request-id`; 429 and 5xx answers and failed connections are retried up to
/// `maxRetries` times, honouring `Retry-After`, each retry logged. A read that cannot finish throws; it never
/// returns part of a list as if it were whole.
public actor GraphClient: DirectorySource {
    let configuration: GraphConfiguration
    let logger: Logger
    private var token: (value: String, refreshAt: Date)?
    /// The token request in flight, so concurrent reads share one.
    private var tokenFetch: Task<String, any Error>?
    private var requests = 0
    /// Groups already resolved, by the name or id a filter used, so later rounds skip the lookup.
    var resolvedGroups: [String: (id: String, displayName: String)] = [:]

    /// Makes a client; it sends nothing until asked.
    public init(configuration: GraphConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "company"] = "\(configuration.companyName)"
        logger[metadataKey: "tenant"] = "\(configuration.tenant)"
        self.logger = logger
    }

    /// How many HTTP requests this client has sent, token requests and retries included.
    public func requestCount() -> Int { requests }

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

    private func tokenError(_ answer: Answer) -> DirectoryError {
        let body = try? JSONDecoder().decode(TokenErrorAnswer.self, from: answer.body)
        let codes = body?.error_codes ?? []
        let label = ([body?.error].compactMap { $0 } + codes.map { "AADSTS\($0)" }).joined(separator: " ")
        let tenant = "tenant \(configuration.tenant)"
        if codes.contains(7_000_215) || codes.contains(7_000_222) || body?.error == "invalid_client" {
            return DirectoryError(
                .authentication,
                "\(company): Microsoft 365 refused the app's client secret for \(tenant) (\(label)); the secret is wrong or expired. Create a new client secret for app \(configuration.clientId) and put its value in rollcall.yaml.",
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
    func get(_ url: String, headers: [(String, String)] = [], purpose: String) async throws -> Answer {
        let bearer = try await accessToken()
        let answer = try await send(
            .GET, url, headers: [("Authorization", "Bearer \(bearer)"), ("Accept", "application/json")] + headers,
            body: nil, purpose: purpose)
        switch answer.status {
        case 401:
            token = nil
            throw DirectoryError(
                .authentication,
                "\(company): Microsoft Graph refused the app's access token while \(purpose) (\(graphCode(answer) ?? "HTTP 401")); the read was abandoned and nothing was changed. Check that tenant \(configuration.tenant) still has the app consented, then run again.",
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
    func graphCode(_ answer: Answer) -> String? {
        (try? JSONDecoder().decode(GraphErrorAnswer.self, from: answer.body))?.error.code
    }

    /// The error for an answer the caller did not expect.
    func unexpected(_ answer: Answer, _ purpose: String) -> DirectoryError {
        let detail = (try? JSONDecoder().decode(GraphErrorAnswer.self, from: answer.body)).map {
            "\($0.error.code): \($0.error.message ?? "")"
        } ?? "HTTP \(answer.status)"
        return DirectoryError(
            answer.status >= 500 ? .server : .unexpectedResponse,
            "\(company): Microsoft Graph answered \(answer.status) while \(purpose) (\(detail)); the read was abandoned and nothing was changed.",
            status: answer.status)
    }

    /// Decodes a 200 answer, or throws the error it carries.
    func decode<T: Decodable>(_ type: T.Type, _ answer: Answer, _ purpose: String) throws -> T {
        try decode(answer, purpose) { try JSONDecoder().decode(type, from: $0) }
    }

    /// A page of users, read by `UserPageReader` when it can (the common case, much cheaper than `JSONDecoder`).
    func decode(_ type: UserPage.Type, _ answer: Answer, _ purpose: String) throws -> UserPage {
        try decode(answer, purpose, UserPage.decode)
    }

    private func decode<T>(_ answer: Answer, _ purpose: String, _ read: (Data) throws -> T) throws -> T {
        guard answer.status == 200 else { throw unexpected(answer, purpose) }
        do {
            return try read(answer.body)
        } catch {
            throw DirectoryError(
                .unexpectedResponse,
                "\(company): Microsoft Graph sent an answer Rollcall could not read while \(purpose) (\(error)); the read was abandoned and nothing was changed.",
                status: answer.status)
        }
    }

    // MARK: HTTP with retries

    /// One HTTP answer: status, headers, whole body.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    /// Sends a request, retrying 429, 5xx and failed connections up to `maxRetries` times; returns any other answer.
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: String?, purpose: String) async throws -> Answer {
        let requestId = UUID().uuidString.lowercased()
        var attempt = 0
        while true {
            var fields = HTTPHeaders(headers)
            fields.add(name: "client-request-id", value: requestId)
            fields.add(name: "return-client-request-id", value: "true")
            requests += 1
            let failure: (reason: String, delay: Double, error: DirectoryError)
            do {
                let response = try await HTTPTransport.fetch(
                    method, url, headers: fields, body: body.map { Data($0.utf8) },
                    timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)), maxBody: 256 * 1024 * 1024)
                let status = response.status
                let retryable = status == 429 || (500...599).contains(status) && status != 501
                if !retryable {
                    return Answer(status: status, headers: response.headers, body: response.body)
                }
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                let delay = retryAfter.map { min(max($0, 0), configuration.maxRetryDelay) } ?? backoff(attempt)
                let kind: DirectoryError.Kind = status == 429 || status == 503 ? .throttled : .server
                let what = status == 429 ? "throttled" : "unavailable"
                failure = (
                    "HTTP \(status)\(retryAfter.map { ", Retry-After \($0)s" } ?? "")", delay,
                    DirectoryError(
                        kind,
                        "\(company): Microsoft Graph kept answering \(status) (\(what)) while \(purpose), \(attempt + 1) attempts; the read was abandoned and nothing was changed. It usually passes; the next run tries again.",
                        status: status))
            } catch {
                failure = (
                    "connection failed: \(error)", backoff(attempt),
                    DirectoryError(
                        .transport,
                        "\(company): the connection to \(Self.host(of: url)) failed while \(purpose) after \(attempt + 1) attempts (\(error)); the read was abandoned and nothing was changed. Check the network, then run again.",
                        status: nil))
            }
            guard attempt < configuration.maxRetries else {
                logger.error("Graph request failed for good", metadata: [
                    "purpose": "\(purpose)", "reason": "\(failure.reason)", "attempts": "\(attempt + 1)",
                    "client-request-id": "\(requestId)",
                ])
                throw failure.error
            }
            attempt += 1
            logger.warning("Graph request will be retried", metadata: [
                "purpose": "\(purpose)", "reason": "\(failure.reason)", "retry": "\(attempt)/\(configuration.maxRetries)",
                "delaySeconds": "\(String(format: "%.3f", failure.delay))", "client-request-id": "\(requestId)",
            ])
            try await Task.sleep(nanoseconds: UInt64(failure.delay * 1_000_000_000))
        }
    }

    /// Exponential backoff with jitter: base × 2^attempt × [0.5, 1.5), capped.
    private func backoff(_ attempt: Int) -> Double {
        let raw = configuration.retryBaseDelay * pow(2, Double(attempt)) * Double.random(in: 0.5..<1.5)
        return min(raw, configuration.maxRetryDelay)
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
