// Autotask PSA REST behind the engine's PSAConnection: contacts, locations, field lengths and company-child writes.
// Concurrency (the module's one style): state touched on every request (session, budget, thread gates) is behind a
// `Mutex`, not in an actor: a hop per request cost more than the work; nothing else is shared.

import ContactSync
import Foundation
import Synchronization
import Logging
import NIOHTTP1
import RollcallHTTP

/// One Autotask database as the engine sees it; follows the PSA reference §1.
///
/// Reads use `POST Contacts/query` (500 a page, `nextPageUrl` POSTed the same body); writes go to the company-child
/// collection `Companies/{id}/Contacts` (POST creates, PATCH updates with the id in the body), never the root or item URL.
public final class AutotaskConnection: PSAConnection {
    /// Always `.autotask`.
    public let system: PSASystem = .autotask
    /// The hourly budget this connection spends; the engine calls `beginRun()` at the start of each run.
    public let budget: AutotaskBudget
    let configuration: AutotaskConfiguration
    let logger: Logger
    /// What every authenticated request carries: `Accept` and the API user's three credentials.
    let authenticatedHeaders: HTTPHeaders
    let gates = EndpointGates(limit: 3)
    let session = AutotaskSession()
    /// Sends every request: retries, backoff, Retry-After, the request count.
    let requester: HTTPRequester

    /// Makes a connection sending through `http`; nothing is sent until the first call. `budget` defaults to one with
    /// the configured margin.
    public init(
        configuration: AutotaskConfiguration, logger: Logger, budget: AutotaskBudget? = nil, http: HTTPService = .shared
    ) {
        self.configuration = configuration
        self.authenticatedHeaders = HTTPHeaders([
            ("Accept", "application/json"), ("ApiIntegrationCode", configuration.integrationCode),
            ("UserName", configuration.username), ("Secret", configuration.secret),
        ])
        self.logger = logger
        self.budget = budget ?? AutotaskBudget(share: configuration.budgetShare, ceiling: configuration.budgetCeiling)
        requester = HTTPRequester(
            service: http,
            policy: RequestPolicy(
                maxRetries: configuration.maxRetries, baseDelay: configuration.retryBaseDelay,
                timeout: configuration.requestTimeout, maxBody: 64 * 1024 * 1024),
            logger: logger, serviceName: "Autotask")
    }

    /// Starts a run: `ThresholdInformation` is read once more before the next request, and the run's spending restarts.
    public func beginRun() async {
        await budget.beginRun()
    }

    /// Counts requests another process sent in the budget's rolling window (R11.6).
    public func remember(requests: Int, leaving time: Date, threshold: BudgetWindow?) async {
        budget.remember(requests: requests, leaving: time, threshold: threshold)
    }

    /// R11.7: a run with more writes than the slice kept for other companies is a long sync: the background lane.
    public func lane(forWrites writes: Int) async -> BudgetLane {
        guard writes > 0 else { return .foreground }
        // The slice depends on the threshold, which a run about to write reads anyway: read it now (a refusal here is
        // met again, and recorded, by the first write).
        try? await readBudgetIfNeeded()
        return writes > budget.reservedSlice() ? .background : .foreground
    }

    /// The threshold `ThresholdInformation` last reported, if read.
    public func knownThreshold() async -> BudgetWindow? {
        await budget.lastReading().map { BudgetWindow(threshold: $0.limit, minutes: $0.timeframeMinutes) }
    }

    /// Every contact of the company (`POST Contacts/query` on `companyID`, all pages), or those with `lastModifiedDate` at or after `modifiedSince`.
    public func contacts(companyId: Int, modifiedSince: Date?) async throws -> [PSAContact] {
        var filter: [ATFilter] = [.condition("eq", "companyID", .int(companyId))]
        if let modifiedSince {
            filter.append(.condition("gte", "lastModifiedDate", .string(AutotaskDates.format(modifiedSince))))
        }
        let items = try await queryAll("Contacts", ATQuery(filter: filter), as: ATContact.self,
                                       what: "the contacts of Autotask company \(companyId)")
        return items.map { $0.psaContact(companyId: companyId) }
    }

    /// The contact (`GET Contacts/{id}`), or `nil` when Autotask answers 404 or it belongs to another company.
    public func contact(companyId: Int, id: Int) async throws -> PSAContact? {
        let url = try await base() + "Contacts/\(id)"
        let answer: ATItem<ATContact>
        do {
            answer = try await sendDecoding(
                "GET", url, body: nil, idempotent: true, what: "contact \(id) of Autotask company \(companyId)")
        } catch let error as PSAError where error.kind == .notFound {
            return nil
        }
        guard let item = answer.item else { return nil }
        if let owner = item.companyID, owner != 0, owner != companyId { return nil }
        return item.psaContact(companyId: companyId)
    }

