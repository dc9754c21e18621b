// `rollcall serve`: the control API behind its bearer token, and the schedule of R11.1.

import AsyncHTTPClient
import ContactSync
import Emulators
import Foundation
import RollcallTesting
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SyncEngine
import Synchronization
import Testing

@Suite("The service: control API and schedule")
struct ServeTests {
    static let token = "test-token-0123456789abcdef"

    /// Starts the control API on a free loopback port; returns its base URL and a way to stop it.
    static func startAPI(_ coordinator: RunCoordinator, viewerToken: String? = nil) async throws -> (String, Task<Void, any Error>) {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "rollcall.test.api")
        logger.logLevel = .critical
        let app = Application(
            router: ControlAPI.router(coordinator: coordinator, token: Self.token, viewerToken: viewerToken),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.run() }
        var ports = stream.makeAsyncIterator()
        let port = await ports.next() ?? 0
        return ("http://127.0.0.1:\(port)", task)
    }

    func call(_ method: NIOHTTP1.HTTPMethod, _ url: String, token: String?) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test("R11.2 the API refuses requests without the bearer token and runs a company on request")
    func apiRuns() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        var logger = Logger(label: "rollcall.test")
        logger.logLevel = .critical
        let coordinator = RunCoordinator(engine: scenario.engine, logger: logger)
        let (base, server) = try await Self.startAPI(coordinator)
        defer { server.cancel() }

        #expect(try await call(.GET, "\(base)/healthz", token: nil).0 == 401)
        #expect(try await call(.GET, "\(base)/healthz", token: "wrong-token-0123456789abcd").0 == 401)
        #expect(try await call(.POST, "\(base)/companies/Contoso/runs", token: nil).0 == 401)
        #expect(try await call(.GET, "\(base)/healthz", token: Self.token).0 == 200)
        #expect(try await call(.POST, "\(base)/companies/Nobody/runs", token: Self.token).0 == 404)

        let (status, body) = try await call(.POST, "\(base)/companies/Contoso/runs", token: Self.token)
        #expect(status == 202)
        #expect(body.contains("started"))
        var finished = false
        for _ in 0..<100 where !finished {
            try await Task.sleep(for: .milliseconds(100))
            let (_, runs) = try await call(.GET, "\(base)/companies/Contoso/runs", token: Self.token)
            finished = runs.contains("\"outcome\":\"completed\"")
        }
        #expect(finished)
        #expect(await scenario.contacts("Contoso").filter(\.active).count == 9)
    }

    @Test("R11.1 the schedule asks for a run after settings change and at the daily time, not otherwise")
    func schedule() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        var logger = Logger(label: "rollcall.test")
        logger.logLevel = .critical
        let coordinator = RunCoordinator(engine: scenario.engine, logger: logger)
        let clock = ManualClock(Date())
        let scheduler = SchedulerService(
            coordinator: coordinator, reload: { nil }, timeZone: TimeZone(identifier: "UTC")!, logger: logger,
            now: { clock.now })
        // Nothing recorded yet: both companies' settings are new, so both runs are due now (within R11.1's 5 minutes).
        await scheduler.pass()
        #expect(await coordinator.isBusy("Contoso"))
        #expect(await coordinator.isBusy("Fabrikam"))
        await coordinator.waitUntilIdle()
        let runs = await coordinator.summaries("Contoso")
        #expect(runs.count == 1)

        // Settings recorded, daily slot not reached since: nothing is due.
        await scheduler.pass()
        #expect(!(await coordinator.isBusy("Contoso")))
        await coordinator.waitUntilIdle()
        #expect(await coordinator.summaries("Contoso").count == 1)

        // A day later, past Contoso's 02:00: the daily run is due.
        clock.now = clock.now.addingTimeInterval(26 * 3600)
        await scheduler.pass()
        await coordinator.waitUntilIdle()
        #expect(await coordinator.summaries("Contoso").count == 2)
    }
}

@Suite("Settings that do not fit the PSA or tenant")
struct BadSettingsE2ETests {
    @Test("R2.1 a default site the PSA company lacks is refused before anything is appended or written", arguments: [SampleMSP.PSA.autotask, .connectwise])
    func unknownSite(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa) { $0.replacingOccurrences(of: "defaultSite: Main\n    deactivateOutOfScope", with: "defaultSite: Site 9\n    deactivateOutOfScope") }
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .badSettings)
        #expect(summary.message?.contains("Site 9") == true)
        #expect(try await scenario.store.count() == 0)
        #expect(await scenario.psaWrites() == 0)
    }

    @Test("R2.2 a license filter naming a SKU the tenant lacks is refused before anything is appended")
    func unknownLicense() async throws {
        let scenario = try await Scenario(psa: .autotask) { $0.replacingOccurrences(of: "license: SPB,", with: "license: NOT_A_SKU,") }
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Fabrikam")
        #expect(summary.status == .badSettings)
        #expect(summary.message?.contains("NOT_A_SKU") == true)
        #expect(try await scenario.store.count() == 0)
    }
}
