// What one HTTP exchange gives back to Rollcall's clients (Graph, Autotask, ConnectWise).

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
}
