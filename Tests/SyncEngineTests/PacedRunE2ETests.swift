// R11.6 end to end over loopback, on an injected clock: a first sync larger than Rollcall's share of the Autotask
// budget pauses (not fails), goes on window after window from what the log says is done, and writes nobody twice.

import Autotask
import ContactSync
import Emulators
import EventLog
import Foundation
import Logging
import RollcallTesting
import SyncEngine
import Synchronization
import Testing

@Suite("R11.6 paced runs end to end")
struct PacedRunE2ETests {
    /// Contoso with a synthetic tenant, on an Autotask database of 400 requests an hour of which other integrations
    /// use `others`; the budget (share 30%, ceiling 50%) and the emulator's window both read `clock`.
    static func paced(
        users: Int, seed: UInt64, others: Int = 40, clock: ManualClock, editYAML: (String) -> String = { $0 }
    ) async throws -> (scenario: Scenario, budget: AutotaskBudget, eligible: Int) {
        let budget = AutotaskBudget(share: 30, ceiling: 50, now: { clock.now })
        let tenant = GraphTenant.synthetic(users: users, seed: seed, domain: SampleMSP.contosoTenant)
        let scenario = try await Scenario(
            psa: .autotask, tenants: [tenant, SampleMSP.fabrikam()], autotaskBudget: budget, editYAML: editYAML)
        await scenario.running.autotask.setThreshold(limit: 400, usedBeforeStart: others, window: 3600)
        await scenario.running.autotask.setClock { clock.now }
        let eligible = tenant.users.filter { $0.accountEnabled == true && !$0.assignedLicenses.isEmpty }.count
        return (scenario, budget, eligible)
    }

    @Test("R11.6 e2e: a sync bigger than the share pauses with its writes left, resumes each window, and ends with one contact a person")
    func pausesAndResumes() async throws {
        let clock = ManualClock()
        // A database of 400 requests an hour; other integrations use 40 in every window. Rollcall's share is 120.
        let (scenario, budget, eligible) = try await Self.paced(users: 150, seed: 11, clock: clock)
        defer { Task { await scenario.stop() } }

        var summaries: [RunSummary] = []
        var summary = try await scenario.run("Contoso")
        summaries.append(summary)
        while summary.status == .paused, summaries.count < 10 {
            #expect(summary.failed == 0, "a pause is not a failure")
            #expect((summary.writesLeft ?? 1) > 0)
            #expect(budget.usage().used <= 120, "never above the share in a window")
            let resumeAt = try #require(summary.resumeAt)
            // Before the window reopens, a run goes nowhere: it pauses again and writes nothing.
            let early = try await scenario.run("Contoso", RunOptions(trigger: .resumed))
            #expect(early.status == .paused)
            #expect(early.created == 0)
            clock.now = resumeAt.addingTimeInterval(1)
            summary = try await scenario.run("Contoso", RunOptions(trigger: .resumed))
            summaries.append(summary)
        }
        #expect(summary.status == .completed, "\(summary.message ?? "")")
        let writes = eligible
        let windows = summaries.count
        // Each window gives at least half the share (60 requests); reads and checks take a few of them.
        #expect(windows <= Int((Double(writes) / 60).rounded(.up)) + 2, "\(windows) windows for \(writes) writes")
        #expect(summaries.reduce(0) { $0 + $1.created } == writes)

        let contacts = await scenario.contacts("Contoso").filter { $0.email?.hasSuffix("@" + SampleMSP.contosoTenant) == true }
        #expect(contacts.count == writes, "every eligible user has a contact")
        #expect(Set(contacts.compactMap { $0.email?.lowercased() }).count == contacts.count, "nobody twice")

        let events = try await scenario.events("Contoso")
        let paused = events.compactMap { envelope -> RunPaused? in
            if case .runPaused(let p) = envelope.event { return p } else { return nil }
        }
        #expect(paused.count == summaries.count - 1 + (summaries.count - 1), "each window's pause, and each early run's")
        #expect(paused.allSatisfy { $0.psaRequests <= 120 })
        let state = try await scenario.engine.log(for: "Contoso").currentState()
        #expect(state.failedWrites.isEmpty, "writes held back by the budget are not failures to retry")
    }

    @Test("R11.6 e2e: the database's total is never pushed past the ceiling by Rollcall")
    func ceilingHolds() async throws {
        let clock = ManualClock()
        // Other integrations already use 180 of 400: the ceiling (200) leaves Rollcall 20, well under its share.
        let (scenario, budget, _) = try await Self.paced(users: 60, seed: 12, others: 180, clock: clock)
        defer { Task { await scenario.stop() } }
        let summary = try await scenario.run("Contoso")
        #expect(summary.status == .paused)
        #expect(summary.message?.contains("budgetCeiling 50%") == true, "\(summary.message ?? "")")
        let threshold = try #require(await budget.lastReading())
        #expect(threshold.used + (await budget.spent()) <= 200)
    }

