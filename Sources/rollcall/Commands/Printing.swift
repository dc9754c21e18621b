// How plans, run summaries and progress read on a terminal.

import ContactSync
import Foundation
import Synchronization
import SyncEngine
#if canImport(Glibc)
import Glibc
#endif

/// Renders plans and summaries as plain text for an MSP technician.
enum Printer {
    /// One line per command: what it does to whom, the changes from → to, and the rules behind it. With the
    /// company's `threshold`, deactivations a run would hold (R8.4, R8.5) are marked so.
    static func plan(_ plan: Plan, state: CompanyState?, threshold: DeactivationThreshold? = nil) -> [String] {
        guard !plan.commands.isEmpty || !plan.notes.isEmpty else { return ["  nothing to do: the PSA matches Microsoft 365"] }
        var lines: [String] = []
        let safety = threshold.map { DeactivationSafety.decide(plan, threshold: $0) }
        let held = Set(safety?.heldCommandIds ?? [])
        if let safety, safety.held, let rule = safety.rule {
            lines.append("  a run would hold these \(safety.deactivations) deactivations for approval (\(rule)): \(safety.explanation ?? "")")
        }
        for command in plan.commands {
            let who = describe(command, state: state)
            let kind = command.kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
            let rules = "[\(command.ruleIds.joined(separator: ", "))]"
            if command.kind == .create {
                let value = { (field: String) in command.changes.first { $0.field == field }?.to }
                let details = [value("title"), value("phone"), value("mobile")].compactMap { $0 }.joined(separator: ", ")
                let site = value("site").map { " at \"\($0)\"" } ?? ""
                lines.append("  \(kind) \(who)\(site)\(details.isEmpty ? "" : " — \(details)")  \(rules)")
                for change in command.changes where change.note != nil {
                    lines.append("                   \(change.field): \(change.note!)")
                }
                continue
            }
            lines.append("  \(kind) \(who)  \(rules)\(held.contains(command.id) ? "  held for approval" : "")")
            for change in command.changes {
                lines.append("                   \(change.field): \(show(change.from, change.field)) → \(show(change.to, change.field))\(change.note.map { "  (\($0))" } ?? "")")
            }
            // Every reason the command has (a reactivation with a changed title has two), each said once.
            var said = Set<String>()
            let because = command.reasons.map(\.because).filter { !$0.isEmpty && said.insert($0).inserted }
            if !because.isEmpty {
                lines.append("                   because \(because.joined(separator: "; and "))")
            }
        }
        for note in plan.notes {
            lines.append("  note           \(note.message)  [\(note.rule)]")
        }
        return lines
    }

    /// The users a plan leaves out (R2.3), each with every filter and why it did not catch them.
    static func leftOut(_ users: [LeftOutUser]) -> [String] {
        guard !users.isEmpty else { return ["  left out: nobody (every eligible user is caught by a filter)"] }
        var lines = ["  left out: \(users.count) eligible user\(users.count == 1 ? "" : "s") no filter catches  [R2.3]"]
        for user in users {
            lines.append("  left out       \(user.userPrincipalName)")
            for miss in user.misses { lines.append("                   \(miss.sentence)") }
        }
        return lines
    }

    private static func show(_ value: String?, _ field: String) -> String {
        guard let value else { return "—" }
        if field == "active" { return value == "true" ? "active" : "inactive" }
        return "\"\(value)\""
    }

    /// A person as plans and history name them: `Alex Wilber <alex.wilber@contoso.com>`.
    static func person(_ user: DirectoryUser) -> String {
        let name = [user.givenName, user.surname].compactMap { $0 }.joined(separator: " ")
        return "\(name.isEmpty ? user.userPrincipalName : name) <\(user.userPrincipalName)>"
    }

    private static func describe(_ command: Command, state: CompanyState?) -> String {
        var parts: [String] = []
        if let userId = command.userId, let user = state?.directory.users[userId]?.user {
            parts.append(person(user))
        } else if let userId = command.userId {
            parts.append("user \(userId)")
        }
        if let contactId = command.contactId { parts.append("contact \(contactId)") }
        return parts.joined(separator: ", ")
    }

    /// The run's summary line, and its message when there is one.
    static func summary(_ s: RunSummary) -> [String] {
        let what = s.dryRun ? "would be" : ""
        var head = "\(s.company): \(RunNumber.label(s.runId)) (\(s.mode.rawValue)\(s.dryRun ? ", dry run" : "")) \(statusWord(s.status))"
        if s.status == .skipped { head = "\(s.company): skipped" }
        var lines = [head]
        if s.status != .skipped {
            lines.append("  \(s.created) created, \(s.updated) updated, \(s.deactivated) deactivated, \(s.reactivated) reactivated, \(s.matched) matched\(what.isEmpty ? "" : " (\(what))"); \(s.held) held, \(s.failed) failed")
            lines.append("  \(s.dryRun ? "would act" : "acted") on \(s.usersActedOn) Microsoft 365 users and \(s.contactsActedOn) PSA contacts; new to the log in this run: \(s.usersObserved) users, \(s.contactsObserved) contacts")
            lines.append("  \(s.graphRequests) Graph and \(s.psaRequests) PSA requests; \(s.eventsAppended) events logged")
        }
        if let message = s.message { lines.append("  " + message) }
        if s.status == .paused, let resumeAt = s.resumeAt {
            lines.append("  Run it again after \(formatTime(resumeAt)) to go on (rollcall serve goes on by itself); nothing is written twice.")
        }
        return lines
    }

    static func statusWord(_ status: RunStatus) -> String {
        switch status {
        case .completed: "completed"
        case .completedWithFailures: "completed with failed writes"
        case .held: "completed; deactivations held for approval"
        case .paused: "paused at the PSA's API budget"
        case .failed: "FAILED"
        case .badSettings: "refused: the settings do not fit the PSA or tenant"
        case .skipped: "skipped"
        }
    }
}

/// Shows a run's progress: a bar on a terminal, plain lines otherwise; always on standard error.
final class ProgressReporter: Sendable {
    let terminal: Bool
    let quiet: Bool
    let lastTenth = Locked(-1)

    init(quiet: Bool) {
        self.terminal = isatty(STDERR_FILENO) != 0
        self.quiet = quiet
    }

    func report(_ progress: RunProgress) {
        guard !quiet else { return }
        switch progress {
        case .step(let company, let text):
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            printError("\(company): \(text)")
        case .applying(let company, let done, let total):
            if terminal {
                let width = 30
                let filled = total == 0 ? width : done * width / total
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                FileHandle.standardError.write(Data("\r\u{1B}[K\(company): writing [\(bar)] \(done)/\(total)\(done == total ? "\n" : "")".utf8))
            } else if case let tenth = done * 10 / max(total, 1), lastTenth.exchange(tenth) != tenth || done == total {
                printError("\(company): \(done) of \(total) writes done")
            }
        }
    }
}

/// A value behind a lock, for state that concurrent callbacks share.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    /// Stores `new` and returns the value it replaced.
    func exchange(_ new: Value) -> Value {
        value.withLock { value in
            defer { value = new }
            return value
        }
    }

    /// Runs `body` with the value, exclusively.
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        value.withLock { body(&$0) }
    }
}
