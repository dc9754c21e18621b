// Where credentials may go: the scheme, host and port of a configured base URL, and the check every URL a server
// hands back must pass before Rollcall sends anything to it.

import Foundation

/// The origin (scheme, host, port) of a configured base URL.
public struct HTTPOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// The host, lowercased, without brackets for an IPv6 literal.
    public let host: String
    /// The port, explicit or the scheme's default.
    public let port: Int

    /// The origin of `url`; nil when it is not an absolute http(s) URL with a host.
    public init?(_ url: String) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty else { return nil }
        self.scheme = scheme
        var bare = host.lowercased()
        if bare.hasPrefix("[") && bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
        self.host = bare
        if let port = parts.port {
            guard (1...65_535).contains(port) else { return nil }
            self.port = port
        } else {
            self.port = scheme == "https" ? 443 : 80
        }
    }

    /// `host:port`, the way messages name a server.
    public var server: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `scheme://host:port`.
    public var description: String { "\(scheme)://\(server)" }

    /// True for loopback hosts (`localhost`, 127.0.0.0/8, `::1`): the only ones plain http may reach.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// True when `url` has exactly this origin, so what Rollcall sends here may be sent there.
    public func admits(_ url: String) -> Bool { HTTPOrigin(url) == self }

    /// Throws `OriginError` unless `url` has this origin. `what` says whose link it is, for the message.
    public func check(_ url: String, what: String) throws(OriginError) {
        guard !admits(url) else { return }
        throw OriginError(expected: self, found: HTTPOrigin(url), what: what)
    }

    /// True for `localhost`, an address in 127.0.0.0/8, or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// A URL a server handed back points at another origin than the configured one; nothing was sent to it.
public struct OriginError: Error, Sendable, CustomStringConvertible {
    /// The configured origin.
    public let expected: HTTPOrigin
    /// The origin the link named (nil when it was no usable URL at all).
    public let found: HTTPOrigin?
    /// Whose link it was ("Microsoft Graph's next page link").
    public let what: String

    /// One sentence naming both servers.
    public var description: String {
        "\(what) points at \(found?.description ?? "an unreadable address") instead of \(expected.description), the configured "
            + "server; Rollcall sent nothing there (credentials go only to the configured server). If the service "
            + "really moved, change its URL in rollcall.yaml."
    }
}
