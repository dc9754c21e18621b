// R1: whether a user is eligible (licensed and sign-in enabled), and if not, why.

import Foundation

/// Why a user is not eligible (R1.2), or out of scope (R2.6).
public enum IneligibleReason: String, Codable, Sendable, Hashable {
    case disabled, unlicensed, deleted, softDeleted, notFound, outOfScope

    /// The reason as a phrase completing "its Microsoft 365 user …".
    public var phrase: String {
        switch self {
        case .disabled: "was disabled (sign-in blocked)"
        case .unlicensed: "lost its last license"
        case .deleted: "was deleted"
        case .softDeleted: "was deleted (soft-deleted, restorable for 30 days)"
        case .notFound: "was missing from a complete read of the directory"
        case .outOfScope: "no longer matches any mapping filter"
        }
    }
}

/// R1: a user's eligibility.
public enum Eligibility: Sendable, Hashable {
    case eligible
    case ineligible(IneligibleReason)

    /// R1.1/R1.2: eligible when enabled and licensed and not removed; the reason otherwise.
    public static func of(_ user: DirectoryUser, removal: IneligibleReason?) -> Eligibility {
        if let removal { return .ineligible(removal) }
        if user.accountEnabled != true { return .ineligible(.disabled) }
        if user.assignedLicenses.isEmpty { return .ineligible(.unlicensed) }
        return .eligible
    }

    /// True for `.eligible`.
    public var isEligible: Bool { self == .eligible }
}