    @Test("R11.6 e2e: serve goes on with a paused run by itself once the window reopens, window after window")
    func serveResumes() async throws {
        let clock = ManualClock()
        let (scenario, _, eligible) = try await Self.paced(users: 150, seed: 13, clock: clock) {
            YAML.set($0, company: "Fabrikam", "enabled", "false")
        }
        defer { Task { await scenario.stop() } }
        #expect(try await scenario.run("Contoso").status == .paused)

        var logger = Logger(label: "rollcall.test")
        logger.logLevel = .critical
        let coordinator = RunCoordinator(engine: scenario.engine, logger: logger, now: { clock.now })
        let scheduler = SchedulerService(coordinator: coordinator, reload: { nil }, logger: logger, now: { clock.now })
        func triggers() async throws -> [RunTrigger] {
            try await scenario.events("Contoso").compactMap { envelope -> RunTrigger? in
                if case .runStarted(let r) = envelope.event { return r.trigger } else { return nil }
            }
        }
        await scheduler.pass()
        await coordinator.waitUntilIdle()
        #expect(try await triggers() == [.manual], "nothing goes on before the window reopens")

        var windows = 0
        while let until = await coordinator.pausedUntil("Contoso"), windows < 10 {
            clock.now = until.addingTimeInterval(1)
            await scheduler.pass()
            await coordinator.waitUntilIdle()
            windows += 1
        }
        #expect(await coordinator.pausedUntil("Contoso") == nil, "the sync finished")
        #expect(windows >= 1)
        #expect(try await triggers().dropFirst().allSatisfy { $0 == .resumed })
        let contacts = await scenario.contacts("Contoso").filter { $0.email?.hasSuffix("@" + SampleMSP.contosoTenant) == true }
        #expect(contacts.count == eligible)
        #expect(Set(contacts.compactMap { $0.email?.lowercased() }).count == contacts.count, "nobody twice")
    }

    @Test("R11.7 e2e: while one company's long sync is paced, another company's run still goes in the same window")
    func otherCompaniesStillRun() async throws {
        let clock = ManualClock()
        let (scenario, budget, _) = try await Self.paced(users: 150, seed: 14, clock: clock)
        defer { Task { await scenario.stop() } }

        // The long sync starts first and pauses, leaving the slice (a fifth of the 120-request share) to others.
        let big = try await scenario.run("Contoso", RunOptions(trigger: .schedule))
        #expect(big.status == .paused)
        #expect(big.message?.contains("kept for other companies' runs") == true, "\(big.message ?? "")")
        // Its writes stay out of the slice, less what the foreground (its own reads) already used of it.
        #expect(budget.usage().used <= 120 - 10, "the long sync leaves room for the others")
        // Fabrikam's daily run, in the same window, still goes, within the slice.
        let small = try await scenario.run("Fabrikam", RunOptions(trigger: .schedule))
        #expect(small.status == .completed, "\(small.message ?? "")")
        #expect(small.created == 10)
        #expect(budget.usage().used <= 120, "together never above the share")
    }

    @Test("R11.7: runs are asked for by trigger (manual, settings change, daily, resumed), then the longest waiting first")
    func ordering() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let due = [
            DueRun(company: "Big", trigger: .resumed, since: t0),
            DueRun(company: "B", trigger: .schedule, since: t0.addingTimeInterval(60)),
            DueRun(company: "A", trigger: .schedule, since: t0.addingTimeInterval(120)),
            DueRun(company: "C", trigger: .settingsChanged, since: t0.addingTimeInterval(300)),
            DueRun(company: "D", trigger: .manual, since: t0.addingTimeInterval(400)),
            DueRun(company: "E", trigger: .schedule, since: t0.addingTimeInterval(60)),
        ]
        #expect(RunSchedule.ordered(due).map(\.company) == ["D", "C", "B", "E", "A", "Big"])
    }

    @Test("R11.7 e2e: serve's queue is in the log (RunRequested) and in status while a run waits")
    func queueVisible() async throws {
        let scenario = try await Scenario(psa: .autotask)
        defer { Task { await scenario.stop() } }
        var logger = Logger(label: "rollcall.test")
        logger.logLevel = .critical
        let coordinator = RunCoordinator(engine: scenario.engine, logger: logger)
        // A slow PSA read keeps the first run going while the second request arrives.
        await scenario.psaControl.inject(Fault(.delay(seconds: 1), pathContains: "Contacts/query", count: 1))
        let first = try await coordinator.request(company: "Contoso", trigger: .schedule, mode: .delta)
        let second = try await coordinator.request(company: "Contoso", trigger: .manual, mode: .delta)
        #expect(first == .start(.init(trigger: .schedule, mode: .delta)))
        #expect(second == .queued)
        let waiting = try await FleetStatus.read(engine: scenario.engine, perWindow: nil).first { $0.company == "Contoso" }
        #expect(waiting?.queued?.trigger == .manual, "status shows the manual run waiting")
        await coordinator.waitUntilIdle()
        let after = try await FleetStatus.read(engine: scenario.engine, perWindow: nil).first { $0.company == "Contoso" }
        #expect(after?.queued == nil, "the queued run went")
        let requested = try await scenario.events("Contoso").compactMap { envelope -> RunRequested? in
            if case .runRequested(let r) = envelope.event { return r } else { return nil }
        }
        #expect(requested.map(\.outcome) == [.started, .queued])
        #expect(requested.map(\.trigger) == [.schedule, .manual])
    }
}
