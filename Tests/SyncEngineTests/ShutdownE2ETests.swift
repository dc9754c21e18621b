// A graceful shutdown (SIGTERM to `rollcall serve`, through swift-service-lifecycle) stops a run between steps: it
// records why it stopped, writes nothing more, and the next run goes on from what the log says is done.

import ContactSync
import Emulators
import Foundation
import ServiceLifecycleTestKit
import SyncEngine
import Testing

@Suite("Graceful shutdown")
struct ShutdownE2ETests {
    @Test("a shutdown under way when a run starts stops it after reading, with RunFailed 'stopped' and no write",
          arguments: [SampleMSP.PSA.autotask, .connectwise])
    func stopsAfterReading(psa: SampleMSP.PSA) async throws {
        let scenario = try await Scenario(psa: psa)
        defer { Task { await scenario.stop() } }
        let stopped = try await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()
            return try await scenario.run("Contoso")
        }
        #expect(stopped.status == .failed)
        #expect(stopped.message?.contains("shutting down: the run stopped after reading Microsoft 365") == true)
        #expect(await scenario.psaWrites() == 0)
        let end = try #require(try await scenario.events("Contoso", run: stopped.runId).last)
        guard case .runFailed(let failed) = end.event else { Issue.record("the run ended with \(end.event)"); return }
        #expect(failed.kind == "stopped")

        // The next run, with no shutdown, does the work.
        let next = try await scenario.run("Contoso")
        #expect(next.status == .completed || next.status == .held)
        #expect(next.created > 0)
        #expect(await scenario.psaWrites() > 0)
    }

    @Test("a shutdown that arrives while a run plans stops it before its plan is recorded or written")
    func stopsBetweenPlanningAndDeciding() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        let stopped = try await testGracefulShutdown { trigger in
            try await scenario.engine.run(company: "Contoso") { progress in
                if case .step(_, "planning") = progress { trigger.triggerGracefulShutdown() }
            }
        }
        #expect(stopped.status == .failed)
        #expect(stopped.message?.contains("stopped after planning") == true)
        let events = try await scenario.events("Contoso", run: stopped.runId)
        #expect(events.contains { if case .directoryUserObserved = $0.event { true } else { false } })
        #expect(!events.contains { if case .commandPlanned = $0.event { true } else { false } })
        #expect(await scenario.psaWrites() == 0)
    }
}
