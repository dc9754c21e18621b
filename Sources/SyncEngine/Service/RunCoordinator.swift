// Queues run requests per company so runs never overlap (R11.4), and runs them one after another.

import ContactSync
import EventLog
import Foundation
import Logging
import Synchronization

/// Accepts run requests from the schedule and the HTTP API and runs each company's runs one at a time.
public actor RunCoordinator {
    private var engine: SyncEngine
    private var queues: [String: RunQueue] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    private var lastStarted: [String: Date] = [:]
    private var recordedSettings: [String: CompanySettings?] = [:]
    private var recent: [String: [RunSummary]] = [:]
    /// R11.6: companies whose last run paused at the API budget, and when it goes on (`nil`: not paused).
    private var paused: [String: Date?] = [:]
    private var stopping = false
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// What each company's run going now is doing, for the console's live progress.
    public nonisolated let board = ProgressBoard()

    /// Makes a coordinator over an engine; `now` is injectable for tests.
    public init(engine: SyncEngine, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.engine = engine
        self.logger = logger
        self.now = now
    }

    /// Replaces the engine after rollcall.yaml changed; runs already going finish with the settings they began with.
    public func replace(engine: SyncEngine) { self.engine = engine }

    /// The engine in use.
    public func currentEngine() -> SyncEngine { engine }

    /// Asks for a run; it starts now, waits for the running one, or merges with one already waiting.
    /// The request is recorded as `RunRequested` (R11.7: the queue is visible in the log and in `status`).
    @discardableResult
    public func request(company: String, trigger: RunTrigger, mode: DirectoryReadMode, origin: RunOrigin? = nil) async throws -> RunQueue.Outcome {
        guard !stopping else { throw EngineError(.badArguments, "Rollcall is shutting down; the run was not started") }
        let name = try engine.company(named: company).name
        let outcome = queues[name, default: RunQueue()].request(.init(trigger: trigger, mode: mode, origin: origin))
        if case .start(let request) = outcome { start(name, request) }
        let recorded: RunRequested.Outcome = switch outcome {
        case .start: .started
        case .queued: .queued
        case .merged: .merged
        }
        do {
            _ = try await engine.log(for: name).append(
                [.runRequested(RunRequested(trigger: trigger, mode: mode, outcome: recorded, origin: origin))],
                idPrefix: "\(name)/queue/\(UUID().uuidString)", correlationId: nil)
        } catch {
            logger.warning("could not record the run request of \(name) in the log: \(error)")
        }
        return outcome
    }

    /// When each company's last run started (this process's runs, or the log's latest), for the schedule.
    public func lastRunStarted(_ company: String) async -> Date? {
        if let known = lastStarted[company] { return known }
        let log = engine.log(for: company)
        var latest: Date?
        if let events = try? await log.store.events(EventQuery(company: company, types: ["RunStarted"])).collect() {
            latest = events.last?.recordedAt
        }
        if let latest { lastStarted[company] = latest }
        return latest
    }

    /// The settings the company's latest run recorded (`SettingsChanged`), read from the log once, then kept.
    public func recordedSettings(_ company: String) async -> CompanySettings? {
        if let known = recordedSettings[company] { return known }
        let log = engine.log(for: company)
        var latest: CompanySettings?
        if let events = try? await log.envelopes(types: [SettingsChanged.eventType]).reduce(into: [EventEnvelope](), { $0.append($1) }),
           case .settingsChanged(let e)? = events.last?.event {
            latest = e.settings
        }
        recordedSettings[company] = .some(latest)
        return latest
    }

    /// When the company's paused run goes on (R11.6), or `nil` when its last run that writes did not pause: this
    /// process's runs, or the log's latest (so a restart goes on with a run paused before it). A run the log shows
    /// started and never ended was interrupted (a crash, a `kill -9`): it goes on at once, from what the log says is
    /// done.
    public func pausedUntil(_ company: String) async -> Date? {
        if let known = paused[company] { return known }
        let runs = (try? await History.runs(log: engine.log(for: company))) ?? []
        let last = runs.last { !$0.dryRun }
        let until: Date? = switch last?.outcome {
        case "paused": last?.resumeAt
        case "running": last?.startedAt
        default: nil
        }
        paused[company] = .some(until)
        return until
    }

    /// The summaries of runs this process made for a company, newest last.
    public func summaries(_ company: String) -> [RunSummary] { recent[company] ?? [] }

    /// Whether a run of the company is going or waiting.
    public func isBusy(_ company: String) -> Bool { queues[company]?.running != nil }

    /// Waits until no run of any company is going or waiting.
    public func waitUntilIdle() async {
        while let task = tasks.values.first {
            await task.value
        }
    }

    /// Refuses new requests and waits for the runs going: on a graceful shutdown they stop after their current step;
    /// `cancelRunning` cancels them instead (they still record how they ended).
    public func shutdown(cancelRunning: Bool) async {
        stopping = true
        let running = Array(tasks.values)
        if cancelRunning { running.forEach { $0.cancel() } }
        for task in running { await task.value }
    }

    private func start(_ company: String, _ request: RunQueue.Request) {
        lastStarted[company] = now()
        let engine = self.engine
        recordedSettings[company] = .some(engine.settings.company(named: company))
        let logger = self.logger
        let board = self.board
        board.begin(company, trigger: request.trigger, mode: request.mode, at: now())
        tasks[company] = Task {
            let options = RunOptions(
                trigger: request.trigger, mode: request.mode, lockWait: .seconds(3600), keepPlan: false, origin: request.origin)
            defer { board.end(company) }
            do {
                let summary = try await engine.run(company: company, options: options) { board.record($0) }
                logger.info("\(RunNumber.label(summary.runId)) of \(company) ended: \(summary.status.rawValue)")
                self.finished(company, summary: summary)
            } catch {
                logger.error("run of \(company) could not finish: \(error)")
                self.finished(company, summary: nil)
            }
        }
    }

    private func finished(_ company: String, summary: RunSummary?) {
        if let summary { recent[company, default: []].append(summary) }
        if let summary, !summary.dryRun { paused[company] = .some(summary.status == .paused ? summary.resumeAt : nil) }
        if (recent[company]?.count ?? 0) > 50 { recent[company]?.removeFirst() }
        tasks[company] = nil
        if !stopping, let next = queues[company]?.finish() { start(company, next) }
        else if stopping { queues[company] = nil }
    }
}


