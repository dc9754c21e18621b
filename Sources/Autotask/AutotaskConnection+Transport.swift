// Sending one Autotask request: zone, budget, thread gate, retries with backoff, and errors an MSP can act on.

import ContactSync
import Foundation
import StoredFormat
import Logging
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
        try Self.checkZone(zone.url, discoveredAt: discovery)
        logger.info("Autotask zone found", metadata: ["zone": .string(zone.url)])
        return zone.url
    }

    /// Throws unless `zone` may be given the API user's credentials: https on a host under `autotask.net`, or, when
    /// discovery itself asked a loopback server (the emulators), that server's own origin.
    static func checkZone(_ zone: String, discoveredAt discovery: String) throws {
        let found = HTTPOrigin(zone)
        if let asked = HTTPOrigin(discovery), asked.isLoopback, found == asked { return }
        if let found, found.scheme == "https", found.host == "autotask.net" || found.host.hasSuffix(".autotask.net") { return }
        throw PSAError(
            .unexpectedResponse,
            "Autotask's zone discovery at \(HTTPOrigin(discovery)?.server ?? discovery) named \(found?.description ?? "an unreadable URL") as the API user's zone; "
                + "Rollcall sends credentials only to https hosts under autotask.net, so it sent nothing there. "
                + "Set psa.autotask.url in rollcall.yaml to your zone's REST URL.")
    }

    /// Takes one request from the budget. A write first reads `ThresholdInformation` into it, once per run; reads do
    /// not, so an idle run (nothing to write) never spends a request on the budget itself.
    private func spendBudget(readingThreshold: Bool) async throws {
        guard readingThreshold else {
            try await budget.spend()
            return
        }
        try await budget.spend(readingFirst: readThreshold)
    }

    /// Reads the budget now if this run has not (a run about to write needs the threshold to choose its lane, R11.7).
    func readBudgetIfNeeded() async throws {
        try await budget.prepare(readingFirst: readThreshold)
    }

    /// Reads `ThresholdInformation`: the reading, `nil` when it could not be read (the run goes on judging by the last
    /// known threshold), or an error that must stop the run.
    @Sendable private func readThreshold() async -> Result<AutotaskThreshold?, PSAError> {
        do {
            let url = try await base() + "ThresholdInformation"
            let reading: ATThreshold = try await sendDecoding(
                "GET", url, body: nil, idempotent: true, what: "reading the Autotask API budget", budgeted: false)
            logger.info("Autotask API budget read", metadata: [
                "limit": "\(reading.externalRequestThreshold)", "used": "\(reading.currentTimeframeRequestCount)",
            ])
            guard reading.externalRequestThreshold > 0, reading.currentTimeframeRequestCount >= 0,
                  (reading.requestThresholdTimeframe ?? 60) > 0 else {
                return .failure(PSAError(
                    .unexpectedResponse,
                    "Autotask at \(HTTPOrigin(url)?.server ?? url) reported an impossible API budget (threshold "
                        + "\(reading.externalRequestThreshold), \(reading.currentTimeframeRequestCount) used, timeframe "
                        + "\(reading.requestThresholdTimeframe.map(String.init) ?? "absent") minutes); Rollcall stopped "
                        + "before sending more. Check that the Autotask URL in rollcall.yaml is your zone's."))
            }
            return .success(AutotaskThreshold(
                limit: reading.externalRequestThreshold, timeframeMinutes: reading.requestThresholdTimeframe ?? 60,
                used: reading.currentTimeframeRequestCount, server: HTTPOrigin(url)?.server))
        } catch let error as PSAError where error.kind == .authentication {
            return .failure(error)
        } catch {
            logger.warning("Autotask API budget could not be read; going on without a limit this run", metadata: [
                "error": "\(error)",
            ])
            return .success(nil)
        }
    }

    /// Every item of a query, following `pageDetails.nextPageUrl` with the same body until it is null. A next page
    /// is followed only on the zone's own origin, and never twice.
    func queryAll<Item: Decodable>(_ entity: String, _ query: ATQuery, as: Item.Type, what: String) async throws -> [Item] {
        let body = try encode(query)
        let base = try await base()
        var url = base + "\(entity)/query"
        var items: [Item] = []
        var trail = PageTrail()
        while true {
            let page: ATPage<Item> = try await sendDecoding("POST", url, body: body, idempotent: true, what: "reading \(what)")
            items += page.items
            guard let next = page.pageDetails?.nextPageUrl, !next.isEmpty else { return items }
            if let origin = HTTPOrigin(base) {
                do { try origin.check(next, what: "Autotask's next page link while reading \(what)") } catch {
                    throw PSAError(.unexpectedResponse, error.description)
                }
            }
            guard trail.follow(next) else {
                throw PSAError(.unexpectedResponse, "Autotask at \(HTTPOrigin(base)?.server ?? base) sent the same next page again while reading \(what); "
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

    /// Sends one request under the connection's policy (`HTTPRequester`); returns the status and body of a 2xx answer.
    ///
    /// Throttling (429, thread threshold) is retried for every method because Autotask refused the request unprocessed.
    /// A failure after the request may have reached Autotask is retried only when `idempotent`; otherwise it is
    /// thrown as a retryable `transport` error so the caller can check what happened before trying again. Each
    /// attempt first takes one request from the hourly budget (when `budgeted`) and a slot of its endpoint's gate.
    func send(
        _ method: String, _ url: String, body: Data?, idempotent: Bool, what: @autoclosure () -> String,
        authenticated: Bool = true, budgeted: Bool = true
    ) async throws -> (Int, Data) {
        let endpoint = session.endpoint(of: url)
        // Queries are POSTs that read; writes are the other POSTs and every PATCH, PUT and DELETE.
        let writes = method != "GET" && !(URLComponents(string: url)?.path.lowercased().hasSuffix("/query") ?? false)
        var headers = authenticated ? authenticatedHeaders : HTTPHeaders([("Accept", "application/json")])
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let request = HTTPRequest(
            HTTPMethod(rawValue: method), url, headers: headers, body: body, idempotent: idempotent, purpose: what())
        let answer: HTTPAnswer
        do {
            answer = try await requester.send(
                request, retrying: { Self.isRetryable($0, idempotent: idempotent) },
                beforeAttempt: {
                    if budgeted { try await spendBudget(readingThreshold: writes) }
                    await gates.acquire(endpoint)
                },
                afterAttempt: { gates.release(endpoint) })
        } catch let error as HTTPFetchError {
            if error.beforeSending {
                throw PSAError(.transport, "Rollcall could not reach Autotask while \(what()): \(error.message). "
                    + "Check the network and the Autotask URL in rollcall.yaml.", retryable: true)
            }
            throw PSAError(.transport, "The exchange with Autotask failed while \(what()): \(error.message)"
                + (idempotent ? " (\(error.attempts) attempts). Try again later." : "; Autotask may or may not have done it. "
                    + "Rollcall checks before trying again."), retryable: true)
        }
        if answer.isSuccess { return (answer.status, answer.body) }
        throw classify(answer, server: HTTPOrigin(url)?.server ?? url, idempotent: idempotent, what: what())
    }

    /// Why an answer is worth another attempt, or nil: throttling (429, the thread threshold), and for idempotent
    /// requests a server error that is not one of Autotask's business-rule refusals (500 with `errors`).
    static func isRetryable(_ answer: HTTPAnswer, idempotent: Bool) -> String? {
        if answer.isSuccess { return nil }
        if answer.status == 429 { return "HTTP 429, Autotask throttled the request" }
        let messages = errorMessages(answer.body)
        // The thread threshold "may arrive with a non-429 HTTP status" (PSA reference §1.8).
        if isThreadThreshold(messages) { return "HTTP \(answer.status), Autotask's thread limit was exceeded" }
        return idempotent && answer.status >= 500 && !(answer.status == 500 && !messages.isEmpty) ? "HTTP \(answer.status)" : nil
    }

    private static func errorMessages(_ data: Data) -> [String] {
        (try? JSONDecoder().decode(ATErrors.self, from: data))?.errors ?? []
    }

    private static func isThreadThreshold(_ messages: [String]) -> Bool {
        let text = messages.joined(separator: " ").lowercased()
        return text.contains("itgenatr005") || text.contains("thread threshold")
    }

    /// The `PSAError` an answer that is not 2xx stands for (retries, if any, already spent).
    private func classify(_ answer: HTTPAnswer, server: String, idempotent: Bool, what: String) -> PSAError {
        let status = answer.status
        let messages = Self.errorMessages(answer.body)
        let said = messages.isEmpty ? "" : ": " + messages.joined(separator: " ")
        let wait = answer.retryAfter ?? .seconds(60)
        let resume = Date().addingTimeInterval(Double(wait.components.seconds))
        if Self.isThreadThreshold(messages) {
            return PSAError(
                .throttled, "Autotask's thread limit (3 requests at once per endpoint and integration) was exceeded while "
                    + "\(what)\(said). Another integration with the same tracking identifier may be busy; try again shortly.",
                status: status, retryable: true, retryAfter: resume)
        }
        switch status {
        case 429:
            return PSAError(
                .throttled, "Autotask at \(server) throttled Rollcall (HTTP 429) while \(what)\(said); retries ran out. Try again later.",
                status: status, retryable: true, retryAfter: resume)
        case 401, 403:
            return PSAError(
                .authentication, "Autotask at \(server) refused the API user \(configuration.username) (HTTP \(status)) while \(what). "
                    + "Check the user name, the secret (\(configuration.secretSource)) and the integration code (tracking "
                    + "identifier), and that the user is an active API-only user.", status: status)
        case 404:
            return PSAError(.notFound, "Autotask has no such thing (HTTP 404) while \(what)\(said).", status: status)
        case 500 where !messages.isEmpty:
            // Autotask reports validation and business-rule failures as HTTP 500 with `errors` (reference §1.8).
            return PSAError(.rejected, "Autotask refused \(what)\(said). Fix the data in Rollcall's settings or in Autotask.",
                            status: status)
        case 500...:
            return PSAError(
                .server, "Autotask at \(server) failed (HTTP \(status)) while \(what)\(said)"
                    + (idempotent ? "; retries ran out. Try again later." : "; it may or may not have done it. Rollcall checks before trying again."),
                status: status, retryable: true)
        case 300..<400:
            return PSAError(
                .unexpectedResponse, "Autotask at \(server) answered HTTP \(status) while \(what): \(answer.redirectNote ?? "a redirect"). "
                    + "Check the Autotask URL in rollcall.yaml.",
                status: status)
        default:
            return PSAError(.rejected, "Autotask at \(server) refused \(what) (HTTP \(status))\(said).", status: status)
        }
    }

    /// The path of a URL (`scheme://host/path?query` → `/path`), as Foundation reads it; every request needs it to
    /// find its endpoint's thread gate.
    static func path(of url: String) -> String {
        let path = URLComponents(string: url)?.percentEncodedPath ?? url
        return path.isEmpty ? "/" : path
    }
}
