// R8.4 and R8.5: whether a run's deactivations are too many to apply without an operator's approval.

import Foundation

/// The outcome of R8.4 and R8.5 for one plan.
public struct DeactivationDecision: Codable, Sendable, Hashable {
    public var deactivations: Int
    public var matchedContacts: Int
    public var threshold: DeactivationThreshold
    /// True when every deactivation of the run waits for approval.
    public var held: Bool
    /// The deactivating commands that wait (empty when not held).
    public var heldCommandIds: [String]
    /// The rule that held them (`R8.4` or `R8.5`), nil when not held.
    public var rule: String?

    /// Why the deactivations are held, in an operator's words; nil when they are not.
    public var explanation: String? {
        switch rule {
        case "R8.4": "more than \(threshold.count) and more than \(threshold.percent)% of \(matchedContacts) matched contacts"
        case "R8.5": "more than \(threshold.alwaysAbovePercent)% of \(matchedContacts) matched contacts, which is always held"
        default: nil
        }
    }
}

/// R8.4 and R8.5, as a pure function the engine (and `plan`) calls after planning.
public enum DeactivationSafety {
    /// Holds every deactivation when they are more than `threshold.count` **and** more than `threshold.percent` %
    /// of the matched contacts (R8.4), or, whatever the count, at least 2 and more than
    /// `threshold.alwaysAbovePercent` % of them (R8.5: a lapsed subscription at a small customer); creates and
    /// updates are never held.
    public static func decide(_ plan: Plan, threshold: DeactivationThreshold) -> DeactivationDecision {
        let ids = plan.deactivations.map(\.id)
        let n = ids.count
        let rule: String? =
            n > threshold.count && n * 100 > threshold.percent * plan.matchedCount ? "R8.4"
            : n >= 2 && n * 100 > threshold.alwaysAbovePercent * plan.matchedCount ? "R8.5"
            : nil
        return DeactivationDecision(
            deactivations: n, matchedContacts: plan.matchedCount, threshold: threshold, held: rule != nil,
            heldCommandIds: rule != nil ? ids : [], rule: rule)
    }
}
