// What one HTTP exchange gives back to Rollcall's clients (Graph, Autotask, ConnectWise): the one answer type.

import Foundation
import NIOHTTP1

/// A whole HTTP answer: status, headers and body.
public struct HTTPAnswer: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The answer's headers.
    public var headers: HTTPHeaders
    /// The whole body.
    public var body: Data
    /// How many attempts the request took (retries included) when it came through `HTTPRequester`.
    public var attempts: Int = 1

    /// An answer of `status` with `headers` and `body`.
    public init(status: Int, headers: HTTPHeaders, body: Data, attempts: Int = 1) {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
    }

    /// True for a 2xx status.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// How long the server asked to wait (`Retry-After`), read by `RetryAfter.delay`: nil when absent or unusable.
    public var retryAfter: Duration? { RetryAfter.delay(headers.first(name: "Retry-After")) }

    /// For a redirect, where it points, as a message names it ("a redirect to https://elsewhere:443, not followed"),
    /// else nil. Rollcall never follows one: credentials go only to the configured server.
    public var redirectNote: String? {
        guard (300..<400).contains(status) else { return nil }
        let target = headers.first(name: "Location").map { HTTPOrigin($0)?.description ?? "\"\($0.prefix(100))\"" }
        return "a redirect\(target.map { " to \($0)" } ?? ""), which Rollcall does not follow so that credentials go only to the configured server"
    }

    /// The body as text, cut to a few KB for logs and messages.
    public var shortBody: String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        return body.count > 4096 ? text + "…" : text
    }
}
