// Planning and applying: decisions recorded as events, deactivations held over the threshold (R8.4), and each
// write as intent → attempt → outcome.

import ContactSync
import Foundation

extension CompanyRun {
    /// Plans with the PSA's real field lengths, reading them only when the plan writes values (R6.7).
    func makePlan(_ state: CompanyState) async throws -> Plan {
        let defaults: PSAFieldLimits = psa.system == .autotask ? .autotask : .connectwise
        let settingsVersion = state.settingsVersion
        var plan = Planner.plan(
            state: state, settings: settings, settingsVersion: settingsVersion, limits: defaults,
            connectionDefaultContactType: connectionDefaultContactType)
        let writesValues = plan.commands.contains { command in
            switch command.write {
            case .create?: true
            case .update(_, let update)?: !update.fields.isEmpty
            case nil: false
            }
        }
        if writesValues {
            let limits = try await psa.fieldLimits()
            if limits != defaults {
                plan = Planner.plan(
                    state: state, settings: settings, settingsVersion: settingsVersion, limits: limits,
                    connectionDefaultContactType: connectionDefaultContactType)
            }
        }
        return plan
    }

    /// Records matches, match ends, planned commands and held deactivations; returns the indices in `plan.commands`
    /// of the commands to write now. Events go to the log a chunk at a time, so a 100,000-command plan is never held
    /// twice over as events.
    func recordDecisions(
        _ plan: Plan, options: RunOptions, state: inout CompanyState, recorder: inout Recorder, summary: inout RunSummary
    ) async throws -> [Int] {
        let runId = recorder.runId
        // R8.4: deactivations an operator approved are not counted again.
        var decision: DeactivationDecision
        if options.approvedCommandIds.isEmpty {
            decision = DeactivationSafety.decide(plan, threshold: settings.deactivationThreshold)
        } else {
            var gated = plan
            gated.commands.removeAll { options.approvedCommandIds.contains($0.id) }
            decision = DeactivationSafety.decide(gated, threshold: settings.deactivationThreshold)
        }
        let heldIds = Set(decision.heldCommandIds)
        var events: [DomainEvent] = []
        events.reserveCapacity(min(plan.commands.count * 2, Self.chunk + 2))
        var writes: [Int] = []
        for (index, command) in plan.commands.enumerated() {
            if let match = command.match {
                events.append(.contactMatched(ContactMatched(
                    runId: runId, commandId: command.id, match: match, reasons: command.reasons,
                    settingsVersion: command.settingsVersion)))
                summary.matched += 1
            }
            if command.kind == .endMatch, let user = command.userId, let contact = command.contactId {
                events.append(.matchEnded(MatchEnded(
                    runId: runId, commandId: command.id, userId: user, contactId: contact, reasons: command.reasons,
                    settingsVersion: command.settingsVersion)))
            }
            if command.write != nil {
                events.append(.commandPlanned(CommandPlanned(runId: runId, command: command)))
                if !heldIds.contains(command.id) { writes.append(index) }
            }
            if events.count >= Self.chunk {
                try await recorder.append(events, step: "decide", into: &state)
                events.removeAll(keepingCapacity: true)
            }
        }
        if decision.held {
            events.append(.deactivationsHeld(DeactivationsHeld(runId: runId, decision: decision)))
            summary.held = heldIds.count
            summary.message = "\(heldIds.count) deactivations are held (\(decision.rule ?? "R8.4")): \(decision.explanation ?? ""). Check the plan, then run `rollcall approve --company \"\(settings.name)\" --run \(runId)`."
        }
        try await recorder.append(events, step: "decide", into: &state)
        return writes
    }

