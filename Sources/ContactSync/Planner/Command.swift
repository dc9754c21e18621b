// What the planner decides: commands (one per contact per run), each with the reasons behind it.

import Foundation

/// Why a command was planned: one rule of RULES.md, in words, and the events it rests on.
public struct Reason: Codable, Sendable, Hashable {
    /// The rule id, e.g. `R8.1`.
    public var rule: String
    /// A plain phrase completing "because …", e.g. "its Microsoft 365 user lost its last license".
    public var because: String
    /// The log positions of the observations and decisions this reason rests on.
    public var positions: [Int64]

    /// Makes a reason.
    public init(rule: String, because: String, positions: [Int64] = []) {
        self.rule = rule
        self.because = because
        self.positions = positions
    }
}

/// One field a command changes, from the contact's value to the new one (R6, R6.7).
public struct FieldChange: Codable, Sendable, Hashable {
    /// `firstName`, `lastName`, `title`, `phone`, `mobile`, `email`, `site`, `contactType` or `active`.
    public var field: String
    public var from: String?
    public var to: String?
    /// Set when the value was cut to the PSA's maximum length (R6.7), e.g. "cut from 62 to 50 characters".
    public var note: String?

    /// Makes a field change.
    public init(field: String, from: String?, to: String?, note: String? = nil) {
        self.field = field
        self.from = from
        self.to = to
        self.note = note
    }
}

/// A user ↔ contact pairing the planner decided (R4.1), with the candidates it chose among (R4.2).
public struct MatchDecision: Codable, Sendable, Hashable {
    public var userId: String
    public var contactId: Int
    /// The contact email the match was made on.
    public var email: String
    /// Every contact that had that email, the chosen one included, in preference order.
    public var candidates: [Int]
    /// Set when several contacts qualified: which was chosen and why (R4.2).
    public var ambiguity: String?

    /// Makes a match decision.
    public init(userId: String, contactId: Int, email: String, candidates: [Int], ambiguity: String? = nil) {
        self.userId = userId
        self.contactId = contactId
        self.email = email
        self.candidates = candidates
        self.ambiguity = ambiguity
    }
}

/// One planned step for one contact (or one user to create): at most one PSA write.
public struct Command: Codable, Sendable, Hashable, Identifiable {
    /// What the command chiefly does; a command may do several things to one contact in its one write.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case create, update, deactivate, reactivate, moveSite, addContactType, match, endMatch
    }

    /// Stable within a run: `create:<userId>`, `contact:<contactId>`, `endMatch:<contactId>`.
    public var id: String
    public var kind: Kind
    /// The user the command is for, when there is one.
    public var userId: String?
    /// The contact it writes or matches; `nil` for a create.
    public var contactId: Int?
    /// The PSA write; `nil` for `match` and `endMatch`, which only record a decision.
    public var write: PSAWrite?
    /// A match to record before the write (R4.1): the engine appends `ContactMatched` for it.
    public var match: MatchDecision?
    /// The human-readable changes (field, from → to, cut note).
    public var changes: [FieldChange]
    /// The rules that decided it, with the events they rest on.
    public var reasons: [Reason]
    /// The settings version in force.
    public var settingsVersion: Int

    /// Makes a command.
    public init(
        id: String, kind: Kind, userId: String?, contactId: Int?, write: PSAWrite?, match: MatchDecision? = nil,
        changes: [FieldChange] = [], reasons: [Reason], settingsVersion: Int
    ) {
        self.id = id
        self.kind = kind
        self.userId = userId
        self.contactId = contactId
        self.write = write
        self.match = match
        self.changes = changes
        self.reasons = reasons
        self.settingsVersion = settingsVersion
    }

    /// Every rule id of the command's reasons, in order, without repeats.
    public var ruleIds: [String] {
        var seen = Set<String>()
        return reasons.map(\.rule).filter { seen.insert($0).inserted }
    }

    /// Every event position the command rests on, ascending.
    public var positions: [Int64] { Array(Set(reasons.flatMap(\.positions))).sorted() }

    /// True when the command sets the contact inactive (R8).
    public var deactivates: Bool {
        if case .update(_, let u)? = write { return u.isActive == false }
        return false
    }
}

/// A note in a plan that is not a command: an ambiguity, or a user that could not be placed.
public struct PlanNote: Codable, Sendable, Hashable {
    public var userId: String?
    public var contactId: Int?
    public var rule: String
    public var message: String

    /// Makes a note.
    public init(userId: String? = nil, contactId: Int? = nil, rule: String, message: String) {
        self.userId = userId
        self.contactId = contactId
        self.rule = rule
        self.message = message
    }
}

/// The planner's answer: commands in a stable order, plus notes.
public struct Plan: Codable, Sendable, Hashable {
    public var commands: [Command]
    public var notes: [PlanNote]
    /// How many contacts were matched when planning (the base of R8.4's percentage).
    public var matchedCount: Int
    /// The settings version the plan was made under.
    public var settingsVersion: Int

    /// Makes a plan.
    public init(commands: [Command], notes: [PlanNote], matchedCount: Int, settingsVersion: Int) {
        self.commands = commands
        self.notes = notes
        self.matchedCount = matchedCount
        self.settingsVersion = settingsVersion
    }

    /// The commands that deactivate a contact.
    public var deactivations: [Command] { commands.filter(\.deactivates) }
}
