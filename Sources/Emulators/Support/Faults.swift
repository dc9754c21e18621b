// Fault injection and request counting shared by the Graph, Autotask and ConnectWise emulators.

import Foundation
import Hummingbird
import NIOCore

/// A fault an emulator injects into the next matching requests.
public struct Fault: Codable, Sendable, Hashable {
    /// What the fault does to a request.
    public enum Effect: Codable, Sendable, Hashable {
        /// Answer with this status, an optional `Retry-After` header value (as sent, e.g. "2" or "0.5"), and a body.
        case status(code: Int, retryAfter: String?, body: String?)
        /// Wait this many seconds, then answer normally.
        case delay(seconds: Double)
        /// Close the connection without answering.
        case drop
    }

    public var effect: Effect
    /// Only requests whose path contains this string are affected; `nil` affects every request.
    public var pathContains: String?
    /// How many requests it affects; `nil` for every matching request until cleared.
    public var count: Int?
    /// How many matching requests to let through untouched before the fault starts.
    public var after: Int

    /// Makes a fault.
    public init(_ effect: Effect, pathContains: String? = nil, count: Int? = 1, after: Int = 0) {
        self.effect = effect
        self.pathContains = pathContains
        self.count = count
        self.after = after
    }
}

/// The faults waiting to be injected, and every request an emulator has seen.
public actor EmulatorControl {
    private var faults: [Fault] = []
    private var counts: [String: Int] = [:]
    private var total = 0
    private var writes = 0
    private var delayed = 0
    private var batchItems: [String: Int] = [:]
    private var landedWaiters: [CheckedContinuation<Void, Never>] = []

    /// Makes an empty control: no faults, no requests counted.
    public init() {}

    /// Queues a fault; faults are tried in the order they were added.
    public func inject(_ fault: Fault) { faults.append(fault) }

    /// Removes every queued fault.
    public func clearFaults() { faults.removeAll() }

    /// Counts a request and returns the fault it should suffer, if any.
    public func record(method: String, path: String) -> Fault.Effect? {
        total += 1
        counts["\(method) \(path)", default: 0] += 1
        if method != "GET" && method != "HEAD" && !path.hasSuffix("/query") && !path.contains("/query/") && !path.hasPrefix("/admin") && !path.contains("/token") {
            writes += 1
        }
        return take { $0.pathContains.map { path.contains($0) } ?? true }
    }

    /// The effect of the first queued fault `matches` picks, used up by one (or one of its `after` passed); nil
    /// when none matches or the matching one lets this request through.
    private func take(_ matches: (Fault) -> Bool) -> Fault.Effect? {
        guard let index = faults.firstIndex(where: matches) else { return nil }
        if faults[index].after > 0 {
            faults[index].after -= 1
            return nil
        }
        let effect = faults[index].effect
        if let remaining = faults[index].count {
            if remaining <= 1 { faults.remove(at: index) } else { faults[index].count = remaining - 1 }
        }
        return effect
    }

    /// Counts one request a batch carries (apart from requests) and returns the fault it should suffer: a `status`
    /// fault whose path matches answers that item alone, the batch itself answering 200 as Graph's does.
    public func recordBatchItem(method: String, path: String) -> Fault.Effect? {
        batchItems["\(method) \(path)", default: 0] += 1
        return take { fault in
            guard case .status = fault.effect, let wanted = fault.pathContains else { return false }
            return path.contains(wanted) && !"/v1.0/$batch".contains(wanted)
        }
    }

    /// Requests carried inside batches, per "METHOD /path" (not counted as requests).
    public func batchItemCounts() -> [String: Int] { batchItems }

    /// Returns once no request held by a `delay` fault is still on its way: what a slow PSA was holding has landed
    /// (or was given up), so a test waits for that event, not for a guessed time.
    public func delayedRequestsLanded() async {
        guard delayed > 0 else { return }
        await withCheckedContinuation { landedWaiters.append($0) }
    }

    fileprivate func delayStarted() { delayed += 1 }

    fileprivate func delayEnded() {
        delayed -= 1
        guard delayed == 0 else { return }
        let waiters = landedWaiters
        landedWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Every request counted so far (admin requests excluded).
    public func requestCount() -> Int { total }

    /// Requests that changed data (POST/PATCH/PUT/DELETE, queries excluded), admin requests excluded.
    public func writeCount() -> Int { writes }

    /// Requests counted per "METHOD /path".
    public func requestCounts() -> [String: Int] { counts }

    /// Forgets every counted request.
    public func resetCounts() {
        counts.removeAll()
        batchItems.removeAll()
        total = 0
        writes = 0
    }
}

/// Middleware that counts each request and injects the faults queued in an `EmulatorControl`.
/// Requests under `/admin` are neither counted nor faulted.
public struct FaultMiddleware: RouterMiddleware {
    /// The emulators' request context.
    public typealias Context = EmulatorContext
    let control: EmulatorControl

    /// Makes the middleware over a control.
    public init(control: EmulatorControl) { self.control = control }

    /// Counts the request, then lets it through, delays it, drops it, or answers with the queued fault.
    public func handle(
        _ request: Request, context: EmulatorContext,
        next: (Request, EmulatorContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/admin") { return try await next(request, context) }
        switch await control.record(method: request.method.rawValue, path: path) {
        case nil:
            return try await next(request, context)
        case .delay(let seconds)?:
            await control.delayStarted()
            do {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                let response = try await next(request, context)
                await control.delayEnded()
                return response
            } catch {
                await control.delayEnded()
                throw error
            }
        case .drop?:
            try? await context.channel.close()
            throw HTTPError(.serviceUnavailable)
        case .status(let code, let retryAfter, let body)?:
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter { headers[.retryAfter] = retryAfter }
            return Response(
                status: .init(code: code), headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: body ?? #"{"error":"injected fault"}"#)))
        }
    }
}
