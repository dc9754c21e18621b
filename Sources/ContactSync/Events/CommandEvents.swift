// The decisions-and-writes event family: matches, planned commands, holds, and each write's attempt and outcome.

import Foundation

/// A user and a contact were paired (R4.1), recorded from a planner `match`.
public struct ContactMatched: Codable, Sendable, Hashable {
    public static let eventType = "ContactMatched"
    public static let schemaVersion = 1

    public var runId: String
    public var commandId: String
    public var match: MatchDecision
    public var reasons: [Reason]
    public var settingsVersion: Int

    /// Makes the event from the planner's decision.
    public init(runId: String, commandId: String, match: MatchDecision, reasons: [Reason], settingsVersion: Int) {
        self.runId = runId
        self.commandId = commandId
        self.match = match
        self.reasons = reasons
        self.settingsVersion = settingsVersion
    }
}

/// A match ended because its contact was observed deleted (R4.4).
public struct MatchEnded: Codable, Sendable, Hashable {
    public static let eventType = "MatchEnded"
    public static let schemaVersion = 1

    public var runId: String
    public var commandId: String
    public var userId: String
    public var contactId: Int
    public var reasons: [Reason]
    public var settingsVersion: Int

    /// Makes the event.
    public init(runId: String, commandId: String, userId: String, contactId: Int, reasons: [Reason], settingsVersion: Int) {
        self.runId = runId
        self.commandId = commandId
        self.userId = userId
        self.contactId = contactId
        self.reasons = reasons
        self.settingsVersion = settingsVersion
    }
}

/// The planner decided a command (R12.1: with its rules, positions and settings version).
public struct CommandPlanned: Codable, Sendable, Hashable {
    public static let eventType = "CommandPlanned"
    public static let schemaVersion = 1

    public var runId: String
    public var command: Command

    /// Makes the event.
    public init(runId: String, command: Command) {
        self.runId = runId
        self.command = command
    }
}

/// A run's deactivations exceeded the threshold and wait for approval (R8.4).
public struct DeactivationsHeld: Codable, Sendable, Hashable {
    public static let eventType = "DeactivationsHeld"
    public static let schemaVersion = 1

    public var runId: String
    public var commandIds: [String]
    public var deactivations: Int
    public var matchedContacts: Int
    public var threshold: DeactivationThreshold

    /// Makes the event.
    public init(runId: String, commandIds: [String], deactivations: Int, matchedContacts: Int, threshold: DeactivationThreshold) {
        self.runId = runId
        self.commandIds = commandIds
        self.deactivations = deactivations
        self.matchedContacts = matchedContacts
        self.threshold = threshold
    }

    /// Makes the event from a safety decision.
    public init(runId: String, decision: DeactivationDecision) {
        self.runId = runId
        self.commandIds = decision.heldCommandIds
        self.deactivations = decision.deactivations
        self.matchedContacts = decision.matchedContacts
        self.threshold = decision.threshold
    }
}

/// An operator approved a held run's deactivations (`rollcall approve`).
public struct DeactivationsApproved: Codable, Sendable, Hashable {
    public static let eventType = "DeactivationsApproved"
    public static let schemaVersion = 1

    public var runId: String
    public var commandIds: [String]
    /// Who approved, as the operator's account name says, when known.
    public var approvedBy: String?

    /// Makes the event.
    public init(runId: String, commandIds: [String], approvedBy: String? = nil) {
        self.runId = runId
        self.commandIds = commandIds
        self.approvedBy = approvedBy
    }
}

/// R8.7: an operator dismissed a held run's deactivations instead of approving them. They are not applied, and are
/// not planned again for the same users until their state in Microsoft 365 changes.
public struct DeactivationsDismissed: Codable, Sendable, Hashable {
    public static let eventType = "DeactivationsDismissed"
    public static let schemaVersion = 1

    public var runId: String
    public var commandIds: [String]
    /// Why, in the operator's words.
    public var reason: String
    /// Who dismissed (R12.3).
    public var dismissedBy: String?

    /// Makes the event.
    public init(runId: String, commandIds: [String], reason: String, dismissedBy: String?) {
        self.runId = runId
        self.commandIds = commandIds
        self.reason = reason
        self.dismissedBy = dismissedBy
    }
}

/// A write is about to be sent; committed before the HTTP call, so a crash leaves it "in doubt".
public struct CommandAttempted: Codable, Sendable, Hashable {
    public static let eventType = "CommandAttempted"
    public static let schemaVersion = 1

    public var runId: String
    public var commandId: String
    public var userId: String?
    public var contactId: Int?
    public var write: PSAWrite
    public var attempt: Int

    /// Makes the event.
    public init(runId: String, commandId: String, userId: String?, contactId: Int?, write: PSAWrite, attempt: Int = 1) {
        self.runId = runId
        self.commandId = commandId
        self.userId = userId
        self.contactId = contactId
        self.write = write
        self.attempt = attempt
    }
}

/// A write succeeded; `contact` is the PSA's answer, and a fresh observation of that contact.
public struct CommandSucceeded: Codable, Sendable, Hashable {
    public static let eventType = "CommandSucceeded"
    public static let schemaVersion = 1

    public var runId: String
    public var commandId: String
    public var kind: Command.Kind
    /// The user the write was for; a create makes this user ↔ contact a match (R5.3).
    public var userId: String?
    public var contactId: Int
    public var contact: PSAContact
    public var status: Int
    /// The PSA's answer body, shortened, for the audit.
    public var responseBody: String?

    /// Makes the event.
    public init(
        runId: String, commandId: String, kind: Command.Kind, userId: String?, contact: PSAContact, status: Int,
        responseBody: String? = nil
    ) {
        self.runId = runId
        self.commandId = commandId
        self.kind = kind
        self.userId = userId
        self.contactId = contact.id
        self.contact = contact
        self.status = status
        self.responseBody = responseBody
    }
}

/// A write failed.
public struct CommandFailed: Codable, Sendable, Hashable {
    public static let eventType = "CommandFailed"
    public static let schemaVersion = 1

    public var runId: String
    public var commandId: String
    public var userId: String?
    public var contactId: Int?
    public var status: Int?
    /// `PSAError.Kind` raw value, or another short code.
    public var kind: String
    public var error: String
    public var retryable: Bool

    /// Makes the event.
    public init(
        runId: String, commandId: String, userId: String?, contactId: Int?, status: Int?, kind: String, error: String,
        retryable: Bool
    ) {
        self.runId = runId
        self.commandId = commandId
        self.userId = userId
        self.contactId = contactId
        self.status = status
        self.kind = kind
        self.error = error
        self.retryable = retryable
    }
}
