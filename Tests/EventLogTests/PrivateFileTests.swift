// The log holds people's names, emails and phones: its files are made readable by their owner only, and a log others
// can read is pointed out.

import EventLog
import Foundation
import Testing

@Suite("Private files")
struct PrivateFileTests {
    private func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int).flatMap { $0 }
    }

    @Test("a new log, its WAL and its shared-memory file are created 0600, whatever the umask")
    func newLogIsPrivate() async throws {
        let old = umask(0o022)
        defer { umask(old) }
        let log = try TemporaryLog()
        _ = try await log.store.append([event("a/user/1")])
        #expect(mode(log.path) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: log.path + suffix) {
            #expect(mode(log.path + suffix) == 0o600, "\(suffix)")
        }
        #expect(FileManager.default.fileExists(atPath: log.path + "-wal"))
        #expect(log.store.exposureWarning == nil)
    }

    @Test("a log others can read is opened, with a warning that names it and the chmod to fix it")
    func exposedLogWarned() async throws {
        let log = try TemporaryLog()
        _ = try await log.store.append([event("a/user/1")])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: log.path)
        let reopened = try EventStore(path: log.path)
        let warning = try #require(reopened.exposureWarning)
        #expect(warning.contains(log.path) && warning.contains("644") && warning.contains("chmod 600"))
        #expect(try await reopened.lastPosition() == 1)
    }
}
