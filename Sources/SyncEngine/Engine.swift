// The engine's front door: runs of companies by name, with locks, approvals, plans, and the log's stories.
// Concurrency (the module's one style): state shared between runs (the coordinator's queue, live connections) is
// in actors; a run's own state is local to its task; one run a company at a time is an `flock` (RunLock).

import ContactSync
import EventLog
import Foundation
import Logging
import RollcallHTTP
import Synchronization

/// Makes the connections a company's run talks to; the default builds real HTTP clients from rollcall.yaml.
public protocol ConnectionProvider: Sendable {
    /// The Microsoft 365 directory of a company's tenant.
    func directory(for company: CompanySettings) async throws -> any DirectorySource
    /// The PSA connection (one for every company).
    func psa() async throws -> any PSAConnection
}

/// Runs companies from one settings file against one event log.
public final class SyncEngine: Sendable {
    /// The settings the engine runs with.
    public let settings: RollcallSettings
    /// The event log.
    public let store: EventStore
    let connections: any ConnectionProvider
    let logger: Logger
    /// Whether the PSA connection has been told the requests of runs paused in the last hours (R11.6), once.
    private let budgetSeeded = Mutex(false)

    /// Makes an engine over a log and connections.
    public init(settings: RollcallSettings, store: EventStore, connections: any ConnectionProvider, logger: Logger) {
        self.settings = settings
        self.store = store
        self.connections = connections
        self.logger = logger
    }

    /// The company of that name, or an error listing the names there are.
    public func company(named name: String) throws -> CompanySettings {
        guard let company = settings.company(named: name) else {
            throw EngineError(
                .unknownCompany,
                "there is no company \"\(name)\" in \(settings.source.file); companies are: \(settings.companies.map(\.name).joined(separator: ", "))")
        }
        return company
    }

    /// The log seen from one company.
    public func log(for company: String) -> CompanyLog {
        CompanyLog(store: store, company: company, logger: logger)
    }

