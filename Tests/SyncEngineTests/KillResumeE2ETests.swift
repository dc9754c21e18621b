// R11.6 with real processes and a real clock: `rollcall serve` paces two companies' first syncs within a small budget
// window, is killed with SIGKILL in the middle of the window while writing, and restarted; the interrupted syncs go on
// from the log at once and every person ends with exactly one contact.

import ContactSync
import Emulators
import Foundation
import Testing

@Suite("R11.6 kill -9 during a paced sync, end to end", .serialized)
struct KillResumeE2ETests {
    /// `rollcall serve` as a child process, its output to a file.
    final class Served: @unchecked Sendable {
        let process = Process()
        let log: URL

        /// The service's log, for a failure's message.
        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        init(_ space: CommandLineJSONTests.Workspace, port: Int, extra: [String] = []) throws {
            process.executableURL = CommandLineHelpTests.rollcall
            process.arguments = ["serve", "--config", space.config, "--port", "\(port)", "--tick", "1"] + extra
            process.environment = SampleMSP.environment.merging([
                "PATH": "/usr/bin:/bin", "ROLLCALL_API_TOKEN": "kill-resume-test-token-0123456789",
            ]) { a, _ in a }
            let log = space.folder.appendingPathComponent("serve-\(port).log")
            self.log = log
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        func kill9() { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }

        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A loopback port nothing listens on now: the kernel picks one for a socket bound to port 0, which is closed again.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 0
    }

    /// Waits, polling every 100 ms, until `condition` holds or `seconds` pass; answers whether it held.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    /// Each company's state, from `rollcall status --json`.
    static func states(_ space: CommandLineJSONTests.Workspace) async throws -> [String: String] {
        let outcome = try await space.rollcall(["status", "--json"])
        guard let object = try? JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any] else { return [:] }
        var states: [String: String] = [:]
        for company in object["companies"] as? [[String: Any]] ?? [] {
            if let name = company["company"] as? String { states[name] = company["state"] as? String }
        }
        return states
    }

    @Test("R11.6 e2e: kill -9 in the middle of a window while writing, restart: the interrupted syncs go on, nobody twice")
    func killMidWindow() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        // 40 requests a minute (Autotask's window, shortened to its smallest): Rollcall's share is 12, so the two first
        // syncs (18 writes) take several windows.
        await space.running.autotask.setThreshold(limit: 40, usedBeforeStart: 0, window: 60)
        // Slow writes, so the kill lands while a run is writing, not between runs.
        for companyId in [SampleMSP.contosoCompanyId, SampleMSP.fabrikamCompanyId] {
            await space.running.autotask.control.inject(
                Fault(.delay(seconds: 0.4), pathContains: "Companies/\(companyId)/Contacts", count: nil))
        }
        var served = try Served(space, port: Self.freePort())
        defer { served.stop() }

        // Kill it while it writes, in the middle of the first window.
        #expect(await Self.eventually(30) { await space.running.autotask.writeCount() >= 2 }, "the syncs began writing")
        served.kill9()
        let writesAtKill = await space.running.autotask.writeCount()
        // Restarted with writes at full speed and room in the budget, it finishes without waiting for windows.
        await space.running.autotask.control.clearFaults()
        await space.running.autotask.setThreshold(limit: 1_000, usedBeforeStart: 0, window: 60)
        served = try Served(space, port: Self.freePort())
        let done = try await Self.eventually(150) {
            let states = try await Self.states(space)
            return states["Contoso"] == "inStep" && states["Fabrikam"] == "inStep"
        }
        let finalStates = try await Self.states(space)
        #expect(done, "both syncs finished after the restart: \(finalStates)\n\(served.output.suffix(3000))")
        served.stop()
        #expect(await space.running.autotask.writeCount() > writesAtKill, "the restarted service went on writing")

        // The kill interrupted a run: its start is in the log with no end.
        var interrupted = 0
        for company in ["Contoso", "Fabrikam"] {
            let history = try await space.rollcall(["history", "--company", company, "--json"])
            let runs = (try? JSONSerialization.jsonObject(with: Data(history.output.utf8)) as? [String: Any])?["runs"] as? [[String: Any]] ?? []
            interrupted += runs.filter { $0["outcome"] as? String == "running" }.count
        }
        #expect(interrupted >= 1, "a run was killed while writing")

        for (companyId, domain) in [(SampleMSP.contosoCompanyId, "contoso.com"), (SampleMSP.fabrikamCompanyId, "fabrikam.com")] {
            let emails = await space.running.autotask.contacts(companyId: companyId).compactMap { $0.emailAddress?.lowercased() }
                .filter { $0.hasSuffix("@" + domain) }
            #expect(Set(emails).count == emails.count, "nobody twice in company \(companyId): \(emails.sorted())")
        }
        let contoso = await space.running.autotask.contacts(companyId: SampleMSP.contosoCompanyId)
        #expect(contoso.filter { ($0.isActive ?? 1) == 1 }.count >= 8, "Contoso's eight eligible staff are active contacts")
        let fabrikam = await space.running.autotask.contacts(companyId: SampleMSP.fabrikamCompanyId)
        #expect(fabrikam.count == 10, "Fabrikam's ten eligible staff, once each")
    }
}
