// Per-company run locks that hold across processes (R11.4): one run of a company at a time, anywhere on this machine.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on one company's runs, held through an `flock` on a file beside the event log.
///
/// The operating system releases the lock when the process ends, so a killed run never leaves a stale lock.
public final class RunLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// The lock file of a company for the log at `databasePath`.
    public static func lockPath(databasePath: String, company: String) -> String {
        let safe = company.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
        return databasePath + ".locks/" + safe + ".lock"
    }

    /// Takes the lock, waiting up to `wait` for a run holding it to finish; throws `RunLockError` when it stays busy.
    public static func acquire(
        databasePath: String, company: String, wait: Duration = .zero, poll: Duration = .milliseconds(100)
    ) async throws -> RunLock {
        let path = lockPath(databasePath: databasePath, company: company)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RunLockError(company: company, message: "cannot create the run lock \(path): \(String(cString: strerror(errno)))")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                let pid = "\(getpid())\n"
                _ = ftruncate(descriptor, 0)
                _ = pid.withCString { write(descriptor, $0, strlen($0)) }
                return RunLock(path: path, descriptor: descriptor)
            }
            if clock.now >= deadline {
                close(descriptor)
                throw RunLockError(
                    company: company,
                    message: "company \"\(company)\" is being synced by another run right now; this run was not started — try again when it has finished")
            }
            try await Task.sleep(for: poll)
        }
    }

    /// Releases the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// A run that could not start because another run of the same company holds the lock.
public struct RunLockError: Error, Sendable, CustomStringConvertible {
    /// The company whose lock is held.
    public let company: String
    /// What happened and what to do.
    public let message: String
    public var description: String { message }
}