    /// The company's contacts with `email` in `emailAddress`, `emailAddress2` or `emailAddress3` (trimmed, case-insensitive).
    public func contacts(companyId: Int, email: String) async throws -> [PSAContact] {
        let wanted = email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !wanted.isEmpty else { return [] }
        let query = ATQuery(filter: [
            .condition("eq", "companyID", .int(companyId)),
            .group("or", ["emailAddress", "emailAddress2", "emailAddress3"].map { .condition("eq", $0, .string(wanted)) }),
        ])
        let items = try await queryAll("Contacts", query, as: ATContact.self,
                                       what: "the contacts of Autotask company \(companyId) with email \(wanted)")
        let key = wanted.lowercased()
        // Autotask compares case-insensitively in practice; checking again here keeps the promise whatever it does.
        return items.map { $0.psaContact(companyId: companyId) }
            .filter { contact in contact.emails.contains { $0.lowercased() == key } }
    }

    /// The company's locations (`POST CompanyLocations/query` on `companyID`).
    public func sites(companyId: Int) async throws -> [PSASite] {
        let query = ATQuery(filter: [.condition("eq", "companyID", .int(companyId))])
        let items = try await queryAll("CompanyLocations", query, as: ATLocation.self,
                                       what: "the locations of Autotask company \(companyId)")
        return items.map {
            PSASite(id: $0.id, name: $0.name ?? "Location \($0.id)", isActive: $0.isActive ?? true, isPrimary: $0.isPrimary ?? false)
        }
    }

    /// `GET Companies/{id}`: `{"item": {…}}` when it exists; a 404 or `{"item": null}` when it does not.
    public func companyExists(_ companyId: Int) async throws -> Bool {
        let url = try await base() + "Companies/\(companyId)"
        do {
            let answer: ATItem<ATCompany> = try await sendDecoding(
                "GET", url, body: nil, idempotent: true, what: "Autotask company \(companyId)")
            return answer.item != nil
        } catch let error as PSAError where error.kind == .notFound {
            return false
        }
    }

    /// Autotask has no contact types: always `[]`.
    public func contactTypes() async throws -> [PSAContactType] { [] }

    /// The contact field lengths from `Contacts/entityInformation/fields`, read once; documented lengths fill gaps.
    public func fieldLimits() async throws -> PSAFieldLimits {
        if let known = session.limits { return known }
        let url = try await base() + "Contacts/entityInformation/fields"
        let info: ATFieldInformation = try await sendDecoding(
            "GET", url, body: nil, idempotent: true, what: "the contact field lengths of Autotask")
        var lengths: [String: Int] = [:]
        for field in info.fields {
            if let length = field.length, length > 0 { lengths[field.name.lowercased()] = length }
        }
        let documented = PSAFieldLimits.autotask
        let limits = PSAFieldLimits(
            firstName: lengths["firstname"] ?? documented.firstName,
            lastName: lengths["lastname"] ?? documented.lastName,
            title: lengths["title"] ?? documented.title,
            phone: lengths["phone"] ?? documented.phone,
            mobile: lengths["mobilephone"] ?? documented.mobile,
            email: lengths["emailaddress"] ?? documented.email)
        session.setLimits(limits)
        return limits
    }

