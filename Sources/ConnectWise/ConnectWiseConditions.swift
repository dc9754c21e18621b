// Building ConnectWise `conditions` strings whose values can neither break nor widen the query.

import Foundation

/// Literals for ConnectWise's query language (`conditions`, `childConditions`).
///
/// Assumption (the reference gives no escaping rule): inside a double-quoted string a backslash escapes the next
/// character, so `\` and `"` are written `\\` and `\"`. Values are compared with `=`, never `like`, so `%`, `_` and
/// `*` are literal characters; callers also re-check answers client-side in case a server treats them otherwise.
enum ConnectWiseConditions {
    /// A string literal: double-quoted, with backslash and double quote escaped.
    static func string(_ value: String) -> String {
        var out = "\""
        for character in value {
            if character == "\\" || character == "\"" { out.append("\\") }
            out.append(character)
        }
        out.append("\"")
        return out
    }

    /// A date literal in brackets, to the second, in UTC.
    static func date(_ date: Date) -> String {
        "[" + isoSeconds(date) + "]"
    }

    /// `2024-01-02T03:04:05Z`, as ConnectWise writes `_info/lastUpdated`.
    static func isoSeconds(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// Percent-encodes a query value so that only unreserved characters stay bare (`%`, `&`, `+`, `"` are encoded).
    static func queryValue(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
