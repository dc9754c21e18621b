// Sending one ConnectWise request: headers, the shared request policy, and errors an MSP technician can act on.

import ContactSync
import Foundation
import Logging
import NIOHTTP1
import RollcallHTTP

/// The HTTP side of a ConnectWise connection.
struct CWTransport: Sendable {
    let configuration: ConnectWiseConfiguration
    let logger: Logger
    /// Sends every request: retries, backoff, Retry-After, the request count.
    let requester: HTTPRequester
    /// The optional cap on requests a minute.
    let pacer: RequestPacer

    init(configuration: ConnectWiseConfiguration, logger: Logger, http: HTTPService, pacer: RequestPacer? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.pacer = pacer ?? RequestPacer(perMinute: configuration.requestsPerMinute)
        requester = HTTPRequester(
            service: http,
            policy: RequestPolicy(
                maxRetries: configuration.maxRetries, baseDelay: .seconds(configuration.retryBaseDelay),
                timeout: .seconds(configuration.requestTimeout), maxBody: 256 * 1024 * 1024),
            logger: logger, serviceName: "ConnectWise")
    }

    /// The configured server as messages name it (`host:port`).
    var server: String { HTTPOrigin(configuration.baseURL)?.server ?? configuration.baseURL }

    /// Sends one request and returns a 2xx answer, retrying only what is safe to retry; throws `PSAError` otherwise.
    ///
    /// Retried: 429 (after `Retry-After`), failures to connect, and for GETs also 5xx and cut-off answers. A write
    /// that may have reached ConnectWise is never repeated: it fails as a retryable transport error instead.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil) async throws -> HTTPAnswer {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: configuration.authorization)
        headers.add(name: "clientId", value: configuration.clientId)
        headers.add(name: "Accept", value: "application/vnd.connectwise.com+json; version=\(configuration.apiVersion)")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let isRead = method == .GET
        let request = HTTPRequest(
            method, makeURL(path, query: query), headers: headers, body: body, idempotent: isRead,
            purpose: "\(method.rawValue) \(path)")
        let answer: HTTPAnswer
        try await pacer.admit()
        do {
            answer = try await requester.send(request, retrying: { $0.status == 429 || ($0.status >= 500 && isRead) ? "HTTP \($0.status)" : nil })
        } catch let error as HTTPFetchError {
            if error.beforeSending || isRead {
                throw PSAError(.transport, "Could not get an answer from ConnectWise for \(method.rawValue) \(path): \(error.message) (\(error.attempts) attempt\(error.attempts == 1 ? "" : "s")); check the server address in rollcall.yaml and the network, then run again.", retryable: true)
            }
            throw PSAError(.transport, "The exchange with ConnectWise broke during \(method.rawValue) \(path): \(error.message); the write may or may not have been made, so Rollcall will check before repeating it.", retryable: true)
        }
        if answer.isSuccess { return answer }
        if answer.status == 429 {
            let wait = answer.retryAfter ?? .seconds(60)
            throw PSAError(.throttled, "ConnectWise at \(server) kept throttling \(method.rawValue) \(path) (429) after \(answer.attempts) tries; wait a few minutes and run again.", status: 429, retryable: true, retryAfter: Date().addingTimeInterval(Double(wait.components.seconds)))
        }
        throw error(for: answer, method: method, path: path)
    }

    /// The full URL for an API path and its (unencoded) query items.
    func makeURL(_ path: String, query: [(String, String)]) -> String {
        var url = configuration.baseURL + "/" + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(ConnectWiseConditions.queryValue($0.1))" }.joined(separator: "&")
        }
        return url
    }

    /// The `PSAError` a non-2xx answer stands for.
    func error(for response: HTTPAnswer, method: HTTPMethod, path: String) -> PSAError {
        let detail = (try? JSONDecoder().decode(CWErrorBody.self, from: response.body))?.summary ?? ""
        let said = detail.isEmpty ? "" : ": \(detail)"
        let status = response.status
        switch status {
        case 401, 403:
            return PSAError(.authentication, "ConnectWise at \(server) refused the API keys for \(method.rawValue) \(path) (\(status))\(said). Check the company id, the public key, the private key (\(configuration.privateKeySource)), the clientId and the API member's security role.", status: status)
        case 404:
            return PSAError(.notFound, "ConnectWise has no \(path) (404)\(said).", status: status)
        case 300..<400:
            return PSAError(.unexpectedResponse, "ConnectWise at \(server) answered \(method.rawValue) \(path) with \(status): \(response.redirectNote ?? "a redirect"). Check the ConnectWise URL in rollcall.yaml.", status: status)
        case 400, 409, 422:
            return PSAError(.rejected, "ConnectWise rejected \(method.rawValue) \(path) (\(status))\(said). Fix the data named there in ConnectWise or Microsoft 365, then run again.", status: status)
        case 500...:
            return PSAError(.server, "ConnectWise at \(server) failed on \(method.rawValue) \(path) (\(status))\(said). Try again later; if it persists, check ConnectWise's status page.", status: status, retryable: true)
        default:
            return PSAError(.unexpectedResponse, "ConnectWise at \(server) answered \(method.rawValue) \(path) with an unexpected \(status)\(said).", status: status)
        }
    }
}
