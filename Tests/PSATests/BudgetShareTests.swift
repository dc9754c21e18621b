// R11.6 on an injected clock: Rollcall's share of the Autotask database's hourly budget, counted in a rolling window,
// and the ceiling on the database's total; no test sleeps.

import Autotask
import ConnectWise
import Emulators
import Logging
import RollcallTesting
import ContactSync
import Foundation
import Synchronization
import Testing

@Suite("R11.6 the API budget share, on an injected clock")
struct BudgetShareTests {
    /// Spends requests until the budget refuses one; answers how many went and the refusal.
    static func spendUntilRefused(_ budget: AutotaskBudget, clock: ManualClock, every step: TimeInterval = 1, limit: Int = 10_000)
        async -> (Int, PSAError?) {
        var spent = 0
        while spent < limit {
            do {
                try await budget.spend()
            } catch {
                return (spent, error)
            }
            spent += 1
            clock.advance(step)
        }
        return (spent, nil)
    }

    @Test("R11.6: Rollcall uses at most budgetShare of the threshold in a rolling window, then says when to go on")
    func shareIsKept() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let budget = AutotaskBudget(share: 30, ceiling: 100, now: { clock.now })
        await budget.record(AutotaskThreshold(limit: 1_000, timeframeMinutes: 60, used: 0))
        let start = clock.now
        let (spent, refusal) = await Self.spendUntilRefused(budget, clock: clock)
        #expect(spent == 300)
        let error = try #require(refusal)
        #expect(error.kind == .budgetExhausted && error.retryable)
        #expect(error.message.contains("budgetShare 30%"), "\(error.message)")
        // It goes on once half the share has left the window: the 150th request, sent at start + 149 s, leaves at +1 h.
        let resume = try #require(error.retryAfter)
        #expect(resume == start.addingTimeInterval(149 + 3600))

        clock.now = start.addingTimeInterval(3599)
        await #expect(throws: PSAError.self, "nothing has left the rolling window yet") { try await budget.spend() }
        clock.now = resume
        let (again, _) = await Self.spendUntilRefused(budget, clock: clock, every: 0)
        #expect(again == 150, "half the share is free again")
        #expect(budget.usage().used == 300)
    }

    @Test("R11.6: Rollcall adds nothing once the database's total reaches budgetCeiling, whoever used it")
    func ceilingIsKept() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let budget = AutotaskBudget(share: 30, ceiling: 50, now: { clock.now })
        await budget.record(AutotaskThreshold(limit: 10_000, timeframeMinutes: 60, used: 4_990))
        let (spent, refusal) = await Self.spendUntilRefused(budget, clock: clock)
        #expect(spent == 10, "4,990 used by others: Rollcall may take the total to 5,000 and no further")
        let error = try #require(refusal)
        #expect(error.message.contains("budgetCeiling 50%"), "\(error.message)")
        #expect(try #require(error.retryAfter) > clock.now)
    }

    @Test("R11.6: a reading at the ceiling from an earlier run stops the next run's reads only while it is fresh")
    func staleReadingExpires() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let budget = AutotaskBudget(share: 30, ceiling: 50, now: { clock.now })
        await budget.record(AutotaskThreshold(limit: 10_000, timeframeMinutes: 60, used: 5_000))
        await #expect(throws: PSAError.self, "at the ceiling") { try await budget.spend() }
        await budget.beginRun()
        clock.advance(60)
        await #expect(throws: PSAError.self, "a minute-old reading still counts") { try await budget.spend() }
        clock.advance(5 * 60)
        try await budget.spend()   // older than a twelfth of the window: the total has moved on; a write reads it again
    }

    @Test("R11.6: requests another process sent count against the share until they leave the window")
    func rememberedRequestsCount() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let budget = AutotaskBudget(share: 30, ceiling: 100, now: { clock.now })
        await budget.record(AutotaskThreshold(limit: 1_000, timeframeMinutes: 60, used: 0))
        budget.remember(requests: 280, leaving: clock.now.addingTimeInterval(600))
        let (spent, _) = await Self.spendUntilRefused(budget, clock: clock, every: 0)
        #expect(spent == 20)
        clock.advance(601)
        let (later, _) = await Self.spendUntilRefused(budget, clock: clock, every: 0)
        #expect(later == 280, "the remembered requests left the window; this process's 20 are still in it")
    }

    @Test("R11.6: a process that only guesses the threshold (Autotask's documented 10,000) reads it before refusing on the guess")
    func guessedThresholdIsRead() async throws {
        // Earlier runs recorded 5,000 requests and no threshold: beyond 30% of the guessed 10,000, well within 30% of the
        // database's real 100,000.
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1, threshold: 100_000), budgetShare: 30, budgetCeiling: 50)
        defer { Task { await harness.stop() } }
        await harness.connection.remember(requests: 5_000, leaving: Date().addingTimeInterval(1_800), threshold: nil)
        let new = NewContact(fields: ContactFields(firstName: "Ada", lastName: "Lovelace", email: "ada@contoso.example"), siteId: nil)
        let created = try await harness.connection.write(.create(new), companyId: 29_683_616, current: nil)
        #expect(created.status == 200)
        #expect(await harness.connection.budget.lastReading()?.limit == 100_000)
        // Once the real threshold is known, the share is judged by it: 30,000, not 3,000.
        #expect(harness.connection.budget.usage().share == 30_000)
    }

    @Test("R11.6: a count near Int.max from the server saturates instead of trapping")
    func hugeNumbers() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let budget = AutotaskBudget(share: 30, ceiling: 50, now: { clock.now })
        await budget.record(AutotaskThreshold(limit: Int.max, timeframeMinutes: Int.max, used: Int.max))
        await #expect(throws: PSAError.self) { try await budget.spend() }
        let small = AutotaskBudget(share: 30, ceiling: 50, now: { clock.now })
        await small.record(AutotaskThreshold(limit: Int.max, timeframeMinutes: 60, used: 0))
        try await small.spend()
    }

    @Test("ConnectWise: requestsPerMinute spaces requests so no rolling minute holds more than the cap")
    func connectWiseCap() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let waits = Mutex<[TimeInterval]>([])
        let pacer = RequestPacer(perMinute: 3, now: { clock.now }, sleep: { seconds in
            waits.withLock { $0.append(seconds) }
            clock.advance(seconds)
        })
        try await withConnectWise { rig in
            let connection = ConnectWiseConnection(configuration: rig.configuration, logger: Logger(label: "test.connectwise"), pacer: pacer)
            for _ in 0..<7 {
                _ = try await connection.contactTypes()
                clock.advance(1)
            }
            #expect(await rig.emulator.control.requestCount() >= 7)
        }
        // Requests at 0, 1, 2 s; the 4th waits for the 1st to age out (60 s after it), and so on.
        let waited = waits.withLock { $0 }
        #expect(waited.count == 2, "\(waited)")
        #expect(waited.first == 57, "\(waited)")
        let none = RequestPacer(perMinute: nil)
        for _ in 0..<100 { try await none.admit() }
    }
}
