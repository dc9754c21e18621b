// Sending one Autotask request: zone, budget, thread gate, retries with backoff, and errors an MSP can act on.

import ContactSync
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RollcallHTTP

extension AutotaskConnection {
    /// The REST base ending in `V1.0/`: the configured URL, or the zone `zoneInformation` names for the API user.
    func base() async throws -> String {
        if let known = session.baseURL { return known }
        let root: String
        if let configured = configuration.baseURL, !configured.isEmpty {
            root = configured
        } else {
            root = try await discoverZone()
        }
        var url = root.hasSuffix("/") ? root : root + "/"
        if !url.lowercased().hasSuffix("v1.0/") { url += "V1.0/" }
        session.setBase(url)
        return url
    }

    private func discoverZone() async throws -> String {
        var discovery = configuration.discoveryURL
        if !discovery.hasSuffix("/") { discovery += "/" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "@+&=?/")
        let user = configuration.username.addingPercentEncoding(withAllowedCharacters: allowed) ?? configuration.username
        let url = discovery + "v1.0/zoneInformation?user=" + user
        // Zone discovery carries no credentials and does not count against the hourly budget (reference §1.2, §1.9).
        let zone: ATZone = try await sendDecoding(
            "GET", url, body: nil, idempotent: true, what: "finding the Autotask zone of API user \(configuration.username)",
            authenticated: false, budgeted: false)
        logger.info("Autotask zone found", metadata: ["zone": .string(zone.url)])
        return zone.url
    }

    /// Takes one request from the budget, reading `ThresholdInformation` into it first, once per run.
    private func spendBudget() async throws {
        try await budget.spend { [self] in
            do {
                let url = try await base() + "ThresholdInformation"
                let reading: ATThreshold = try await sendDecoding(
                    "GET", url, body: nil, idempotent: true, what: "reading the Autotask API budget", budgeted: false)
                logger.info("Autotask API budget read", metadata: [
                    "limit": "\(reading.externalRequestThreshold)", "used": "\(reading.currentTimeframeRequestCount)",
                ])
                return .success(AutotaskThreshold(
                    limit: reading.externalRequestThreshold, timeframeMinutes: reading.requestThresholdTimeframe ?? 60,
                    used: reading.currentTimeframeRequestCount))
            } catch let error as PSAError where error.kind == .authentication {
                return .failure(error)
            } catch {
                logger.warning("Autotask API budget could not be read; going on without a limit this run", metadata: [
                    "error": "\(error)",
                ])
                return .success(nil)
            }
        }
    }

    /// Every item of a query, following `pageDetails.nextPageUrl` with the same body until it is null.
    func queryAll<Item: Decodable>(_ entity: String, _ query: ATQuery, as: Item.Type, what: String) async throws -> [Item] {
        let body = try encode(query)
        var url = try await base() + "\(entity)/query"
        var items: [Item] = []
        var seen: Set<String> = []
        while true {
            let page: ATPage<Item> = try await sendDecoding("POST", url, body: body, idempotent: true, what: what)
            items += page.items
            guard let next = page.pageDetails?.nextPageUrl, !next.isEmpty else { return items }
            guard seen.insert(next).inserted else {
                throw PSAError(.unexpectedResponse, "Autotask sent the same next page twice while reading \(what); "
                    + "Rollcall stopped instead of reading forever. Try again; if it persists, contact Autotask support.")
            }
            url = next
        }
    }

    func sendDecoding<T: Decodable>(
        _ method: String, _ url: String, body: Data?, idempotent: Bool, what: @autoclosure () -> String,
        authenticated: Bool = true, budgeted: Bool = true
    ) async throws -> T {
        let (_, data) = try await send(
            method, url, body: body, idempotent: idempotent, what: what(), authenticated: authenticated, budgeted: budgeted)
        return try decode(T.self, data, what: what())
    }

