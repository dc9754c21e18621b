// Sending one ConnectWise request: headers, bounded retries with backoff, and errors an MSP technician can act on.

import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RollcallHTTP
import ContactSync

/// A ConnectWise answer: status, headers and the whole body.
struct CWResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    /// The body as text, cut to a few KB for logs and the audit trail.
    var shortBody: String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        return body.count > 4096 ? text + "…" : text
    }
}

/// Counts requests across the tasks that share one connection.
actor CWCounter {
    private(set) var value = 0
    /// Adds one request.
    func increment() { value += 1 }
}

/// The HTTP side of a ConnectWise connection.
struct CWTransport: Sendable {
    let configuration: ConnectWiseConfiguration
    let logger: Logger
    let counter: CWCounter

    /// Sends one request and returns a 2xx answer, retrying only what is safe to retry; throws `PSAError` otherwise.
    ///
    /// Retried: 429 (after `Retry-After`), failures to connect, and for GETs also 5xx and cut-off answers. A write
    /// that may have reached ConnectWise is never repeated: it fails as a retryable transport error instead.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil) async throws -> CWResponse {
        let url = makeURL(path, query: query)
        let isRead = method == .GET
        var attempt = 0
        while true {
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: configuration.authorization)
            headers.add(name: "clientId", value: configuration.clientId)
            headers.add(name: "Accept", value: "application/vnd.connectwise.com+json; version=\(configuration.apiVersion)")
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            await counter.increment()
            let response: CWResponse
            do {
                let answer = try await HTTPTransport.fetch(
                    method, url, headers: headers, body: body,
                    timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)), maxBody: 256 * 1024 * 1024)
                response = CWResponse(status: answer.status, headers: answer.headers, body: answer.body)
            } catch {
                let beforeSending = Self.failedBeforeSending(error)
                if (beforeSending || isRead) && attempt < configuration.maxRetries {
                    attempt += 1
                    let delay = backoff(attempt)
                    logger.warning("ConnectWise request failed on the network; retrying", metadata: [
                        "method": "\(method.rawValue)", "path": "\(path)", "attempt": "\(attempt)",
                        "delay": "\(delay)", "error": "\(Self.describe(error))",
                    ])
                    try await sleep(delay)
                    continue
                }
                if beforeSending || isRead {
                    throw PSAError(.transport, "Could not reach ConnectWise at \(configuration.baseURL) for \(method.rawValue) \(path) (\(Self.describe(error))) after \(attempt + 1) tries; check the server address and network, then run again.", retryable: true)
                }
                throw PSAError(.transport, "The connection to ConnectWise broke during \(method.rawValue) \(path) (\(Self.describe(error))); the write may or may not have been made, so Rollcall will check before repeating it.", retryable: true)
            }
            if (200..<300).contains(response.status) { return response }
            if response.status == 429 || (response.status >= 500 && isRead) {
                let retryAfter = Self.retryAfter(response.headers)
                if attempt < configuration.maxRetries {
                    attempt += 1
                    let delay = max(retryAfter ?? 0, backoff(attempt))
                    logger.warning("ConnectWise answered \(response.status); retrying", metadata: [
                        "method": "\(method.rawValue)", "path": "\(path)", "attempt": "\(attempt)", "delay": "\(delay)",
                    ])
                    try await sleep(delay)
                    continue
                }
                if response.status == 429 {
                    throw PSAError(.throttled, "ConnectWise kept throttling \(method.rawValue) \(path) (429) after \(attempt + 1) tries; wait a few minutes and run again.", status: 429, retryable: true, retryAfter: Date().addingTimeInterval(retryAfter ?? 60))
                }
            }
            throw Self.error(for: response, method: method, path: path)
        }
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
    static func error(for response: CWResponse, method: HTTPMethod, path: String) -> PSAError {
        let detail = (try? JSONDecoder().decode(CWErrorBody.self, from: response.body))?.summary ?? ""
        let said = detail.isEmpty ? "" : ": \(detail)"
        let status = response.status
        switch status {
        case 401, 403:
            return PSAError(.authentication, "ConnectWise refused the API keys for \(method.rawValue) \(path) (\(status))\(said). Check the company id, public/private key pair, clientId and the API member's security role.", status: status)
        case 404:
            return PSAError(.notFound, "ConnectWise has no \(path) (404)\(said).", status: status)
        case 400, 409, 422:
            return PSAError(.rejected, "ConnectWise rejected \(method.rawValue) \(path) (\(status))\(said). Fix the data named there in ConnectWise or Microsoft 365, then run again.", status: status)
        case 500...:
            return PSAError(.server, "ConnectWise failed on \(method.rawValue) \(path) (\(status))\(said). Try again later; if it persists, check ConnectWise's status page.", status: status, retryable: true)
        default:
            return PSAError(.unexpectedResponse, "ConnectWise answered \(method.rawValue) \(path) with an unexpected \(status)\(said).", status: status)
        }
    }

    /// The delay before retry number `attempt` (1-based): base × 2^(attempt-1), plus up to 50% jitter.
    func backoff(_ attempt: Int) -> Double {
        let base = configuration.retryBaseDelay * pow(2, Double(attempt - 1))
        return base + Double.random(in: 0...(base / 2))
    }

    private func sleep(_ seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }

    /// Seconds from a `Retry-After` header (delta-seconds or HTTP date).
    static func retryAfter(_ headers: HTTPHeaders) -> Double? {
        guard let raw = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(raw) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: raw).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// True when the request cannot have reached the server (no connection was made).
    static func failedBeforeSending(_ error: any Error) -> Bool {
        (error as? HTTPFetchError)?.beforeSending ?? false
    }

    /// A short name for a network error, without URLs or credentials.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPFetchError { return error.message }
        return String(describing: type(of: error))
    }
}