    /// Applies writes in batches: the batch's `CommandAttempted` events commit before any of its HTTP calls, and the
    /// batch's outcomes commit after them, in the same transaction as the next batch's attempts (one commit per batch
    /// instead of two; what is recorded, and when relative to the HTTP calls, is unchanged). Reaching the API budget's
    /// share or ceiling (R11.6) pauses the run with what was done: `RunPausing` says how many writes are left.
    func apply(
        _ all: [Command], only indices: [Int], state: inout CompanyState, recorder: inout Recorder, summary: inout RunSummary
    ) async throws {
        guard !indices.isEmpty else { return }
        let runId = recorder.runId
        var done = 0
        var stopped: PSAError?
        var unsent = 0
        var start = 0
        // The last batch's outcomes, committed with the next batch's attempts.
        var recorded: [DomainEvent] = []
        while start < indices.count, stopped == nil {
            if Task.isCancelled {
                // The last outcomes are recorded all the same, so that the next run need not ask the PSA what became
                // of them.
                try? await recorder.append(recorded, step: "outcome", into: &state, evenIfCancelled: true)
                throw CancellationError()
            }
            if case .failed(let message, let kind)? = stopRequested(after: "\(done) of \(indices.count) writes") {
                try await recorder.append(recorded, step: "outcome", into: &state)
                throw RunStopped(message: message, kind: kind)
            }
            let batch = indices[start..<min(indices.count, start + Self.applyBatch)].map { all[$0] }
            start += batch.count
            let attempts: [DomainEvent] = batch.map { command in
                .commandAttempted(CommandAttempted(
                    runId: runId, commandId: command.id, userId: command.userId, contactId: command.contactId,
                    write: command.write!))
            }
            try await recorder.append(steps: [(recorded, "outcome"), (attempts, "attempt")], into: &state)
            recorded = []
            let currents = batch.map { command in command.contactId.flatMap { state.psa.contacts[$0]?.contact } }
            let outcomes = await write(batch, currents: currents)
            var events: [DomainEvent] = []
            for (command, outcome) in zip(batch, outcomes) {
                switch outcome {
                case .success(let result):
                    events.append(.commandSucceeded(CommandSucceeded(
                        runId: runId, commandId: command.id, kind: command.kind, userId: command.userId,
                        contact: result.contact.normalized, status: result.status, responseBody: result.responseBody)))
                    count(command, into: &summary)
                case .failure(let error):
                    events.append(.commandFailed(CommandFailed(
                        runId: runId, commandId: command.id, userId: command.userId, contactId: command.contactId,
                        status: error.status, kind: error.kind.rawValue, error: error.message, retryable: error.retryable)))
                    if error.kind == .budgetExhausted {
                        // Refused before sending: not a failed write, a write left for when the budget allows.
                        stopped = error
                        unsent += 1
                    } else {
                        summary.failed += 1
                        logger.warning("write failed for \(settings.name) (\(command.id)): \(error.message)")
                    }
                }
            }
            recorded = events
            done += batch.count
            progress(.applying(company: settings.name, done: done, total: indices.count))
        }
        try await recorder.append(recorded, step: "outcome", into: &state)
        if let stopped {
            throw RunPausing(error: stopped, writesLeft: indices.count - done + unsent)
        }
    }

    /// Sends a batch's writes, at most `writeConcurrency` at a time; outcomes come back in the batch's order.
    private func write(_ batch: [Command], currents: [PSAContact?]) async -> [Result<PSAWriteResult, PSAError>] {
        let companyId = settings.psaCompanyId
        let psa = self.psa
        return await withTaskGroup(of: (Int, Result<PSAWriteResult, PSAError>).self) { group in
            var results = [Result<PSAWriteResult, PSAError>?](repeating: nil, count: batch.count)
            var next = 0
            func launch() {
                let index = next
                next += 1
                let write = batch[index].write!
                let current = currents[index]
                group.addTask {
                    do {
                        return (index, .success(try await psa.write(write, companyId: companyId, current: current)))
                    } catch let error as PSAError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(PSAError(.transport, "\(error)", retryable: true)))
                    }
                }
            }
            while next < min(batch.count, Self.writeConcurrency) { launch() }
            for await (index, result) in group {
                results[index] = result
                if next < batch.count { launch() }
            }
            return results.map { $0! }
        }
    }

    private func count(_ command: Command, into summary: inout RunSummary) {
        switch command.kind {
        case .create: summary.created += 1
        case .deactivate: summary.deactivated += 1
        case .reactivate: summary.reactivated += 1
        case .update, .moveSite, .addContactType, .match: summary.updated += 1
        case .endMatch: break
        }
    }
}
