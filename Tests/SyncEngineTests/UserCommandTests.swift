// `rollcall user`: the console's accounts from the command line. Passwords are kept as bcrypt hashes, never as text;
// a short password or an unknown role is refused with what to do; a removed account is gone.

import Console
import EventLog
import Foundation
import Testing

@Suite("rollcall user", .serialized)
struct UserCommandTests {
    @Test("add (password from stdin), list, change the role, refuse a short password and an unknown role, remove; the log file holds a bcrypt hash, not the password")
    func accounts() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        let added = try await space.rollcall(["user", "add", "dana", "--role", "admin", "--password-stdin"], input: "correct horse battery\n")
        #expect(added.status == 0 && added.output.contains("Added dana (admin)"), "\(added.errors)")
        #expect(try await space.rollcall(["user", "add", "sam", "--role", "viewer", "--password-stdin"], input: "sam-viewer-pass\n").status == 0)
        #expect(try await space.rollcall(["user", "list"]).output == "dana  admin\nsam  viewer\n")

        let short = try await space.rollcall(["user", "add", "lee", "--role", "viewer", "--password-stdin"], input: "short\n")
        #expect(short.status == 2 && short.errors.contains("at least 10 characters"))
        let role = try await space.rollcall(["user", "add", "lee", "--role", "owner", "--password-stdin"], input: "long-enough-pass\n")
        #expect(role.status == 2 && role.errors.contains("--role is admin or viewer"))

        #expect(try await space.rollcall(["user", "add", "sam", "--role", "admin", "--password-stdin"], input: "sam-new-password\n").output.contains("Changed sam (admin)"))
        let store = try EventStore(path: space.folder.appendingPathComponent("rollcall.sqlite3").path)
        let sam = try #require(try await store.account(named: "sam"))
        #expect(sam.role == .admin && sam.passwordHash.hasPrefix("$2") && !sam.passwordHash.contains("sam-new-password"))
        let file = try Data(contentsOf: space.folder.appendingPathComponent("rollcall.sqlite3"))
        #expect(file.range(of: Data("correct horse battery".utf8)) == nil, "the password is not in the log file")

        #expect(try await space.rollcall(["user", "remove", "sam"]).status == 0)
        #expect(try await store.account(named: "sam") == nil)
        let missing = try await space.rollcall(["user", "remove", "sam"])
        #expect(missing.status == 2 && missing.errors.contains("rollcall user list"))
    }
}