/// The runs going now, company by company: their trigger, the steps they said and the writes applied so far.
public final class ProgressBoard: Sendable {
    /// One run going now.
    public struct Live: Sendable, Hashable {
        public var trigger: RunTrigger
        public var mode: DirectoryReadMode
        public var startedAt: Date
        /// The steps said so far, oldest first (the last 12).
        public var steps: [String] = []
        /// Writes applied so far, of `total` (nil before the plan is applied).
        public var done = 0
        public var total: Int?
    }

    private let live = Mutex<[String: Live]>([:])

    /// Makes an empty board.
    public init() {}

    /// The run of a company going now, if any.
    public func run(of company: String) -> Live? { live.withLock { $0[company] } }

    func begin(_ company: String, trigger: RunTrigger, mode: DirectoryReadMode, at time: Date) {
        live.withLock { $0[company] = Live(trigger: trigger, mode: mode, startedAt: time) }
    }

    func record(_ progress: RunProgress) {
        live.withLock { runs in
            switch progress {
            case .step(let company, let text):
                runs[company]?.steps.append(text)
                if (runs[company]?.steps.count ?? 0) > 12 { runs[company]?.steps.removeFirst() }
            case .applying(let company, let done, let total):
                runs[company]?.done = done
                runs[company]?.total = total
            }
        }
    }

    func end(_ company: String) { live.withLock { $0[company] = nil } }
}
