// `rollcall status`: one line per company — in step, syncing, paused until, held or failed — with the writes left,
// when it should be in step at the current budget share, the requests of the budget's window, and approvals waiting.

import ArgumentParser
import ContactSync
import Foundation
import SyncEngine

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where each company stands: in step, syncing, paused until a time, held, or failed.",
        discussion: """
            Read from the log alone (nothing is sent to Microsoft 365 or the PSA). Deactivations waiting for approval \
            anywhere are listed first, with the command that releases them.

            Example:
              rollcall status
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "Only this company, as named in rollcall.yaml.") var company: String?
    @Flag(help: "Print the status as JSON.") var json = false

    func run() async throws {
        let context = try AppContext.load(config, readOnly: true)
        var perWindow: Int?
        if case .autotask(let autotask) = context.settings.psa {
            perWindow = autotask.budgetShare * 10_000 / 100
        }
        var statuses = try await FleetStatus.read(engine: context.engine, perWindow: perWindow)
        if let company {
            let name = try context.company(company).name
            statuses = statuses.filter { $0.company == name }
        }
        if json {
            try printJSON(StatusJSON(statuses))
            return
        }
        let waiting = statuses.flatMap { s in s.holds.map { (s.company, $0) } }
        if !waiting.isEmpty {
            print("Waiting for approval:")
            for (name, hold) in waiting {
                print("  \(name): \(hold.deactivations) deactivations held by \(RunNumber.label(hold.runId)); "
                    + "release with `rollcall approve --company \"\(name)\" --run \(hold.runId)`")
            }
            print("")
        }
        let queue = RunSchedule.ordered(statuses.compactMap(\.queued))
        if !queue.isEmpty {
            print("Queued in rollcall serve, in the order they will go:")
            for run in queue { print("  \(run.company): \(run.trigger.rawValue) run, asked for at \(formatTime(run.since))") }
            print("")
        }
        for status in statuses { print(Self.line(status)) }
    }

    /// One company's status line, and its reason when it has one.
    static func line(_ s: CompanyStatus) -> String {
        var parts = ["\(s.company): \(stateWords(s))"]
        if s.writesLeft > 0 { parts.append("\(s.writesLeft) writes left") }
        if let by = s.inStepBy { parts.append("in step by about \(formatTime(by)) at the current share") }
        parts.append("\(s.requestsInWindow) PSA requests in the last hour")
        if let last = s.lastRun {
            parts.append("last \(RunNumber.label(last.runId)) \(formatTime(last.startedAt))")
        }
        var line = parts.joined(separator: "; ")
        if let detail = s.detail, s.state != .paused { line += "\n    \(detail)" }
        return line
    }

    static func stateWords(_ s: CompanyStatus) -> String {
        switch s.state {
        case .inStep: "in step"
        case .syncing: "syncing"
        case .paused: "paused until \(s.pausedUntil.map(formatTime) ?? "the budget window reopens")"
        case .held: "held: \(s.holds.reduce(0) { $0 + $1.deactivations }) deactivations wait for approval"
        case .failed: "failed"
        case .interrupted: "interrupted (its last run recorded no end; the next run re-reads what is in doubt)"
        case .neverRun: "never run"
        case .disabled: "disabled (enabled: false)"
        }
    }
}

/// Every company's status, as `rollcall status --json` prints it (Schemas/output/status.schema.json).
struct StatusJSON: Encodable {
    struct Approval: Encodable {
        var company: String
        var run: String
        var label: String
        var deactivations: Int
    }

    struct LastRun: Encodable {
        var run: String
        var label: String
        var outcome: String
        var startedAt: Date
        var endedAt: Date?
    }

    struct Company: Encodable {
        var company: String
        var enabled: Bool
        var state: String
        var detail: String?
        var pausedUntil: Date?
        var writesLeft: Int
        var inStepBy: Date?
        var requestsInWindow: Int
        var lastRun: LastRun?
        var held: [Approval]
    }

    struct Queued: Encodable {
        var company: String
        var trigger: String
        var since: Date
    }

    var approvals: [Approval]
    /// R11.7: runs waiting in `serve`'s queue, in the order they will go.
    var queue: [Queued]
    var companies: [Company]

    init(_ statuses: [CompanyStatus]) {
        func approvals(_ s: CompanyStatus) -> [Approval] {
            s.holds.map { Approval(company: s.company, run: $0.runId, label: RunNumber.label($0.runId), deactivations: $0.deactivations) }
        }
        self.approvals = statuses.flatMap(approvals)
        queue = RunSchedule.ordered(statuses.compactMap(\.queued)).map {
            Queued(company: $0.company, trigger: $0.trigger.rawValue, since: $0.since)
        }
        companies = statuses.map { s in
            Company(
                company: s.company, enabled: s.enabled, state: s.state.rawValue, detail: s.detail, pausedUntil: s.pausedUntil,
                writesLeft: s.writesLeft, inStepBy: s.inStepBy, requestsInWindow: s.requestsInWindow,
                lastRun: s.lastRun.map {
                    LastRun(run: $0.runId, label: RunNumber.label($0.runId), outcome: $0.outcome, startedAt: $0.startedAt, endedAt: $0.endedAt)
                },
                held: approvals(s))
        }
    }
}
