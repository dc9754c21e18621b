// The console's local accounts, in the log file beside the events (their own table; not events: a password hash
// has no place in an append-only history).

import Foundation
import GRDB

/// A person who may sign in to the console: a name, a role and the bcrypt hash of their password.
public struct ConsoleAccount: Sendable, Hashable {
    /// What the account may do: read only, or also save settings, start runs and approve.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case admin, viewer
    }

    public var name: String
    public var role: Role
    public var passwordHash: String
    public var createdAt: Date

    /// Makes an account.
    public init(name: String, role: Role, passwordHash: String, createdAt: Date) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

extension EventStore {
    /// Every account, by name.
    public func accounts() async throws -> [ConsoleAccount] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, password_hash, created_at FROM console_accounts ORDER BY name")
                .compactMap(Self.account)
        }
    }

    /// The account of this name (any letter case), if any.
    public func account(named name: String) async throws -> ConsoleAccount? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT name, role, password_hash, created_at FROM console_accounts WHERE name = ?", arguments: [name])
                .flatMap(Self.account)
        }
    }

    /// Adds an account, or replaces the one of the same name (a new role or password).
    public func save(_ account: ConsoleAccount) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO console_accounts(name, role, password_hash, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash
                    """,
                arguments: [account.name, account.role.rawValue, account.passwordHash, Int64(account.createdAt.timeIntervalSince1970)])
        }
    }

    /// Removes an account; false when there was none of that name.
    public func removeAccount(named name: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM console_accounts WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    private static func account(_ row: Row) -> ConsoleAccount? {
        guard let role = ConsoleAccount.Role(rawValue: row[1]) else { return nil }
        return ConsoleAccount(
            name: row[0], role: role, passwordHash: row[2], createdAt: Date(timeIntervalSince1970: TimeInterval(row[3] as Int64)))
    }
}
