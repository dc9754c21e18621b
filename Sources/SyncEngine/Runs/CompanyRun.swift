// One run of one company: observe Microsoft 365 → observe the PSA → fold → plan → hold → apply → complete.

import ContactSync
import EventLog
import Foundation
import Logging

/// Runs one company once, recording every step as events; see DESIGN.md "The loop".
public struct CompanyRun: Sendable {
    let log: CompanyLog
    let settings: CompanySettings
    let directory: any DirectorySource
    let psa: any PSAConnection
    let connectionDefaultContactType: String?
    let logger: Logger
    let progress: @Sendable (RunProgress) -> Void

    /// How many events one append transaction carries at most. Each commit writes every page it dirtied to the WAL,
    /// and a full read's snapshots dirty pages all over the stream index (user ids are random), so fewer, larger
    /// transactions write far less.
    static let chunk = 10_000
    /// How many writes go out at once (Autotask allows three threads per endpoint).
    static let writeConcurrency = 3
    /// How many commands' attempts are committed together before their writes go out.
    static let applyBatch = 30
    /// Incremental PSA reads look back this far before the last read, for clock skew between us and the PSA.
    static let psaLookBack: TimeInterval = 300
    /// How many events may sit after the checkpoint before a run saves a new one.
    static let checkpointEvery = 1_000

    /// Makes a run over the given connections.
    public init(
        log: CompanyLog, settings: CompanySettings, directory: any DirectorySource, psa: any PSAConnection,
        connectionDefaultContactType: String?, logger: Logger, progress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) {
        self.log = log
        self.settings = settings
        self.directory = directory
        self.psa = psa
        self.connectionDefaultContactType = connectionDefaultContactType
        self.logger = logger
        self.progress = progress
    }

