// Reading a server's Retry-After without trusting it: seconds or an HTTP date, clamped, and nonsense ignored.

import Foundation

/// How long a `Retry-After` header asks Rollcall to wait.
public enum RetryAfter {
    /// The longest wait any server can ask for: a larger value is cut to this.
    public static let cap: Duration = .seconds(120)
    /// Values beyond this (a day) are not a wait a server means; they count as absent, like garbage.
    static let implausible: Double = 86_400

    /// The wait `value` asks for: delta-seconds (`"30"`, `"1.5"`) or an HTTP date, clamped to 0…120 s. NaN,
    /// infinities, negative numbers, values or dates more than a day away, and anything unreadable give nil.
    public static func delay(_ value: String?, now: Date = Date()) -> Duration? {
        guard let raw = value?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        let seconds: Double
        if raw.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }) {
            guard let number = Double(raw) else { return nil }
            seconds = number
        } else if let date = httpDate(raw) {
            seconds = max(0, date.timeIntervalSince(now))
        } else {
            return nil
        }
        guard seconds.isFinite, seconds >= 0, seconds <= implausible else { return nil }
        return min(.milliseconds(Int64((seconds * 1000).rounded(.up))), cap)
    }

    /// An HTTP date in any of the three forms RFC 9110 §5.6.7 allows (IMF-fixdate, RFC 850, asctime).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