    func encode<T: Encodable>(_ value: T) throws -> Data {
        do { return try CanonicalJSON.encode(value) } catch {
            throw PSAError(.unexpectedResponse, "Rollcall could not encode an Autotask request: \(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, what: @autoclosure () -> String) throws -> T {
        if T.self == ATPage<ATContact>.self, let page = ATPage<ATContact>.read(data) { return page as! T }
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw PSAError(.unexpectedResponse, "Autotask answered something Rollcall could not read while \(what()) "
                + "(\(Self.shorten(data).prefix(200))). Check that the configured URL is an Autotask REST zone.")
        }
    }

    /// Sends one request with bounded retries; returns the status and body of a 2xx answer.
    ///
    /// Throttling (429, thread threshold) is retried for every method because Autotask refused the request unprocessed.
    /// A failure after the request may have reached Autotask is retried only when `idempotent`; otherwise it is
    /// thrown as a retryable `transport` error so the caller can check what happened before trying again.
    func send(
        _ method: String, _ url: String, body: Data?, idempotent: Bool, what: @autoclosure () -> String,
        authenticated: Bool = true, budgeted: Bool = true
    ) async throws -> (Int, Data) {
        let endpoint = EndpointGates.endpoint(of: Self.path(of: url))
        var attempt = 0
        while true {
            if budgeted { try await spendBudget() }
            let outcome = await sendOnce(method, url, body: body, authenticated: authenticated, endpoint: endpoint)
            let failure: Failure
            switch outcome {
            case .answered(let status, let data, let retryAfter):
                if (200..<300).contains(status) { return (status, data) }
                failure = classify(status: status, data: data, retryAfter: retryAfter, idempotent: idempotent, what: what())
            case .failedBeforeSending(let error):
                failure = Failure(retry: true, delay: nil, error: PSAError(
                    .transport, "Rollcall could not connect to Autotask while \(what()) (\(Self.brief(error))). "
                        + "Check the network and the Autotask URL.", retryable: true))
            case .failedAfterSending(let error):
                failure = Failure(retry: idempotent, delay: nil, error: PSAError(
                    .transport, "The connection to Autotask failed while \(what()) (\(Self.brief(error)))"
                        + (idempotent ? ". Try again later." : "; Autotask may or may not have done it. "
                            + "Rollcall checks before trying again."), retryable: true))
            }
            guard failure.retry, attempt < configuration.maxRetries else { throw failure.error }
            let delay = failure.delay ?? backoff(attempt: attempt)
            attempt += 1
            logger.warning("retrying Autotask request", metadata: [
                "method": .string(method), "path": .string(Self.path(of: url)), "attempt": "\(attempt)",
                "of": "\(configuration.maxRetries)", "delay": "\(delay)", "reason": .string(failure.error.message),
            ])
            try await Task.sleep(for: delay)
        }
    }

    private enum Outcome {
        case answered(status: Int, data: Data, retryAfter: Duration?)
        case failedBeforeSending(any Error)
        case failedAfterSending(any Error)
    }

    private struct Failure {
        var retry: Bool
        var delay: Duration?
        var error: PSAError
    }

    private func sendOnce(_ method: String, _ url: String, body: Data?, authenticated: Bool, endpoint: String) async -> Outcome {
        var headers = authenticated ? authenticatedHeaders : HTTPHeaders([("Accept", "application/json")])
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        await gates.acquire(endpoint)
        session.countRequest()
        let outcome: Outcome
        do {
            let timeout = configuration.requestTimeout.components
            let answer = try await HTTPTransport.fetch(
                .init(rawValue: method), url, headers: headers, body: body,
                timeout: .seconds(timeout.seconds) + .nanoseconds(timeout.attoseconds / 1_000_000_000), maxBody: 64 * 1024 * 1024)
            let retryAfter = answer.headers.first(name: "Retry-After").flatMap(Double.init).map { Duration.milliseconds(Int($0 * 1000)) }
            outcome = .answered(status: answer.status, data: answer.body, retryAfter: retryAfter)
        } catch {
            outcome = Self.isBeforeSending(error) ? .failedBeforeSending(error) : .failedAfterSending(error)
        }
        gates.release(endpoint)
        return outcome
    }

    private func classify(status: Int, data: Data, retryAfter: Duration?, idempotent: Bool, what: String) -> Failure {
        let messages = (try? JSONDecoder().decode(ATErrors.self, from: data))?.errors ?? []
        let said = messages.isEmpty ? "" : ": " + messages.joined(separator: " ")
        let text = messages.joined(separator: " ").lowercased()
        if text.contains("itgenatr005") || text.contains("thread threshold") {
            return Failure(retry: true, delay: retryAfter, error: PSAError(
                .throttled, "Autotask's thread limit (3 requests at once per endpoint and integration) was exceeded while "
                    + "\(what)\(said). Another integration with the same tracking identifier may be busy; try again shortly.",
                status: status, retryable: true, retryAfter: Date().addingTimeInterval(60)))
        }
        switch status {
        case 429:
            let wait = retryAfter.map { Double($0.components.seconds) } ?? 60
            return Failure(retry: true, delay: retryAfter, error: PSAError(
                .throttled, "Autotask throttled Rollcall (HTTP 429) while \(what)\(said); retries ran out. Try again later.",
                status: status, retryable: true, retryAfter: Date().addingTimeInterval(wait)))
        case 401, 403:
            return Failure(retry: false, delay: nil, error: PSAError(
                .authentication, "Autotask refused the API user \(configuration.username) (HTTP \(status)) while \(what). "
                    + "Check the user name, secret and integration code (tracking identifier), and that the user is an "
                    + "active API-only user.", status: status))
        case 404:
            return Failure(retry: false, delay: nil, error: PSAError(
                .notFound, "Autotask has no such thing (HTTP 404) while \(what)\(said).", status: status))
        case 500 where !messages.isEmpty:
            // Autotask reports validation and business-rule failures as HTTP 500 with `errors` (reference §1.8).
            return Failure(retry: false, delay: nil, error: PSAError(
                .rejected, "Autotask refused \(what)\(said). Fix the data in Rollcall's settings or in Autotask.",
                status: status))
        case 500...:
            return Failure(retry: idempotent, delay: retryAfter, error: PSAError(
                .server, "Autotask failed (HTTP \(status)) while \(what)\(said)"
                    + (idempotent ? "; retries ran out. Try again later." : "; it may or may not have done it. Rollcall checks before trying again."),
                status: status, retryable: true))
        default:
            return Failure(retry: false, delay: nil, error: PSAError(
                .rejected, "Autotask refused \(what) (HTTP \(status))\(said).", status: status))
        }
    }

    /// Exponential backoff with jitter: base × 2^attempt, times 0.5…1.0.
    private func backoff(attempt: Int) -> Duration {
        let factor = Double(1 << min(attempt, 16)) * Double.random(in: 0.5...1.0)
        return configuration.retryBaseDelay * factor
    }

    /// Failures that happen before a byte of the request left: connecting, TLS, waiting for a pooled connection.
    private static func isBeforeSending(_ error: any Error) -> Bool {
        (error as? HTTPFetchError)?.beforeSending ?? false
    }

    private static func brief(_ error: any Error) -> String {
        String(String(describing: error).prefix(160))
    }

    /// The path of a URL (`scheme://host/path?query` → `/path`), without Foundation's full URL parsing: every request
    /// needs it to find its endpoint's thread gate.
    static func path(of url: String) -> String {
        let bytes = url.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[colon...].starts(with: "://".utf8) else { return url }
        let host = bytes.index(colon, offsetBy: 3)
        guard let slash = bytes[host...].firstIndex(of: UInt8(ascii: "/")) else { return "/" }
        let end = bytes[slash...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        return String(url[slash..<end])
    }
}
