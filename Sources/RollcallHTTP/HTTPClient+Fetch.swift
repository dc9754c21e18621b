// One HTTP exchange, whole answer collected: what every Rollcall client (Graph, Autotask, ConnectWise) sends.

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A whole HTTP answer: status, headers and body.
public struct HTTPAnswer: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The answer's headers.
    public var headers: HTTPHeaders
    /// The whole body.
    public var body: Data
}

extension HTTPClient {
    /// Sends one request and collects its whole answer (a body over `maxBody` bytes fails the request), within
    /// `timeout`; cancelling the calling task cancels the request.
    ///
    /// This uses the client's event-loop-future API on purpose: its `async` `execute` starts an unstructured task
    /// per request (to register a cancel handler), which wakes a thread of Swift's global pool for each of a run's
    /// thousands of PSA writes, whatever executor the run prefers. Called on one of `HTTPLoop`'s threads with
    /// `HTTPLoop.client`, it sends through that thread's own client instead (see `HTTPLoop`).
    public func fetch(
        _ method: HTTPMethod, _ url: String, headers: HTTPHeaders, body: Data?, timeout: TimeAmount, maxBody: Int
    ) async throws -> HTTPAnswer {
        try await HTTPTransport.fetch(method, url, headers: headers, body: body, timeout: timeout, maxBody: maxBody)
    }
}
