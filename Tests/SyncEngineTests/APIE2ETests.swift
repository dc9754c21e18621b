// Issue 18's API, for scripts and RMM tools: it does what the console does. A run asked for answers its id and reads
// back by it, with writes naming people; a held run reads as held; companies, status and approvals are listed; approve
// and dismiss need the admin token; /healthz says when rollcall.yaml is broken and the previous settings run.

import AsyncHTTPClient
import ContactSync
import Emulators
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SyncEngine
import Testing

@Suite("The API does what the console does", .serialized)
struct APIE2ETests {
    static let admin = ServeTests.token
    static let viewer = "viewer-token-0123456789abcdef"

    func call(_ method: NIOHTTP1.HTTPMethod, _ url: String, token: String?, body: String? = nil) async throws -> (Int, [String: Any], String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(string: body)); request.headers.add(name: "Content-Type", value: "application/json") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object, text)
    }

    /// Waits for a run to end; answers it as the API reads it.
    func ended(_ base: String, _ company: String, _ runId: String) async throws -> [String: Any] {
        for _ in 0..<200 {
            let (status, run, _) = try await call(.GET, "\(base)/companies/\(company)/runs/\(runId)", token: Self.viewer)
            if status == 200, let outcome = run["outcome"] as? String, outcome != "running" { return run }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("run \(runId) of \(company) did not end")
        return [:]
    }

    @Test("POST runs answers the run's id; the run reads back by id naming people; a held run reads as held and is listed; approve and dismiss need the admin token; a dismissal names who and why")
    func runsHoldsAndDecisions() async throws {
        let scenario = try await Scenario(psa: .autotask) { yaml in
            YAML.set(yaml, company: "Contoso", "deactivationThreshold", "{ count: 2, percent: 10 }")
        }
        defer { Task { await scenario.stop() } }
        var logger = Logger(label: "rollcall.test")
        logger.logLevel = .critical
        let coordinator = RunCoordinator(engine: scenario.engine, logger: logger)
        let (base, server) = try await ServeTests.startAPI(coordinator, viewerToken: Self.viewer)
        defer { server.cancel() }

        // A run asked for answers its id, and reads back by it with each write naming the person.
        let (status, started, _) = try await call(.POST, "\(base)/companies/Contoso/runs", token: Self.admin)
        #expect(status == 202)
        let first = try #require(started["runId"] as? String, "\(started)")
        #expect(started["href"] as? String == "/companies/Contoso/runs/\(first)")
        let run1 = try await ended(base, "Contoso", first)
        #expect(run1["outcome"] as? String == "completed")
        #expect((run1["origin"] as? [String: Any])?["source"] as? String == "api")
        let writes = run1["writes"] as? [[String: Any]] ?? []
        #expect(!writes.isEmpty && writes.allSatisfy { ($0["person"] as? String)?.contains("@contoso.com>") == true }, "\(writes)")

        // Three users lose their licenses: the next run is held, and reads as held.
        for index in [1, 2, 3] {
            try await scenario.running.graph.removeLicenses(Scenario.userId("Contoso", index), in: SampleMSP.contosoTenant)
        }
        let second = try #require(try await call(.POST, "\(base)/companies/Contoso/runs", token: Self.admin).1["runId"] as? String)
        let run2 = try await ended(base, "Contoso", second)
        #expect(run2["outcome"] as? String == "held", "\(run2)")
        #expect((run2["hold"] as? [String: Any])?["state"] as? String == "waiting")
        let approvals = try JSONSerialization.jsonObject(with: Data(try await call(.GET, "\(base)/approvals", token: Self.viewer).2.utf8)) as? [[String: Any]]
        #expect(approvals?.count == 1 && approvals?.first?["runId"] as? String == second && approvals?.first?["deactivations"] as? Int == 3, "\(approvals ?? [])")
        let companies = try JSONSerialization.jsonObject(with: Data(try await call(.GET, "\(base)/companies", token: Self.viewer).2.utf8)) as? [[String: Any]]
        #expect(companies?.first { $0["name"] as? String == "Contoso" }?["state"] as? String == "held", "\(companies ?? [])")
        #expect(try await call(.GET, "\(base)/companies/Fabrikam", token: Self.viewer).1["state"] as? String == "neverRun")

        // The viewer token reads but cannot start, approve or dismiss.
        #expect(try await call(.POST, "\(base)/companies/Contoso/runs", token: Self.viewer).0 == 403)
        #expect(try await call(.POST, "\(base)/companies/Contoso/holds/\(second)/approve", token: Self.viewer).0 == 403)
        #expect(try await call(.POST, "\(base)/companies/Contoso/holds/\(second)/dismiss", token: Self.viewer, body: #"{"reason":"x"}"#).0 == 403)

        // A dismissal needs a reason; with one it names who and why, and nothing is deactivated.
        #expect(try await call(.POST, "\(base)/companies/Contoso/holds/\(second)/dismiss", token: Self.admin, body: #"{"by":"sam"}"#).0 == 400)
        let (dismissed, decision, _) = try await call(
            .POST, "\(base)/companies/Contoso/holds/\(second)/dismiss", token: Self.admin, body: #"{"by":"sam","reason":"renewal under way"}"#)
        #expect(dismissed == 200 && decision["decision"] as? String == "dismissed" && decision["contacts"] as? Int == 3, "\(decision)")
        let after = try await call(.GET, "\(base)/companies/Contoso/runs/\(second)", token: Self.viewer).1
        #expect((after["hold"] as? [String: Any])?["by"] as? String == "sam")
        #expect((after["hold"] as? [String: Any])?["reason"] as? String == "renewal under way")
        #expect(try await call(.GET, "\(base)/approvals", token: Self.viewer).2 == "[]")
        #expect(try await call(.POST, "\(base)/companies/Contoso/holds/\(second)/approve", token: Self.admin).0 == 409, "nothing is held any more")

        // R8.7: the next run leaves those three contacts active.
        let third = try #require(try await call(.POST, "\(base)/companies/Contoso/runs", token: Self.admin).1["runId"] as? String)
        #expect(try await ended(base, "Contoso", third)["outcome"] as? String == "completed")
        let inactive = await scenario.contacts("Contoso").filter { !$0.active }
        #expect(inactive.isEmpty, "the dismissed deactivations were not applied: \(inactive)")
    }

    @Test("/healthz says when rollcall.yaml is broken and the previous settings are in force, then recovers")
    func healthReportsBrokenSettings() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        let port = KillResumeE2ETests.freePort()
        let served = try KillResumeE2ETests.Served(space, port: port)
        defer { served.stop() }
        let base = "http://127.0.0.1:\(port)"
        let token = "kill-resume-test-token-0123456789"
        #expect(await KillResumeE2ETests.eventually(20) { served.output.contains("console on") }, "serve started: \(served.output)")
        #expect(try await call(.GET, "\(base)/healthz", token: token).1["status"] as? String == "ok")

        let file = URL(fileURLWithPath: space.config)
        let good = try String(contentsOf: file, encoding: .utf8)
        try (good + "\nunknownKey: [\n").write(to: file, atomically: true, encoding: .utf8)
        var health: [String: Any] = [:]
        #expect(await KillResumeE2ETests.eventually(20) {
            health = (try? await call(.GET, "\(base)/healthz", token: token).1) ?? [:]
            return health["status"] as? String == "degraded"
        }, "\(health)")
        #expect((health["settings"] as? String)?.contains("previous settings are in force") == true, "\(health)")
        #expect((health["settings"] as? String)?.contains("rollcall.yaml") == true, "names the file: \(health)")

        try good.write(to: file, atomically: true, encoding: .utf8)
        #expect(await KillResumeE2ETests.eventually(20) {
            (try? await call(.GET, "\(base)/healthz", token: token).1["status"] as? String) == "ok"
        })
    }
}
