// The run lock beside the log: it keeps two runs of one company apart, and its files are private like the log's.

import Foundation
import SyncEngine
import Testing

@Suite("Run locks")
struct RunLockTests {
    @Test("R11.4: a company's lock is exclusive, and its folder and file are readable by their owner only")
    func privateAndExclusive() async throws {
        let old = umask(0o022)
        defer { umask(old) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("rollcall.sqlite3").path
        let lock = try await RunLock.acquire(databasePath: database, company: "Contoso")
        let path = RunLock.lockPath(databasePath: database, company: "Contoso")
        let file = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let directory = try FileManager.default.attributesOfItem(atPath: database + ".locks")[.posixPermissions] as? Int
        #expect(file == 0o600 && directory == 0o700)
        await #expect(throws: RunLockError.self) { _ = try await RunLock.acquire(databasePath: database, company: "Contoso") }
        lock.release()
        try await RunLock.acquire(databasePath: database, company: "Contoso").release()
    }
}
