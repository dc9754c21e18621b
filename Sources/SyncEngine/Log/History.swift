// Reading runs and writes back out of the log: `rollcall history`, the control API's run list.

import ContactSync
import Foundation

/// One run as the log tells it.
public struct RunRecord: Codable, Sendable, Hashable {
    public var runId: String
    public var startedAt: Date
    public var trigger: RunTrigger
    public var mode: DirectoryReadMode
    public var dryRun: Bool
    public var settingsVersion: Int?
    /// `running`, `completed`, `failed`, `paused`.
    public var outcome: String
    public var endedAt: Date?
    public var counts: RunCounts?
    public var error: String?
    /// A paused run (R11.6): when it goes on, and the writes it had left.
    public var resumeAt: Date?
    public var writesLeft: Int?
    /// Requests the run sent to the PSA, when it recorded them (runs since R11.6).
    public var psaRequests: Int?
    /// Where the run was asked for, and by whom (runs recorded since the console).
    public var origin: RunOrigin?
    /// R8.4/R8.7: the run's held deactivations, while they wait and once a person decided.
    public var hold: HoldRecord?
    public var writes: [WriteRecord]
}

/// A run's held deactivations: waiting, approved or dismissed, and by whom.
public struct HoldRecord: Codable, Sendable, Hashable {
    /// `waiting`, `approved` or `dismissed`.
    public var state: String
    public var deactivations: Int
    public var by: String?
    public var reason: String?
}

/// One PSA write as the log tells it.
public struct WriteRecord: Codable, Sendable, Hashable {
    public var at: Date
    public var commandId: String
    public var kind: String
    public var contactId: Int?
    public var userId: String?
    /// `succeeded`, `failed`, or `postponed` (held back by the API budget before it was sent, R11.6).
    public var outcome: String
    public var detail: String?
    /// Who the write was for: the user's name and UPN, else the contact's name (`History.naming`).
    public var person: String?
}

/// Reads a company's runs and writes from its log.
public enum History {
    /// The runs with each write naming the person it was for, from `state` (the user's name and UPN, else the
    /// contact's name): `create contact 30684001 for Dana Lee <dana.lee@contoso.com>`.
    public static func naming(_ runs: [RunRecord], state: CompanyState) -> [RunRecord] {
        runs.map { run in
            var named = run
            named.writes = run.writes.map { write in
                var w = write
                if let user = write.userId.flatMap({ state.directory.users[$0]?.user }) {
                    let name = [user.givenName, user.surname].compactMap { $0 }.joined(separator: " ")
                    w.person = "\(name.isEmpty ? user.displayName ?? user.userPrincipalName : name) <\(user.userPrincipalName)>"
                } else if let contact = write.contactId.flatMap({ state.psa.contacts[$0]?.contact }) {
                    let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
                    w.person = name.isEmpty ? contact.primaryEmail : name
                }
                return w
            }
            return named
        }
    }

    /// Every run of the company (started at or after `since`), in order, with its writes.
    public static func runs(log: CompanyLog, since: Date? = nil) async throws -> [RunRecord] {
        var runs: [String: RunRecord] = [:]
        var order: [String] = []
        var kinds: [String: Command.Kind] = [:]
        let types: Set<String> = [
            RunStarted.eventType, RunCompleted.eventType, RunFailed.eventType, RunPaused.eventType, CommandPlanned.eventType,
            CommandSucceeded.eventType, CommandFailed.eventType, DeactivationsHeld.eventType, DeactivationsApproved.eventType,
            DeactivationsDismissed.eventType,
        ]
        for try await envelope in log.envelopes(types: types) {
            switch envelope.event {
            case .runStarted(let e):
                guard since.map({ envelope.recordedAt >= $0 }) ?? true else { continue }
                order.append(e.runId)
                runs[e.runId] = RunRecord(
                    runId: e.runId, startedAt: envelope.recordedAt, trigger: e.trigger, mode: e.mode, dryRun: e.dryRun,
                    settingsVersion: e.settingsVersion, outcome: "running", origin: e.origin, writes: [])
            case .runCompleted(let e):
                // A run whose deactivations wait for a person reads as held, not completed (R8.4).
                let waiting = runs[e.runId]?.hold?.state == "waiting"
                runs[e.runId]?.outcome = waiting ? "held" : "completed"
                runs[e.runId]?.endedAt = envelope.recordedAt
                runs[e.runId]?.counts = e.counts
                runs[e.runId]?.psaRequests = e.counts.psaRequests
            case .runFailed(let e):
                runs[e.runId]?.outcome = "failed"
                runs[e.runId]?.endedAt = envelope.recordedAt
                runs[e.runId]?.error = e.error
            case .runPaused(let e):
                runs[e.runId]?.outcome = "paused"
                runs[e.runId]?.endedAt = envelope.recordedAt
                runs[e.runId]?.error = e.reason
                runs[e.runId]?.resumeAt = e.resumeAt
                runs[e.runId]?.writesLeft = e.writesLeft
                runs[e.runId]?.psaRequests = e.psaRequests
            case .deactivationsHeld(let e):
                runs[e.runId]?.hold = HoldRecord(state: "waiting", deactivations: e.commandIds.count)
                if runs[e.runId]?.outcome == "completed" { runs[e.runId]?.outcome = "held" }
            case .deactivationsApproved(let e):
                runs[e.runId]?.hold?.state = "approved"
                runs[e.runId]?.hold?.by = e.approvedBy
                if runs[e.runId]?.outcome == "held" { runs[e.runId]?.outcome = "completed" }
            case .deactivationsDismissed(let e):
                runs[e.runId]?.hold?.state = "dismissed"
                runs[e.runId]?.hold?.by = e.dismissedBy
                runs[e.runId]?.hold?.reason = e.reason
                if runs[e.runId]?.outcome == "held" { runs[e.runId]?.outcome = "completed" }
            case .commandPlanned(let e):
                kinds["\(e.runId)/\(e.command.id)"] = e.command.kind
            case .commandSucceeded(let e):
                runs[e.runId]?.writes.append(WriteRecord(
                    at: envelope.recordedAt, commandId: e.commandId, kind: e.kind.rawValue, contactId: e.contactId,
                    userId: e.userId, outcome: "succeeded", detail: nil))
            case .commandFailed(let e):
                runs[e.runId]?.writes.append(WriteRecord(
                    at: envelope.recordedAt, commandId: e.commandId,
                    kind: kinds["\(e.runId)/\(e.commandId)"]?.rawValue ?? "write", contactId: e.contactId, userId: e.userId,
                    outcome: e.kind == PSAError.Kind.budgetExhausted.rawValue ? "postponed" : "failed", detail: e.error))
            default:
                break
            }
        }
        return order.compactMap { runs[$0] }
    }
}
