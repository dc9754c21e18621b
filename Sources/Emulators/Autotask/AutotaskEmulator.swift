// A local Autotask PSA REST server written from the PSA reference §1: zones, contacts, locations, queries, faults.

import Foundation
import Hummingbird
import NIOCore

/// An Autotask PSA REST API on loopback, faithful in what Rollcall relies on (PSA reference §1):
/// `zoneInformation`, the three auth headers, `Contacts/query` (POST body or GET `?search=`) with Autotask's
/// filter grammar and 500-item pages behind an opaque `nextPageUrl`, company-child writes only (root writes 404,
/// item-URL writes 405), `isActive` as 0/1, field lengths, `{"errors":[…]}` with HTTP 500, `ThresholdInformation`,
/// a thread limit of three per endpoint, request counting and fault injection, and admin endpoints under `/admin/autotask`.
public final class AutotaskEmulator: Sendable {
    /// Fault injection and request counting for this emulator.
    public let control: EmulatorControl
    let store: AutotaskStore

    /// The error body Autotask sends when more than three requests hit one endpoint at once (reference §1.8).
    public static let threadThresholdBody =
        #"{"errors":["Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded."]}"#

    /// Makes an emulator holding the fixture's companies, locations and contacts.
    public init(fixture: AutotaskFixture) {
        control = EmulatorControl()
        store = AutotaskStore(fixture: fixture)
    }

    /// Starts serving on `host:port` (port 0 picks a free one); `zoneInformation` then names this server.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> EmulatorHost {
        let server = try await EmulatorHost.start(router: makeRouter(), name: "autotask", host: host, port: port)
        await store.setBaseURL(server.baseURL)
        return server
    }

    /// The router with every Autotask route; `start` serves it.
    public func makeRouter() -> Router<EmulatorContext> {
        let router = Router(context: EmulatorContext.self)
        router.add(middleware: ThreadLimitMiddleware(store: store))
        router.add(middleware: FaultMiddleware(control: control))
        router.add(middleware: AutotaskRoutes(store: store, control: control))
        return router
    }

    /// A fault that answers like Autotask's thread threshold (`Itgenatr005`), by default with a non-429 status.
    public static func threadThresholdFault(status: Int = 500, pathContains: String? = nil, count: Int? = 1) -> Fault {
        Fault(.status(code: status, retryAfter: nil, body: threadThresholdBody), pathContains: pathContains, count: count)
    }

    /// A fault that answers 429, with `Retry-After` when given.
    public static func throttleFault(retryAfter: String? = nil, pathContains: String? = nil, count: Int? = 1) -> Fault {
        Fault(.status(code: 429, retryAfter: retryAfter, body: #"{"errors":["Too many requests."]}"#),
              pathContains: pathContains, count: count)
    }

    /// Changes a contact as a technician would in Autotask (not counted as a request), bumping `lastModifiedDate`.
    @discardableResult
    public func editContact(id: Int, _ changes: [String: AutotaskJSON]) async throws -> AutotaskFixture.Contact {
        AutotaskStore.fixtureContact(try await store.edit(id: id, changes: changes))
    }

    /// Adds a contact as if made in Autotask; answers its id (a zero or taken id gets the next free one).
    @discardableResult
    public func addContact(_ contact: AutotaskFixture.Contact) async -> Int {
        await store.add(contact)
    }

    /// Deletes a contact as a technician would in Autotask (not counted as a request); false when there was none.
    @discardableResult
    public func deleteContact(id: Int) async -> Bool {
        guard let companyId = await store.contact(id: id)?["companyID"]?.intValue else { return false }
        return await store.delete(companyId: companyId, id: id).status == 200
    }

    /// A snapshot of one company's contacts, in id order.
    public func contacts(companyId: Int) async -> [AutotaskFixture.Contact] {
        await store.fixtureContacts(companyId: companyId)
    }

    /// One contact exactly as the API serves it, or `nil`.
    public func contactJSON(id: Int) async -> AutotaskJSON? {
        await store.contact(id: id).map { .object($0) }
    }

    /// Requests that changed data (creates, updates, deletes), from `control`.
    public func writeCount() async -> Int { await control.writeCount() }

    /// The most requests one endpoint ever had in flight at once.
    public func maxRequestsInFlight() async -> Int { await store.maxInFlight }

    /// Sets the threshold and the requests other integrations use. With a `window` (seconds; Autotask's is an hour),
    /// requests are counted in that rolling window and `usedBeforeStart` is the other integrations' steady load in
    /// every window; without one, every request since the start counts, after `usedBeforeStart`.
    public func setThreshold(limit: Int, usedBeforeStart: Int, window: TimeInterval? = nil) async {
        await store.setThreshold(limit: limit, usedBeforeStart: usedBeforeStart, window: window)
    }

    /// Sets the clock the window is counted on (tests and drills move it instead of waiting).
    public func setClock(_ clock: @escaping @Sendable () -> Date) async {
        await store.setClock(clock)
    }
}

/// The API path of a request split into lower-cased segments after `/ATServicesRest/V1.0/`, or `nil`.
struct AutotaskPath {
    var segments: [String]
    /// `versioninformation` sits before the version segment.
    var isVersionInformation = false

    init?(_ path: String) {
        let parts = path.split(separator: "/").map { $0.lowercased() }
        guard parts.first == "atservicesrest", parts.count >= 2 else { return nil }
        if parts[1] == "versioninformation" {
            segments = []
            isVersionInformation = true
            return
        }
        // Clients spell the version `v1.0` and `V1.0`; `1.0` is accepted too (reference §1.2, uncertain which is live).
        guard ["v1.0", "1.0"].contains(parts[1]) else { return nil }
        segments = Array(parts.dropFirst(2))
    }

    /// The object endpoint the thread limit counts: child paths count for the child entity.
    var endpoint: String {
        if segments.first == "companies", segments.count >= 3 {
            return segments[2] == "locations" ? "companylocations" : segments[2]
        }
        return segments.first ?? ""
    }
}

/// Autotask allows three requests in flight per object endpoint and tracking identifier; the fourth gets the
/// thread-threshold error. Outermost, so a slowed answer still holds its thread.
struct ThreadLimitMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext
    let store: AutotaskStore

    func handle(_ request: Request, context: EmulatorContext, next: (Request, EmulatorContext) async throws -> Response) async throws -> Response {
        guard let path = AutotaskPath(request.uri.path), !path.isVersionInformation,
              path.segments.first != "zoneinformation"  // exempt from thread limiting (reference §1.2)
        else { return try await next(request, context) }
        let key = (AutotaskRoutes.header(request, "ApiIntegrationCode") ?? "") + "|" + path.endpoint
        guard await store.enter(key, limit: 3) else {
            return AutotaskRoutes.response(AutotaskReply(status: 500, body: try? JSONDecoder().decode(
                AutotaskJSON.self, from: Data(AutotaskEmulator.threadThresholdBody.utf8))))
        }
        do {
            let response = try await next(request, context)
            await store.leave(key)
            return response
        } catch {
            await store.leave(key)
            throw error
        }
    }
}