    /// Runs one company once, holding its run lock (R11.4) for the whole run.
    public func run(
        company name: String, options: RunOptions = RunOptions(),
        progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunSummary {
        try await withTaskExecutorPreference(HTTPLoop.executor()) {
            try await runHoldingLock(company: name, options: options, progress: progress)
        }
    }

    private func runHoldingLock(
        company name: String, options: RunOptions, progress: @escaping @Sendable (RunProgress) -> Void
    ) async throws -> RunSummary {
        let company = try company(named: name)
        let lock = try await RunLock.acquire(databasePath: store.path, company: company.name, wait: options.lockWait)
        defer { lock.release() }
        let psa = try await connections.psa()
        await seedBudget(psa)
        let run = CompanyRun(
            log: log(for: company.name), settings: company, directory: try await connections.directory(for: company),
            psa: psa, connectionDefaultContactType: settings.psa.defaultContactType,
            logger: logger, progress: progress)
        return try await run.run(options)
    }

    /// R11.6: runs of other processes (another `rollcall run`) spent part of Rollcall's share of the budget window;
    /// this one counts them too, so the share holds across processes. Read once an engine from the runs that ended in
    /// the last day: a paused run's requests leave the window when it resumes, a finished run's an hour after it ended
    /// (the budget drops those already outside its window).
    private func seedBudget(_ psa: any PSAConnection) async {
        guard budgetSeeded.withLock({ seeded in defer { seeded = true }; return !seeded }) else { return }
        let since = Date().addingTimeInterval(-24 * 3600)
        do {
            let types: Set<String> = [RunPaused.eventType, RunCompleted.eventType]
            // A completed run's requests leave the window one timeframe after it ended: the timeframe the log last
            // recorded (Autotask's hour unless a pause said otherwise), so a short window does not hold them an hour.
            var windowMinutes = 60
            for try await stored in store.events(EventQuery(types: types)) where stored.recordedAt > since {
                switch try CompanyLog.envelope(stored).event {
                case .runPaused(let paused):
                    if let minutes = paused.windowMinutes, minutes > 0 { windowMinutes = minutes }
                    let window = paused.threshold.map { BudgetWindow(threshold: $0, minutes: paused.windowMinutes ?? 60) }
                    await psa.remember(requests: paused.psaRequests, leaving: paused.resumeAt, threshold: window)
                case .runCompleted(let completed):
                    guard let requests = completed.counts.psaRequests else { continue }
                    await psa.remember(
                        requests: requests, leaving: stored.recordedAt.addingTimeInterval(TimeInterval(windowMinutes) * 60), threshold: nil)
                default:
                    continue
                }
            }
        } catch {
            logger.warning("could not read earlier paused runs from the log; the API budget share counts this process only: \(error)")
        }
    }

    /// Releases the deactivations a run held (R8.4) and applies them in a new manual run.
    public func approve(
        company name: String, runId: String, by operator: String? = nil, origin: RunOrigin? = nil,
        progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) async throws -> RunSummary {
        let company = try company(named: name)
        let log = log(for: company.name)
        let state = try await log.currentState()
        let held = try Self.held(runId, of: company.name, in: state)
        // A hold goes stale: a later approved run may have applied its deactivations, or the users are eligible again.
        // Only what the log says is still to do is approved; when nothing is, nothing is written.
        let stillPlanned = Set(Planner.plan(
            state: state, settings: company, settingsVersion: state.settingsVersion, limits: .autotask
        ).deactivations.map(\.id))
        let wanted = held.filter(stillPlanned.contains)
        guard !wanted.isEmpty else {
            let applied = held.filter { id in
                guard id.hasPrefix("contact:"), let contact = Int(id.dropFirst("contact:".count)) else { return false }
                return state.psa.contacts[contact].map { !$0.contact.isActive } ?? false
            }
            var parts: [String] = []
            if !applied.isEmpty { parts.append("\(applied.count) were since applied") }
            if held.count > applied.count { parts.append("\(held.count - applied.count) are no longer wanted (their users are eligible and in scope again, or the contacts are gone)") }
            throw EngineError(
                .nothingHeld,
                "run \(runId) of \(company.name) held \(held.count) deactivations, and none of them is still to do: "
                    + parts.joined(separator: ", and ") + ". Nothing was approved or written")
        }
        try await log.append(
            [.deactivationsApproved(DeactivationsApproved(runId: runId, commandIds: wanted, approvedBy: `operator`))],
            idPrefix: "\(company.name)/approve/\(runId)", correlationId: runId)
        return try await run(
            company: company.name, options: RunOptions(trigger: .manual, approvedCommandIds: Set(wanted), origin: origin ?? RunOrigin(.commandLine, by: `operator`)),
            progress: progress)
    }
}

extension SyncEngine {
    /// R8.7: dismisses the deactivations a run held instead of approving them; they are not applied, nor planned again
    /// for the same users until those users change in Microsoft 365. Answers how many were dismissed.
    @discardableResult
    public func dismiss(company name: String, runId: String, reason: String, by operator: String?) async throws -> Int {
        let company = try company(named: name)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw EngineError(.badArguments, "give a reason to dismiss the hold of run \(runId) of \(company.name): it is kept in the log")
        }
        let log = log(for: company.name)
        let state = try await log.currentState()
        let held = try Self.held(runId, of: company.name, in: state)
        try await log.append(
            [.deactivationsDismissed(DeactivationsDismissed(runId: runId, commandIds: held, reason: reason, dismissedBy: `operator`))],
            idPrefix: "\(company.name)/dismiss/\(runId)", correlationId: runId)
        logger.notice("held deactivations dismissed", metadata: ["company": "\(company.name)", "run": "\(runId)", "by": "\(`operator` ?? "")"])
        return held.count
    }
}

extension SyncEngine {
    /// The commands a run holds for approval, or an error naming the runs that do.
    static func held(_ runId: String, of company: String, in state: CompanyState) throws -> [String] {
        guard let held = state.heldRuns[runId] else {
            let waiting = state.heldRuns.keys.sorted()
            throw EngineError(
                .nothingHeld,
                waiting.isEmpty
                    ? "run \(runId) of \(company) holds no deactivations, and no run of \(company) waits for approval"
                    : "run \(runId) of \(company) holds no deactivations; runs waiting for approval: \(waiting.joined(separator: ", "))")
        }
        return held
    }
}

/// A request the engine cannot carry out, in words the operator can act on.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: String, Sendable {
        case unknownCompany
        case nothingHeld
        case badArguments
    }

    public let kind: Kind
    public let message: String

    /// Makes an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
