// Signed-in people: session cookies (HttpOnly, SameSite=Strict, Secure over https), a CSRF token per session, and
// sign-in throttling by account name.

import EventLog
import Foundation
import SyncEngine

/// One signed-in person (or, before sign-in, a visitor holding the sign-in form's CSRF token).
public struct ConsoleSession: Sendable, Hashable {
    public var id: String
    /// The account, once signed in.
    public var account: String?
    public var role: ConsoleAccount.Role?
    /// The token every form of this session carries.
    public var csrf: String
    public var expires: Date
}

/// The sessions of one `rollcall serve`, in memory: a restart signs everybody out.
public actor ConsoleSessions {
    /// How long a session lasts without being used.
    public static let idle: TimeInterval = 8 * 3600
    private var sessions: [String: ConsoleSession] = [:]
    private let now: @Sendable () -> Date

    /// Makes an empty store on a clock.
    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    /// The live session of this id, its expiry moved on.
    public func session(_ id: String?) -> ConsoleSession? {
        guard let id, var session = sessions[id] else { return nil }
        guard session.expires > now() else {
            sessions[id] = nil
            return nil
        }
        session.expires = now().addingTimeInterval(Self.idle)
        sessions[id] = session
        return session
    }

    /// A new session: anonymous (for the sign-in form) or signed in; a sign-in gets a fresh id and CSRF token.
    public func start(account: String? = nil, role: ConsoleAccount.Role? = nil) -> ConsoleSession {
        let session = ConsoleSession(
            id: Self.random(), account: account, role: role, csrf: Self.random(), expires: now().addingTimeInterval(Self.idle))
        sessions[session.id] = session
        return session
    }

    /// Ends a session.
    public func end(_ id: String) { sessions[id] = nil }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }
}

/// Refuses sign-in for an account after too many wrong passwords in a short time.
public actor SignInThrottle {
    /// Wrong passwords allowed within `window` before sign-in waits.
    public static let attempts = 5
    /// The window the wrong passwords are counted in, and how long sign-in then waits.
    public static let window: TimeInterval = 15 * 60
    private var failures: [String: [Date]] = [:]
    private let now: @Sendable () -> Date

    /// Makes a throttle on a clock.
    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    /// When sign-in for `name` may be tried again, or nil when it may now.
    public func blockedUntil(_ name: String) -> Date? {
        let key = name.lowercased()
        let recent = (failures[key] ?? []).filter { $0 > now().addingTimeInterval(-Self.window) }
        failures[key] = recent
        guard recent.count >= Self.attempts, let first = recent.first else { return nil }
        return first.addingTimeInterval(Self.window)
    }

    /// Counts a wrong password (or an unknown name).
    public func failed(_ name: String) { failures[name.lowercased(), default: []].append(now()) }

    /// Forgets the failures of a name that signed in.
    public func succeeded(_ name: String) { failures[name.lowercased()] = nil }
}

/// A form body's fields in the order posted, names repeated as they come (`order=2&order=0`); `+` is a space.
func formList(_ text: String) -> [(String, String)] {
    text.split(separator: "&").map { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { part in
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return (parts[0], parts.count > 1 ? parts[1] : "")
    }
}

/// The pairs of a form body or query string (`application/x-www-form-urlencoded`), the first of each name.
func formPairs(_ text: String) -> [String: String] {
    Dictionary(formList(text), uniquingKeysWith: { first, _ in first })
}
