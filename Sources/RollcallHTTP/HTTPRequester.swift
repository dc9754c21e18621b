// The one request policy of Rollcall's three clients: bounded attempts, exponential backoff with jitter and a cap,
// Retry-After honoured within bounds, a request counter, and the before/after-sending rule that decides whether a
// request that failed may be sent again.

import Foundation
import Logging
import NIOHTTP1
import Synchronization

/// How hard a client tries one request.
public struct RequestPolicy: Sendable {
    /// Retries after the first attempt, at most.
    public var maxRetries: Int
    /// The first backoff delay; each retry doubles it, with jitter.
    public var baseDelay: Duration
    /// The longest single wait, backoff or `Retry-After` (never above `RetryAfter.cap`).
    public var maxDelay: Duration
    /// How long one attempt may take, answer body included.
    public var timeout: Duration
    /// The largest answer body accepted, in bytes.
    public var maxBody: Int
    /// Retries after a connection could not be made (refused, unreachable, name not found), at most: few, and
    /// quick, so that a wrong URL or a stopped server is reported within seconds.
    public var connectRetries: Int

    /// A policy; `maxDelay` is cut to `RetryAfter.cap`.
    public init(
        maxRetries: Int, baseDelay: Duration, maxDelay: Duration = RetryAfter.cap, timeout: Duration,
        maxBody: Int, connectRetries: Int = 1
    ) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = max(.zero, baseDelay)
        self.maxDelay = min(max(.zero, maxDelay), RetryAfter.cap)
        self.timeout = timeout
        self.maxBody = maxBody
        self.connectRetries = max(0, connectRetries)
    }

    /// The wait before retry number `retry` (0 for the first): base × 2^retry × [0.5, 1.5), capped at `maxDelay`.
    public func backoff(_ retry: Int) -> Duration {
        let factor = Double(UInt64(1) << UInt64(min(max(retry, 0), 30))) * Double.random(in: 0.5..<1.5)
        return min(baseDelay * factor, maxDelay)
    }

    /// The longest wait after a failed connection: a wrong URL should fail in seconds, not minutes.
    static let connectDelayCap: Duration = .seconds(1)
}

/// Counts the HTTP requests one task tree (a run) sends, by service, whatever clients it shares with runs going at the
/// same time: set it for a run with `RequestTally.$current.withValue(_:operation:)`.
public final class RequestTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// The tally of the current task, if one was set.
    @TaskLocal public static var current: RequestTally?

    /// A tally at zero.
    public init() {}

    /// Counts one request to `service`.
    public func add(_ service: String) { counts.withLock { $0[service, default: 0] += 1 } }

    /// The requests counted for `service` (its requester's `serviceName`).
    public func count(_ service: String) -> Int { counts.withLock { $0[service] ?? 0 } }
}

/// Counts the HTTP requests one client sends, retries included, across the tasks that share it.
public final class RequestCounter: Sendable {
    private let count = Mutex(0)

    /// A counter at zero.
    public init() {}

    /// Counts one request.
    public func add() { count.withLock { $0 += 1 } }

    /// The requests counted so far.
    public var value: Int { count.withLock { $0 } }
}

/// One request as a client means it.
public struct HTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The absolute URL.
    public var url: String
    /// The headers (Host and Content-Length are added on sending).
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: Data?
    /// True when sending it twice does no harm (reads, queries, token requests): only then are failures after the
    /// request may have reached the server retried.
    public var idempotent: Bool
    /// What the request is for, in an operator's words ("reading contacts"), for logs.
    public var purpose: String

    /// A request of `method` to `url`.
    public init(
        _ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: Data? = nil, idempotent: Bool,
        purpose: String
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent
        self.purpose = purpose
    }
}

/// Sends requests under one `RequestPolicy`: each attempt counted, failures retried with backoff (or the server's
/// `Retry-After`, bounded), every retry logged with the server's name.
///
/// What is retried: answers `retrying` picks (429, a 5xx for a read; the client decides); connections that could not
/// be made (at most `connectRetries` times); and, for idempotent requests only, exchanges that failed after the
/// request may have been sent. A request that may have reached the server is never repeated otherwise: the caller
/// gets the `HTTPFetchError`, whose `beforeSending` says so, and checks before trying again.
public struct HTTPRequester: Sendable {
    /// Where requests go.
    public let service: HTTPService
    /// How hard to try.
    public let policy: RequestPolicy
    /// Every attempt is counted here.
    public let counter: RequestCounter
    /// Retries are logged here.
    public let logger: Logger
    /// The service's name for logs ("Microsoft Graph", "Autotask", "ConnectWise").
    public let serviceName: String
    private let sleep: @Sendable (Duration) async throws -> Void