    /// Runs the company once; the caller holds the company's run lock.
    public func run(_ options: RunOptions) async throws -> RunSummary {
        let loaded = try await log.load()
        var state = loaded.state
        let runNumber = (Int(state.currentRunId ?? "") ?? 0) + 1
        let runId = String(runNumber)
        var summary = RunSummary(
            company: settings.name, runId: runId, status: .completed, dryRun: options.dryRun, mode: options.mode)
        guard settings.enabled else {
            summary.status = .skipped
            summary.message = "company \"\(settings.name)\" is disabled (enabled: false): nothing observed, nothing written"
            return summary
        }
        let graphBefore = await directory.requestCount()
        let psaBefore = await psa.requestCount()
        // Settings that name a site, license or type the company lacks are refused before anything is appended.
        let problems = await preflight(state)
        if !problems.isEmpty {
            summary.status = .badSettings
            summary.message = problems.map(\.description).joined(separator: "\n")
            summary.graphRequests = await directory.requestCount() - graphBefore
            summary.psaRequests = await psa.requestCount() - psaBefore
            return summary
        }
        var recorder = Recorder(log: log, runId: runId)
        recorder.sinceCheckpoint = loaded.tail
        recorder.storedRows = loaded.rows

        // Settings first: a changed company block is a new settings version (R11.1).
        if let changed = SettingsChanged.next(for: settings, after: state.settings, version: state.settingsVersion) {
            try await recorder.append([.settingsChanged(changed)], step: "settings", into: &state,
                                      expecting: [StreamName.settings(settings.name): state.settingsVersion == 0 ? .noStream : .any])
        }
        try await recorder.append(
            [.runStarted(RunStarted(runId: runId, trigger: options.trigger, mode: options.mode,
                                    settingsVersion: state.settingsVersion, dryRun: options.dryRun))],
            step: "start", into: &state, expecting: [StreamName.run(settings.name, runId): .noStream])

        do {
            try await psa.beginRun()
            if !options.dryRun { try await resolveInDoubt(&state, recorder: &recorder) }
            progress(.step(company: settings.name, "reading Microsoft 365 (\(options.mode == .full ? "full read" : "changes since last run"))"))
            let directoryOK = try await observeDirectory(&state, mode: options.mode, recorder: &recorder, summary: &summary)
            guard directoryOK else {
                summary.status = .failed
                summary.message = summary.message ?? "Microsoft 365 could not be read; nothing was changed in the PSA"
                try await finish(&state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore, failed: true)
                return summary
            }
            progress(.step(company: settings.name, "reading the PSA's contacts"))
            let psaFull = options.mode == .full || options.trigger == .schedule || state.psa.lastReadAt == nil
            try await observePSA(
                &state, full: psaFull, acceptMissing: options.acceptMissingContacts, recorder: &recorder, summary: &summary)

            let problems = SettingsLoader.validate(
                company: settings, sites: state.psa.sites, licenses: state.directory.catalog,
                contactTypes: psa.system == .connectwise ? state.psa.contactTypes : [])
            if !problems.isEmpty {
                summary.status = .badSettings
                summary.message = problems.map(\.description).joined(separator: "\n")
                try await finish(&state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore, failed: true, kind: "settings")
                return summary
            }

            progress(.step(company: settings.name, "planning"))
            let plan = try await makePlan(state)
            summary.planned = plan.commands.count
            if options.keepPlan || options.dryRun { summary.plan = plan }
            if options.dryRun {
                tally(plan, into: &summary)
                try await finish(&state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore)
                return summary
            }
            let writes = try await recordDecisions(plan, options: options, state: &state, recorder: &recorder, summary: &summary)
            try await apply(plan.commands, only: writes, state: &state, recorder: &recorder, summary: &summary)
            if summary.created + summary.updated + summary.deactivated + summary.reactivated > 0 && summary.status != .failed {
                await readBackWrites(&state, recorder: &recorder)
            }
            if summary.status == .completed && summary.failed > 0 { summary.status = .completedWithFailures }
            if summary.status == .completed && summary.held > 0 { summary.status = .held }
            try await finish(&state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore,
                             failed: summary.status == .failed)
        } catch let stop as RunStopped {
            summary.status = .failed
            summary.message = stop.message
            try await finish(&state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore, failed: true)
        } catch let error as PSAError {
            summary.status = .failed
            summary.message = "the PSA refused the run of \(settings.name): \(error.message)"
            try await finish(&state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore, failed: true, kind: error.kind.rawValue)
        } catch where Task.isCancelled {
            // Cancelled work fails in many shapes (the log wraps CancellationError in its own error), so the task's
            // state decides, not the error's type.
            summary.status = .failed
            summary.message = "the run was stopped before it finished"
            // The log refuses writes from a cancelled task, so the run's end is recorded from a task of its own.
            let (stopped, recorded, told, run) = (state, recorder, summary, self)
            _ = try? await Task {
                var (state, recorder, summary) = (stopped, recorded, told)
                try await run.finish(
                    &state, recorder: &recorder, summary: &summary, graphBefore: graphBefore, psaBefore: psaBefore,
                    failed: true, kind: "cancelled")
            }.value
            throw error
        }
        return summary
    }

    /// Checks new or changed settings against the PSA company's sites (and contact types) and the tenant's licenses,
    /// read without recording them; a run whose settings are already known to fit skips this. A read that fails
    /// here is left for the run itself to meet and record.
    func preflight(_ state: CompanyState) async -> [SettingsProblem] {
        guard state.settings != settings || state.psa.sites.isEmpty || state.directory.catalog.isEmpty else { return [] }
        do {
            try await psa.beginRun()
            let sites = try await psa.sites(companyId: settings.psaCompanyId)
            let licenses = try await directory.licenseCatalog()
            let types = psa.system == .connectwise ? try await psa.contactTypes() : []
            return SettingsLoader.validate(company: settings, sites: sites, licenses: licenses, contactTypes: types)
        } catch {
            return []
        }
    }

    // MARK: Finishing

