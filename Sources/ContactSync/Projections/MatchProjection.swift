// The matches projection: which user is paired with which contact (R4.3), and since when.

import Foundation

/// One user ↔ contact pairing.
public struct MatchRecord: Codable, Sendable, Hashable {
    /// How the pair came to be.
    public enum Basis: String, Codable, Sendable, Hashable {
        /// R4.1: an existing contact had the user's email.
        case email
        /// R5.3: a run created the contact for the user.
        case created
    }

    public var userId: String
    public var contactId: Int
    public var basis: Basis
    public var position: Int64
    public var runId: String
    /// R6.8: per synced field, the Microsoft value Rollcall last wrote to the contact, or saw when it matched it;
    /// `onChange` writes a field only when Microsoft 365 now holds something else.
    public var written: [SyncedField: String] = [:]

    /// Makes a match record.
    public init(
        userId: String, contactId: Int, basis: Basis, position: Int64, runId: String, written: [SyncedField: String] = [:]
    ) {
        self.userId = userId
        self.contactId = contactId
        self.basis = basis
        self.position = position
        self.runId = runId
        self.written = written
    }
}

/// The fold of match decisions: `ContactMatched`, `MatchEnded`, and successful creates (R5.3).
public struct MatchProjection: Codable, Sendable, Hashable {
    public static let codeVersion = 1

    public var byUser: [String: MatchRecord] = [:]
    public var byContact: [Int: String] = [:]

    /// An empty projection.
    public init() {}

    /// Folds one event in; events of other families are ignored.
    public mutating func apply(_ envelope: EventEnvelope) {
        switch envelope.event {
        case .contactMatched(let e):
            pair(MatchRecord(userId: e.match.userId, contactId: e.match.contactId, basis: .email, position: envelope.position, runId: e.runId))
        case .commandSucceeded(let e) where e.kind == .create:
            guard let user = e.userId else { return }
            pair(MatchRecord(userId: user, contactId: e.contactId, basis: .created, position: envelope.position, runId: e.runId))
        case .matchEnded(let e):
            if byUser[e.userId]?.contactId == e.contactId { byUser[e.userId] = nil }
            if byContact[e.contactId] == e.userId { byContact[e.contactId] = nil }
        default:
            return
        }
    }

    private mutating func pair(_ m: MatchRecord) {
        if let old = byUser[m.userId] { byContact[old.contactId] = nil }
        if let oldUser = byContact[m.contactId] { byUser[oldUser] = nil }
        byUser[m.userId] = m
        byContact[m.contactId] = m.userId
    }
}