    /// One HTTP write: `POST Companies/{id}/Contacts` to create, `PATCH Companies/{id}/Contacts` (id in the body) to update.
    /// A create that may have reached Autotask is never re-sent: it fails as a retryable `transport` error instead.
    public func write(_ write: PSAWrite, companyId: Int, current: PSAContact?) async throws -> PSAWriteResult {
        let url = try await base() + "Companies/\(companyId)/Contacts"
        switch write {
        case .create(let new):
            let body = ATContactWrite(
                companyID: companyId, firstName: new.fields.firstName, lastName: new.fields.lastName,
                title: new.fields.title, phone: new.fields.phone, mobilePhone: new.fields.mobile,
                emailAddress: new.fields.email, isActive: 1, companyLocationID: new.siteId)
            func what() -> String { "creating contact \(Self.describe(new.fields)) in Autotask company \(companyId)" }
            let (status, data) = try await send("POST", url, body: body.json, idempotent: false, what: what())
            let id = try ATItemId.plain(data) ?? decode(ATItemId.self, data, what: what()).itemId
            let email = new.fields.email.map(Scope.trimmed)
            let written = PSAContact(
                id: id, companyId: companyId, firstName: new.fields.firstName, lastName: new.fields.lastName,
                title: new.fields.title, phone: new.fields.phone, mobile: new.fields.mobile,
                emails: email.map { $0.isEmpty ? [] : [$0] } ?? [], isActive: true, siteId: new.siteId)
            return PSAWriteResult(contactId: id, contact: written, responseBody: Self.shorten(data), status: status)

        case .update(let id, let update):
            let body = ATContactWrite(
                id: id, firstName: update.fields.firstName, lastName: update.fields.lastName, title: update.fields.title,
                phone: update.fields.phone, mobilePhone: update.fields.mobile, emailAddress: update.fields.email,
                isActive: update.isActive.map { $0 ? 1 : 0 }, companyLocationID: update.siteId)
            func what() -> String { "updating contact \(id) in Autotask company \(companyId)" }
            // PATCH with absolute values is idempotent, so a retry after an uncertain send cannot do harm.
            let (status, data) = try await send("PATCH", url, body: body.json, idempotent: true, what: what())
            let answered = ATItemId.plain(data) ?? (try? JSONDecoder().decode(ATItemId.self, from: data))?.itemId ?? id
            var before: PSAContact? = current
            if before == nil { before = try await contact(companyId: companyId, id: id) }
            let written = Self.applying(update, to: before ?? PSAContact(id: id, companyId: companyId))
            return PSAWriteResult(contactId: answered, contact: written, responseBody: Self.shorten(data), status: status)
        }
    }

    /// HTTP requests this connection has sent, zone discovery and threshold readings included.
    public func requestCount() async -> Int { requester.counter.value }

    /// The contact after an update, as Autotask holds it: `emailAddress` replaced, the other two emails kept.
    static func applying(_ update: ContactUpdate, to contact: PSAContact) -> PSAContact {
        var result = contact
        if let value = update.fields.firstName { result.firstName = value }
        if let value = update.fields.lastName { result.lastName = value }
        if let value = update.fields.title { result.title = value }
        if let value = update.fields.phone { result.phone = value }
        if let value = update.fields.mobile { result.mobile = value }
        if let value = update.fields.email {
            let trimmed = Scope.trimmed(value)
            let others = Array(contact.emails.dropFirst())
            result.emails = (trimmed.isEmpty ? [] : [trimmed]) + others
        }
        if let active = update.isActive { result.isActive = active }
        if let site = update.siteId { result.siteId = site }
        result.lastModified = nil
        return result
    }

    static func describe(_ fields: ContactFields) -> String {
        let name = [fields.firstName, fields.lastName].compactMap { $0 }.joined(separator: " ")
        if let email = fields.email, !email.isEmpty { return name.isEmpty ? email : "\(name) <\(email)>" }
        return name.isEmpty ? "(no name)" : name
    }

    static func shorten(_ data: Data) -> String {
        let text = String(decoding: data.prefix(4096), as: UTF8.self)
        return data.count > 4096 ? text + "…" : text
    }
}

/// What a connection learns as it goes: the zone's REST base, the field lengths, and how many requests it made.
final class AutotaskSession: Sendable {
    private struct State {
        var baseURL: String?
        var limits: PSAFieldLimits?
        /// The thread-gate endpoint of the URL asked for last: a run's writes all go to one URL.
        var lastEndpoint: (url: String, endpoint: String)?
    }

    // A lock, not an actor: every request reads the base URL, and an actor hop each time cost more than the work.
    private let state = Mutex(State())

    var baseURL: String? { state.withLock { $0.baseURL } }
    var limits: PSAFieldLimits? { state.withLock { $0.limits } }

    func setBase(_ url: String) { state.withLock { $0.baseURL = url } }
    func setLimits(_ value: PSAFieldLimits) { state.withLock { $0.limits = value } }

    /// The thread-gate endpoint of `url` (`EndpointGates.endpoint`), read once per distinct URL in a row.
    func endpoint(of url: String) -> String {
        if let last = state.withLock({ $0.lastEndpoint }), last.url == url { return last.endpoint }
        let endpoint = EndpointGates.endpoint(of: AutotaskConnection.path(of: url))
        state.withLock { $0.lastEndpoint = (url, endpoint) }
        return endpoint
    }
}
