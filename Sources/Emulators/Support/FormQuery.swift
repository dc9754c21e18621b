// Query strings as the real services read them: `application/x-www-form-urlencoded`, where `+` is a space.

import Hummingbird

/// Reads a query string or form body the way the three services do: pairs split on `&` and `=`, `+` turned into a
/// space, then percent-decoded (Hummingbird's `queryParameters` leaves `+` as it is).
enum FormQuery {
    /// Every name and value of `text`, in order.
    static func pairs(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(decode)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// Every name and value of the request's query string, in order.
    static func pairs(of request: Request) -> [(name: String, value: String)] {
        pairs(request.uri.query ?? "")
    }

    /// The first value of `name` in the request's query string, the name matched without regard to case.
    static func value(_ name: String, in request: Request) -> String? {
        let wanted = name.lowercased()
        return pairs(of: request).first { $0.name.lowercased() == wanted }?.value
    }

    /// One form-encoded component, decoded.
    static func decode(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
