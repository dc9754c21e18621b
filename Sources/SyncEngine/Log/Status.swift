// `rollcall status`: where each company stands, read from the log: in step, syncing, paused until, held or failed;
// the writes left and when it should be in step at the current budget share; approvals waiting.

import ContactSync
import Foundation

/// One company's standing, as `rollcall status` and the console show it.
public struct CompanyStatus: Sendable, Hashable {
    /// The company's state, in the words the status line uses.
    public enum State: String, Sendable, Hashable {
        case inStep, syncing, paused, held, failed, interrupted, neverRun, disabled
    }

    /// Deactivations a run holds for approval (R8.4).
    public struct Hold: Sendable, Hashable {
        public var runId: String
        public var deactivations: Int
    }

    public var company: String
    public var enabled: Bool
    public var state: State
    /// Why, when the state needs a reason (a failure's message, a pause's reason).
    public var detail: String?
    /// The latest run that writes, if any.
    public var lastRun: RunRecord?
    /// A paused run: when it goes on.
    public var pausedUntil: Date?
    /// Writes planned and not yet sent (a paused run's).
    public var writesLeft: Int
    /// When the company should be in step at the current share, for a paused run.
    public var inStepBy: Date?
    /// PSA requests the company's runs sent in the budget's current window (the last hour), as recorded.
    public var requestsInWindow: Int
    public var holds: [Hold]
    /// R11.7: a run `serve` was asked for and has not started yet: why, and since when.
    public var queued: DueRun?
}

/// Reads every company's standing from the log.
public enum FleetStatus {
    /// The budget window R11.6 counts requests in (Autotask's hour).
    public static let window: TimeInterval = 3600

    /// Each company's status at `now`, in settings order. `perWindow` is how many writes a window of Rollcall's share
    /// allows (for the in-step estimate; `nil` when the PSA has no hourly budget).
    /// `only` reads one company's log instead of every company's (a page or API call about one company).
    public static func read(engine: SyncEngine, now: Date = Date(), perWindow: Int?, only: String? = nil) async throws -> [CompanyStatus] {
        var statuses: [CompanyStatus] = []
        for company in engine.settings.companies where only.map({ $0 == company.name }) ?? true {
            let log = engine.log(for: company.name)
            let runs = try await History.runs(log: log).filter { !$0.dryRun }
            let state = try await log.currentState()
            let holds = state.heldRuns.sorted { $0.key < $1.key }.map { CompanyStatus.Hold(runId: $0.key, deactivations: $0.value.count) }
            let last = runs.last
            let windowStart = now.addingTimeInterval(-window)
            let requests = runs.filter { ($0.endedAt ?? $0.startedAt) > windowStart }.reduce(0) { $0 + ($1.psaRequests ?? 0) }
            var status = CompanyStatus(
                company: company.name, enabled: company.enabled, state: .inStep, lastRun: last, writesLeft: 0,
                requestsInWindow: requests, holds: holds, queued: try await queued(log, company: company.name))
            switch last?.outcome {
            case nil:
                status.state = company.enabled ? .neverRun : .disabled
            case "running":
                status.state = await isRunning(engine: engine, company: company.name) ? .syncing : .interrupted
            case "paused":
                status.state = .paused
                status.pausedUntil = last?.resumeAt
                // A run that paused while reading did not plan: the writes left are the last pause's that knew them.
                status.writesLeft = runs.reversed().prefix { $0.outcome == "paused" }.lazy.compactMap(\.writesLeft).first ?? 0
                status.detail = last?.error
                if let resume = last?.resumeAt, let perWindow, perWindow > 0 {
                    let windows = max(0, (status.writesLeft + perWindow - 1) / perWindow - 1)
                    status.inStepBy = resume.addingTimeInterval(Double(windows) * window)
                }
            case "failed":
                status.state = .failed
                status.detail = last?.error
            default:
                status.state = holds.isEmpty ? .inStep : .held
                if let counts = last?.counts, counts.failed > 0 {
                    status.detail = "\(counts.failed) write\(counts.failed == 1 ? "" : "s") failed in the last run; the next run tries again"
                }
            }
            if !company.enabled && status.state != .syncing { status.state = .disabled }
            statuses.append(status)
        }
        return statuses
    }

    /// The run request waiting in `serve`'s queue, if any (R11.7): a request recorded as queued that no later run start
    /// has taken up. Each request recorded as started is taken up by the next run start; the next one after that is
    /// the queued run's.
    static func queued(_ log: CompanyLog, company: String) async throws -> DueRun? {
        var waiting: DueRun?
        var startsOwed = 0
        for try await envelope in log.envelopes(types: [RunRequested.eventType, RunStarted.eventType]) {
            switch envelope.event {
            case .runRequested(let request):
                switch request.outcome {
                case .started: startsOwed += 1
                case .queued: waiting = DueRun(company: company, trigger: request.trigger, since: envelope.recordedAt)
                case .merged: if request.trigger == .manual { waiting?.trigger = .manual }
                }
            case .runStarted(let started) where !started.dryRun:
                if startsOwed > 0 { startsOwed -= 1 } else { waiting = nil }
            default:
                continue
            }
        }
        return waiting
    }

    /// Whether another process or task holds the company's run lock right now.
    static func isRunning(engine: SyncEngine, company: String) async -> Bool {
        guard let lock = try? await RunLock.acquire(databasePath: engine.store.path, company: company, wait: .zero) else {
            return true
        }
        lock.release()
        return false
    }
}
