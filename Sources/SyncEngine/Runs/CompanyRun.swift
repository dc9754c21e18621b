// One run of one company: observe Microsoft 365 → observe the PSA → fold → plan → hold → apply → complete.

import ContactSync
import EventLog
import Foundation
import RollcallHTTP
import Logging
import ServiceLifecycle

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
    ///
    /// The run is a pipeline of typed steps, observe → fold → plan → hold → apply, each handing the next what it needs,
    /// and it ends in one place, `complete`, with one outcome. A graceful shutdown of `rollcall serve` is looked for
    /// between steps (and between batches of writes): the run then stops there, records why, and the next run goes on
    /// from what the log says is done.
    public func run(_ options: RunOptions) async throws -> RunSummary {
        // The PSA connection is shared with other companies' runs going at the same time: count this run's own.
        let tally = RequestTally()
        return try await RequestTally.$current.withValue(tally) { try await run(options, tally: tally) }
    }

    private func run(_ options: RunOptions, tally: RequestTally) async throws -> RunSummary {
        var run = try await open(options)
        run.tally = tally
        let outcome: RunOutcome
        if let refusal = await refusal(run) {
            outcome = refusal
        } else {
            outcome = await steps(&run)
        }
        return try await complete(&run, outcome)
    }

    /// What a run carries from step to step: its state as folded so far, the recorder of its events, its summary.
    struct RunContext {
        let options: RunOptions
        var state: CompanyState
        var recorder: Recorder
        var summary: RunSummary
        let graphBefore: Int
        let psaBefore: Int
        /// This run's own requests, by service.
        var tally = RequestTally()
    }

    /// How a run ended.
    enum RunOutcome {
        /// Refused before anything was appended (disabled company, settings the PSA or tenant cannot meet).
        case notStarted(RunStatus, String)
        /// Every step ran; the summary says how the writes went.
        case finished
        /// A step ended the run early; recorded as `RunFailed` of `kind`.
        case failed(String, kind: String)
        /// R11.6: the API budget refused a request before it was sent; recorded as `RunPaused`.
        case paused(PSAError, writesLeft: Int?)
        /// The settings do not fit what the run read (R2.1, R2.2).
        case badSettings(String)
        /// The task was cancelled: the end is still recorded, then cancellation goes on up.
        case cancelled(any Error)
        /// The log itself failed: nothing more can be recorded.
        case unrecorded(any Error)
    }

    /// Loads the company's state and numbers the run.
    private func open(_ options: RunOptions) async throws -> RunContext {
        let loaded = try await log.load()
        let runId = RunNumber.nextId(
            dryRun: options.dryRun, lastRun: loaded.state.lastRunNumber, lastPlan: loaded.state.lastPlanNumber)
        var recorder = Recorder(log: log, runId: runId)
        recorder.sinceCheckpoint = loaded.tail
        recorder.storedRows = loaded.rows
        return RunContext(
            options: options, state: loaded.state, recorder: recorder,
            summary: RunSummary(company: settings.name, runId: runId, status: .completed, dryRun: options.dryRun, mode: options.mode),
            graphBefore: await directory.requestCount(), psaBefore: await psa.requestCount())
    }

    /// Why the run must not start at all, if it must not: nothing is appended then.
    private func refusal(_ run: RunContext) async -> RunOutcome? {
        guard settings.enabled else {
            return .notStarted(.skipped, "company \"\(settings.name)\" is disabled (enabled: false): nothing observed, nothing written")
        }
        // Settings that name a site, license or type the company lacks are refused before anything is appended.
        let problems = await preflight(run.state)
        return problems.isEmpty ? nil : .notStarted(.badSettings, problems.map(\.description).joined(separator: "\n"))
    }

    /// The steps, in order; each failure becomes the run's outcome.
    private func steps(_ run: inout RunContext) async -> RunOutcome {
        do {
            try await recordStart(&run)
            try await psa.beginRun()
            if !run.options.dryRun { try await resolveInDoubt(&run.state, recorder: &run.recorder) }
            // Observe (and fold, as events land).
            guard try await observe(&run) else {
                return .failed(run.summary.message ?? "Microsoft 365 could not be read; nothing was changed in the PSA", kind: "read")
            }
            if let problems = settingsProblems(run.state) { return .badSettings(problems) }
            if let stop = stopRequested(after: "reading Microsoft 365 and the PSA") { return stop }
            // Plan.
            progress(.step(company: settings.name, "planning"))
            let plan = try await makePlan(run.state)
            run.summary.planned = plan.commands.count
            if run.options.keepPlan || run.options.dryRun { run.summary.plan = plan }
            if run.options.dryRun {
                tally(plan, into: &run.summary)
                return .finished
            }
            if let stop = stopRequested(after: "planning") { return stop }
            // Hold, then apply.
            let writes = try await recordDecisions(
                plan, options: run.options, state: &run.state, recorder: &run.recorder, summary: &run.summary)
            if let stop = stopRequested(after: "recording the plan") { return stop }
            // R11.7: a long sync writes in the background lane, leaving a slice of the budget to other companies.
            let lane = await psa.lane(forWrites: writes.count)
            try await BudgetLane.$current.withValue(lane) {
                try await apply(plan.commands, only: writes, state: &run.state, recorder: &run.recorder, summary: &run.summary)
            }
            let s = run.summary
            if s.created + s.updated + s.deactivated + s.reactivated > 0 && s.status != .failed {
                await readBackWrites(&run.state, recorder: &run.recorder)
            }
            return .finished
        } catch let stop as RunStopped {
            return .failed(stop.message, kind: stop.kind)
        } catch let refused as SettingsRefused {
            return .badSettings(refused.message)
        } catch let pausing as RunPausing {
            return .paused(pausing.error, writesLeft: pausing.writesLeft)
        } catch let error as PSAError where error.kind == .budgetExhausted {
            return .paused(error, writesLeft: nil)
        } catch let error as PSAError {
            return .failed("the PSA refused the run of \(settings.name): \(error.message)", kind: error.kind.rawValue)
        } catch where Task.isCancelled {
            // Cancelled work fails in many shapes (the log wraps CancellationError in its own error), so the task's
            // state decides, not the error's type.
            return .cancelled(error)
        } catch {
            return .unrecorded(error)
        }
    }

    /// The settings version (when the company block changed, R11.1) and `RunStarted`.
    private func recordStart(_ run: inout RunContext) async throws {
        let state = run.state
        if let changed = SettingsChanged.next(for: settings, after: state.settings, version: state.settingsVersion) {
            try await run.recorder.append(
                [.settingsChanged(changed)], step: "settings", into: &run.state,
                expecting: [StreamName.settings(settings.name): state.settingsVersion == 0 ? .noStream : .any])
        }
        try await run.recorder.append(
            [.runStarted(RunStarted(runId: run.recorder.runId, trigger: run.options.trigger, mode: run.options.mode,
                                    settingsVersion: run.state.settingsVersion, dryRun: run.options.dryRun,
                                    origin: run.options.origin))],
            step: "start", into: &run.state, expecting: [StreamName.run(settings.name, run.recorder.runId): .noStream])
    }

    /// Reads Microsoft 365, then the PSA; false when Microsoft 365 could not be read (the PSA is then left alone).
    private func observe(_ run: inout RunContext) async throws -> Bool {
        let options = run.options
        progress(.step(company: settings.name, "reading Microsoft 365 (\(options.mode == .full ? "full read" : "changes since last run"))"))
        guard try await observeDirectory(&run.state, mode: options.mode, recorder: &run.recorder, summary: &run.summary) else {
            return false
        }
        if let stop = stopRequested(after: "reading Microsoft 365"), case .failed(let message, let kind) = stop {
            throw RunStopped(message: message, kind: kind)
        }
        progress(.step(company: settings.name, "reading the PSA's contacts"))
        let full = options.mode == .full || options.trigger == .schedule || run.state.psa.lastReadAt == nil
        try await observePSA(
            &run.state, full: full, acceptMissing: options.acceptMissingContacts, recorder: &run.recorder, summary: &run.summary)
        return true
    }

    /// The settings' problems against the sites, licenses and contact types the run read, if any.
    private func settingsProblems(_ state: CompanyState) -> String? {
        let problems = SettingsLoader.validate(
            company: settings, sites: state.psa.sites, licenses: state.directory.catalog,
            contactTypes: psa.system == .connectwise ? state.psa.contactTypes : [])
        return problems.isEmpty ? nil : problems.map(\.description).joined(separator: "\n")
    }

    /// The outcome of a run stopped by a graceful shutdown after `step`, or nil when no shutdown is under way.
    func stopRequested(after step: String) -> RunOutcome? {
        guard Task.isShuttingDownGracefully else { return nil }
        return .failed(
            "Rollcall is shutting down: the run stopped after \(step); the next run goes on from what the log says is done",
            kind: "stopped")
    }

    /// The one place a run ends: its outcome in the summary and, once the run has started, `RunCompleted` or
    /// `RunFailed` in the log, with a checkpoint when enough events have gathered.
    private func complete(_ run: inout RunContext, _ outcome: RunOutcome) async throws -> RunSummary {
        run.summary.graphRequests = await directory.requestCount() - run.graphBefore
        // The connection's count includes other companies' runs going at the same time; this run's own tally does not
        // (a connection without HTTP, such as a test's, is counted by the connection alone).
        let own = run.tally.count(psa.system.displayName)
        run.summary.psaRequests = own > 0 ? own : await psa.requestCount() - run.psaBefore
        var failure: (kind: String, message: String)?
        var pause: RunPaused?
        switch outcome {
        case .notStarted(let status, let message):
            run.summary.status = status
            run.summary.message = message
            return run.summary
        case .unrecorded(let error):
            throw error
        case .finished:
            if run.summary.status == .failed {
                failure = ("read", run.summary.message ?? "the run failed")
            } else if run.summary.failed > 0 {
                run.summary.status = .completedWithFailures
            } else if run.summary.held > 0 {
                run.summary.status = .held
            }
        case .failed(let message, let kind):
            failure = (kind, message)
        case .badSettings(let message):
            run.summary.status = .badSettings
            run.summary.message = message
            failure = ("settings", message)
        case .cancelled:
            failure = ("cancelled", "the run was stopped before it finished")
        case .paused(let error, let writesLeft):
            let known = await psa.knownThreshold()
            let resumeAt = error.retryAfter ?? Date().addingTimeInterval(15 * 60)
            run.summary.status = .paused
            run.summary.resumeAt = resumeAt
            run.summary.writesLeft = writesLeft
            let left = writesLeft.map { "\($0) write\($0 == 1 ? "" : "s") left" } ?? "paused while reading the PSA"
            run.summary.message = "paused at the PSA's API budget (\(left)): \(error.message)"
            pause = RunPaused(
                runId: run.summary.runId, writesLeft: writesLeft, resumeAt: resumeAt, reason: error.message,
                psaRequests: run.summary.psaRequests, threshold: known?.threshold, windowMinutes: known?.minutes)
        }
        if let failure {
            if run.summary.status != .badSettings { run.summary.status = .failed }
            run.summary.message = failure.message
        }
        let summary = run.summary
        let end: DomainEvent = pause.map { .runPaused($0) } ?? failure.map {
            .runFailed(RunFailed(runId: summary.runId, kind: $0.kind, error: $0.message))
        } ?? .runCompleted(RunCompleted(runId: summary.runId, counts: RunCounts(
            usersObserved: summary.usersObserved, contactsObserved: summary.contactsObserved, planned: summary.planned,
            succeeded: summary.dryRun ? 0 : summary.created + summary.updated + summary.deactivated + summary.reactivated,
            failed: summary.failed, held: summary.held, psaRequests: summary.psaRequests)))
        if case .cancelled(let error) = outcome {
            // The log refuses ordinary writes from a cancelled task; the end is recorded all the same.
            try? await run.recorder.append([end], step: "end", into: &run.state, evenIfCancelled: true)
            throw error
        }
        try await run.recorder.append([end], step: "end", into: &run.state)
        run.summary.eventsAppended = run.recorder.appended
        if !run.summary.dryRun { run.recorder.actedOn.count(into: &run.summary) }
        // A run that appended a few events leaves them to be folded on load rather than move the checkpoint.
        if run.recorder.sinceCheckpoint >= Self.checkpointEvery {
            run.recorder.storedRows = try await log.saveCheckpoint(run.state, over: run.recorder.storedRows)
            run.recorder.sinceCheckpoint = 0
        }
        return run.summary
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

    private func tally(_ plan: Plan, into summary: inout RunSummary) {
        var wouldAct = ActedOn()
        defer { wouldAct.count(into: &summary) }
        for command in plan.commands {
            wouldAct.note(command)
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

/// The users and contacts a run acted on, each once: written, matched, or released from a match.
struct ActedOn {
    private(set) var users = Set<String>()
    private(set) var contacts = Set<Int>()
    /// Contacts a dry run would create (they have no id yet).
    private(set) var newContacts = 0

    /// Notes what a recorded event acted on.
    mutating func note(_ event: DomainEvent) {
        switch event {
        case .contactMatched(let e):
            users.insert(e.match.userId)
            contacts.insert(e.match.contactId)
        case .matchEnded(let e):
            users.insert(e.userId)
            contacts.insert(e.contactId)
        case .commandSucceeded(let e):
            if let user = e.userId { users.insert(user) }
            contacts.insert(e.contact.id)
        default:
            break
        }
    }

    /// Notes what a planned command would act on (a dry run).
    mutating func note(_ command: Command) {
        if let user = command.userId { users.insert(user) }
        if let contact = command.contactId { contacts.insert(contact) } else if command.kind == .create { newContacts += 1 }
    }

    /// Puts the counts in a summary.
    func count(into summary: inout RunSummary) {
        summary.usersActedOn = users.count
        summary.contactsActedOn = contacts.count + newContacts
    }
}

/// Appends a run's events in chunks, folds each into the state as it lands, and counts them.
struct Recorder {
    let log: CompanyLog
    let runId: String
    private(set) var appended = 0
    /// The users and contacts this run's events wrote, matched or released.
    private(set) var actedOn = ActedOn()
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
        _ events: [DomainEvent], step: String, into state: inout CompanyState, expecting: [String: ExpectedVersion] = [:],
        evenIfCancelled: Bool = false
    ) async throws {
        var start = 0
        while start < events.count {
            let end = min(events.count, start + CompanyRun.chunk)
            try await commit(
                [(Array(events[start..<end]), step)], into: &state, expecting: start == 0 ? expecting : [:],
                evenIfCancelled: evenIfCancelled)
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
        expecting: [String: ExpectedVersion] = [:], evenIfCancelled: Bool = false
    ) async throws {
        var groups: [(events: [DomainEvent], idPrefix: String)] = []
        for part in parts {
            let n = steps[part.step, default: 0]
            steps[part.step] = n + 1
            groups.append((part.events, "\(log.company)/\(runId)/\(part.step)/\(n)"))
        }
        let envelopes = try await log.append(
            groups: groups, correlationId: runId, expecting: expecting, evenIfCancelled: evenIfCancelled)
        for envelope in envelopes {
            state.apply(envelope)
            actedOn.note(envelope.event)
        }
        appended += envelopes.count
        sinceCheckpoint += envelopes.count
    }
}
