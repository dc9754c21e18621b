// `rollcall serve`'s clock: runs each company daily at its `dailyAt`, and within 5 minutes of its settings changing.

import ContactSync
import Foundation
import Logging
import ServiceLifecycle

/// Polls the schedule (R11.1) and rollcall.yaml, asking the coordinator for the runs that are due.
public struct SchedulerService: Service {
    let coordinator: RunCoordinator
    let reload: @Sendable () throws -> SyncEngine?
    let tick: Duration
    let timeZone: TimeZone
    let logger: Logger
    let now: @Sendable () -> Date

    /// Makes the scheduler. `reload` returns a new engine when rollcall.yaml changed (nil when unchanged) and throws
    /// when the new file is invalid (the old settings then stay in force).
    public init(
        coordinator: RunCoordinator, reload: @escaping @Sendable () throws -> SyncEngine?, tick: Duration = .seconds(30),
        timeZone: TimeZone = .current, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.coordinator = coordinator
        self.reload = reload
        self.tick = tick
        self.timeZone = timeZone
        self.logger = logger
        self.now = now
    }

    /// Runs until graceful shutdown, then waits for the runs going, which stop after their current step (they see
    /// the same shutdown).
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await pass()
                try? await Task.sleep(for: tick)
            }
        } onGracefulShutdown: {
            logger.notice("stopping: no new runs; runs going stop after their current step")
        }
        await coordinator.shutdown(cancelRunning: false)
    }

    /// One look at the schedule: reloads settings, then asks for every run that is due.
    public func pass() async {
        do {
            if let engine = try reload() {
                await coordinator.replace(engine: engine)
                logger.notice("rollcall.yaml changed; new settings in force")
            }
        } catch {
            logger.error("rollcall.yaml changed but cannot be used; the previous settings stay in force: \(error)")
        }
        let engine = await coordinator.currentEngine()
        var due: [DueRun] = []
        for company in engine.settings.companies where company.enabled {
            guard !(await coordinator.isBusy(company.name)) else { continue }
            // R11.6: a run paused at the API budget goes on by itself once its window reopens, window after window.
            if let until = await coordinator.pausedUntil(company.name), until <= now() {
                due.append(DueRun(company: company.name, trigger: .resumed, since: until))
                continue
            }
            guard let daily = DailyTime(company.dailyAt) else { continue }
            let settingsChanged = await coordinator.recordedSettings(company.name) != company
            let trigger = RunSchedule.due(
                now: now(), enabled: company.enabled, lastRunStartedAt: await coordinator.lastRunStarted(company.name),
                settingsChangedAt: settingsChanged ? now() : nil, dailyAt: daily, timeZone: timeZone)
            guard let trigger else { continue }
            let since = trigger == .schedule ? RunSchedule.lastDailySlot(atOrBefore: now(), at: daily, timeZone: timeZone) : now()
            due.append(DueRun(company: company.name, trigger: trigger, since: since))
        }
        // R11.7: by trigger (manual, settings change, daily, resumed), then the longest waiting first, so a long sync
        // going on is asked for after every other company's run.
        for run in RunSchedule.ordered(due) {
            do {
                try await coordinator.request(
                    company: run.company, trigger: run.trigger, mode: .delta,
                    origin: RunOrigin(run.trigger == .settingsChanged ? .settingsChange : .schedule))
                logger.info("run of \(run.company) asked for (\(run.trigger.rawValue))")
            } catch {
                logger.error("could not start a run of \(run.company): \(error)")
            }
        }
    }
}