    private func finish(
        _ state: inout CompanyState, recorder: inout Recorder, summary: inout RunSummary, graphBefore: Int, psaBefore: Int,
        failed: Bool = false, kind: String = "read"
    ) async throws {
        summary.graphRequests = await directory.requestCount() - graphBefore
        summary.psaRequests = await psa.requestCount() - psaBefore
        let end: DomainEvent = failed
            ? .runFailed(RunFailed(runId: summary.runId, kind: kind, error: summary.message ?? "the run failed"))
            : .runCompleted(RunCompleted(runId: summary.runId, counts: RunCounts(
                usersObserved: summary.usersObserved, contactsObserved: summary.contactsObserved,
                planned: summary.planned,
                succeeded: summary.dryRun ? 0 : summary.created + summary.updated + summary.deactivated + summary.reactivated,
                failed: summary.failed, held: summary.held)))
        try await recorder.append([end], step: "end", into: &state)
        summary.eventsAppended = recorder.appended
        // A run that appended a few events leaves them to be folded on load rather than move the checkpoint.
        if recorder.sinceCheckpoint >= Self.checkpointEvery {
            recorder.storedRows = try await log.saveCheckpoint(state, over: recorder.storedRows)
            recorder.sinceCheckpoint = 0
        }
    }

    private func tally(_ plan: Plan, into summary: inout RunSummary) {
        for command in plan.commands {
            if command.match != nil { summary.matched += 1 }
            switch command.kind {
            case .create: summary.created += 1
            case .deactivate: summary.deactivated += 1
            case .reactivate: summary.reactivated += 1
            case .match, .endMatch: break
            case .update, .moveSite, .addContactType: summary.updated += 1
            }
        }
    }
}

/// Appends a run's events in chunks, folds each into the state as it lands, and counts them.
struct Recorder {
    let log: CompanyLog
    let runId: String
    private(set) var appended = 0
    /// Events in the log after the company's checkpoint, this run's included.
    var sinceCheckpoint = 0
    /// The rows of the company's stored state, for the next checkpoint to rewrite only what changed.
    var storedRows = StoredRows()
    private var steps: [String: Int] = [:]

    init(log: CompanyLog, runId: String) {
        self.log = log
        self.runId = runId
    }

    /// Appends events under ids `<company>/<runId>/<step>/<n>/<i>` (replaying a step is harmless) and folds them in.
    mutating func append(
        _ events: [DomainEvent], step: String, into state: inout CompanyState, expecting: [String: ExpectedVersion] = [:]
    ) async throws {
        var start = 0
        while start < events.count {
            let end = min(events.count, start + CompanyRun.chunk)
            try await commit([(Array(events[start..<end]), step)], into: &state, expecting: start == 0 ? expecting : [:])
            start = end
        }
    }

    /// Appends the events of several steps in one transaction (one commit instead of one per step), each step's
    /// events under its own ids, and folds them in; more events than a chunk go step by step.
    mutating func append(steps parts: [(events: [DomainEvent], step: String)], into state: inout CompanyState) async throws {
        let parts = parts.filter { !$0.events.isEmpty }
        guard parts.count > 1, parts.reduce(0, { $0 + $1.events.count }) <= CompanyRun.chunk else {
            for part in parts { try await append(part.events, step: part.step, into: &state) }
            return
        }
        try await commit(parts, into: &state)
    }

    /// One transaction: each part's events under the next id prefix of its step, then folded into `state`.
    private mutating func commit(
        _ parts: [(events: [DomainEvent], step: String)], into state: inout CompanyState,
        expecting: [String: ExpectedVersion] = [:]
    ) async throws {
        var groups: [(events: [DomainEvent], idPrefix: String)] = []
        for part in parts {
            let n = steps[part.step, default: 0]
            steps[part.step] = n + 1
            groups.append((part.events, "\(log.company)/\(runId)/\(part.step)/\(n)"))
        }
        let envelopes = try await log.append(groups: groups, correlationId: runId, expecting: expecting)
        for envelope in envelopes { state.apply(envelope) }
        appended += envelopes.count
        sinceCheckpoint += envelopes.count
    }
}