    /// A requester; `sleep` is the wait between attempts (tests pass one that records instead of waiting).
    public init(
        service: HTTPService = .shared, policy: RequestPolicy, counter: RequestCounter = RequestCounter(),
        logger: Logger, serviceName: String,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.service = service
        self.policy = policy
        self.counter = counter
        self.logger = logger
        self.serviceName = serviceName
        self.sleep = sleep
    }

    /// Waits as this requester waits between attempts, for retries its callers make themselves (items of a batch).
    public func pause(_ delay: Duration) async throws { try await sleep(delay) }

    /// This requester with another policy (same service, counter and logger).
    public func with(policy: RequestPolicy) -> HTTPRequester {
        HTTPRequester(service: service, policy: policy, counter: counter, logger: logger, serviceName: serviceName, sleep: sleep)
    }

    /// Sends `request` until an answer `retrying` does not pick (it names why an answer is worth another attempt, or
    /// nil), and returns it; when retries run out on answers it picks, returns the last one (its `attempts` says how
    /// many were made). Throws the last `HTTPFetchError` when
    /// no usable answer came, whatever `beforeAttempt` throws (run before each attempt: budgets, gates), or
    /// `CancellationError`. `afterAttempt` runs after each attempt that `beforeAttempt` let through.
    public func send(
        _ request: HTTPRequest,
        retrying retryable: @Sendable (HTTPAnswer) -> String?,
        beforeAttempt: @Sendable () async throws -> Void = {},
        afterAttempt: @Sendable () -> Void = {}
    ) async throws -> HTTPAnswer {
        var retries = 0
        var connectRetries = 0
        while true {
            try await beforeAttempt()
            counter.add()
            RequestTally.current?.add(serviceName)
            let outcome: Result<HTTPAnswer, HTTPFetchError>
            do {
                outcome = .success(try await service.fetch(
                    request.method, request.url, headers: request.headers, body: request.body,
                    timeout: policy.timeout, maxBody: policy.maxBody))
            } catch let error as HTTPFetchError {
                outcome = .failure(error)
            } catch {
                afterAttempt()
                throw error
            }
            afterAttempt()

            let delay: Duration
            let reason: String
            switch outcome {
            case .success(var answer):
                answer.attempts = retries + 1
                guard let why = retryable(answer), retries < policy.maxRetries else { return answer }
                let asked = answer.retryAfter
                delay = asked.map { min($0, policy.maxDelay) } ?? policy.backoff(retries)
                reason = why + (asked.map { ", Retry-After \($0)" } ?? "")
            case .failure(var error):
                error.attempts = retries + 1
                switch error.kind {
                case .connectFailed:
                    guard retries < policy.maxRetries, connectRetries < policy.connectRetries else { throw error }
                    connectRetries += 1
                    delay = min(policy.backoff(retries), RequestPolicy.connectDelayCap)
                case .timedOut, .connectionClosed, .malformedAnswer:
                    guard request.idempotent, retries < policy.maxRetries else { throw error }
                    delay = policy.backoff(retries)
                case .invalidURL, .invalidRequest, .tlsFailed, .bodyTooLarge:
                    throw error
                }
                reason = error.message
            }
            retries += 1
            var metadata: Logger.Metadata = [
                "server": .string(HTTPOrigin(request.url)?.server ?? "?"), "method": .string(request.method.rawValue),
                "purpose": .string(request.purpose), "retry": "\(retries)/\(policy.maxRetries)",
                "delaySeconds": "\(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)",
                "reason": .string(reason),
            ]
            // Microsoft's services tie a request's retries together by this header; support asks for it.
            if let id = request.headers.first(name: "client-request-id") { metadata["client-request-id"] = .string(id) }
            logger.warning("retrying \(serviceName) request", metadata: metadata)
            try await sleep(delay)
        }
    }
}
