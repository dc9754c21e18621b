// Where a request goes, read from its URL once: scheme, host, port, and the request target to put on the wire.

/// The server end of a connection: the pool keeps idle connections per endpoint.
struct HTTPEndpoint: Hashable, Sendable {
    /// True for `https`.
    var secure: Bool
    /// The host as written, without brackets for an IPv6 literal.
    var host: String
    /// The port, explicit or the scheme's default.
    var port: Int
}

/// A parsed absolute `http` or `https` URL.
struct HTTPTarget: Sendable {
    /// Where to connect.
    var endpoint: HTTPEndpoint
    /// The `Host` header's value: the URL's authority as written.
    var authority: String
    /// Path and query, as sent on the request line (`/` when the URL has no path).
    var requestTarget: String

    /// Reads `url`; a URL that is not absolute `http`/`https`, has user information, a bad port, or bytes that are
    /// not allowed unescaped in a URL (spaces, control characters, non-ASCII) is refused.
    init(_ url: String) throws(HTTPFetchError) {
        let bytes = Array(url.utf8)
        func refuse(_ why: String) -> HTTPFetchError {
            HTTPFetchError(.invalidURL, "the URL \(url.prefix(200)) cannot be requested: \(why)")
        }
        if let bad = bytes.first(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\\") }) {
            throw refuse(bad == 0x20 ? "it contains a space" : "it contains a character that must be percent-encoded")
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[colon...].starts(with: "://".utf8) else { throw refuse("it is not an absolute http or https URL") }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        let secure: Bool
        switch scheme {
        case "http": secure = false
        case "https": secure = true
        default: throw refuse("the scheme \(scheme) is not http or https")
        }
        let authorityStart = colon + 3
        let authorityEnd = bytes[authorityStart...].firstIndex {
            $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
        } ?? bytes.endIndex
        let authority = bytes[authorityStart..<authorityEnd]
        guard !authority.isEmpty else { throw refuse("it has no host") }
        guard !authority.contains(UInt8(ascii: "@")) else { throw refuse("it carries user information") }
        var host: ArraySlice<UInt8>
        var portBytes: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw refuse("its IPv6 address has no ]") }
            host = authority[(authority.startIndex + 1)..<close]
            let rest = authority[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == UInt8(ascii: ":") else { throw refuse("its authority has bytes after the IPv6 address") }
                portBytes = rest.dropFirst()
            }
        } else if let portColon = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = authority[..<portColon]
            portBytes = authority[(portColon + 1)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw refuse("it has no host") }
        var port = secure ? 443 : 80
        if let portBytes, !portBytes.isEmpty {
            guard portBytes.count <= 5, portBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(String(decoding: portBytes, as: UTF8.self)), (1...65535).contains(value) else {
                throw refuse("its port is not a number from 1 to 65535")
            }
            port = value
        }
        let pathEnd = bytes[authorityEnd...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex
        var target = String(decoding: bytes[authorityEnd..<pathEnd], as: UTF8.self)
        if target.isEmpty {
            target = "/"
        } else if target.utf8.first == UInt8(ascii: "?") {
            target = "/" + target
        }
        endpoint = HTTPEndpoint(secure: secure, host: String(decoding: host, as: UTF8.self), port: port)
        self.authority = String(decoding: authority, as: UTF8.self)
        requestTarget = target
    }
}
