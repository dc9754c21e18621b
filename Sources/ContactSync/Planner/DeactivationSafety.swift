// R8.4: whether a run's deactivations are too many to apply without an operator's approval.

import Foundation

/// The outcome of R8.4 for one plan.
public struct DeactivationDecision: Codable, Sendable, Hashable {
    public var deactivations: Int
    public var matchedContacts: Int
    public var threshold: DeactivationThreshold
    /// True when every deactivation of the run waits for approval.
    public var held: Bool
    /// The deactivating commands that wait (empty when not held).
    public var heldCommandIds: [String]
}

/// R8.4, as a pure function the engine calls after planning.
public enum DeactivationSafety {
    /// Holds every deactivation when they are more than `threshold.count` **and** more than `threshold.percent` %
    /// of the matched contacts; creates and updates are never held.
    public static func decide(_ plan: Plan, threshold: DeactivationThreshold) -> DeactivationDecision {
        let ids = plan.deactivations.map(\.id)
        let n = ids.count
        let held = n > threshold.count && n * 100 > threshold.percent * plan.matchedCount
        return DeactivationDecision(
            deactivations: n, matchedContacts: plan.matchedCount, threshold: threshold, held: held,
            heldCommandIds: held ? ids : [])
    }
}
