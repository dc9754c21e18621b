// The PSA contacts projection: each contact's latest snapshot, deletions, the company's sites and contact types.

import Foundation

/// What Rollcall knows of one contact.
public struct ContactRecord: Codable, Sendable, Hashable {
    public var contact: PSAContact
    /// The position of the latest snapshot (an observation or a write's answer).
    public var position: Int64
    /// Set when the contact was observed deleted (R4.4).
    public var missing: Bool
    public var missingPosition: Int64?

    /// Makes a contact record.
    public init(contact: PSAContact, position: Int64, missing: Bool, missingPosition: Int64?) {
        self.contact = contact
        self.position = position
        self.missing = missing
        self.missingPosition = missingPosition
    }
}

/// The fold of the PSA side of a company's events.
public struct PSAProjection: Codable, Sendable, Hashable {
    public static let codeVersion = 1

    public var contacts: [Int: ContactRecord] = [:]
    public var sites: [PSASite] = []
    public var sitesPosition: Int64?
    public var contactTypes: [PSAContactType] = []
    /// The position and time of the last complete contact read, for the next incremental read.
    public var lastReadPosition: Int64?
    public var lastReadAt: Date?
    /// The newest change stamp (the PSA's clock) on a contact a read returned; write answers do not count, since a
    /// write lands after changes others made since our read.
    public var newestReadStamp: Date?

    /// An empty projection.
    public init() {}

    /// Folds one event in; events of other families are ignored.
    public mutating func apply(_ envelope: EventEnvelope) {
        let pos = envelope.position
        switch envelope.event {
        case .psaContactObserved(let e):
            contacts[e.contact.id] = ContactRecord(contact: e.contact, position: pos, missing: false, missingPosition: nil)
            if let stamp = e.contact.lastModified { newestReadStamp = max(newestReadStamp ?? stamp, stamp) }
        case .commandSucceeded(let e):
            contacts[e.contact.id] = ContactRecord(contact: e.contact, position: pos, missing: false, missingPosition: nil)
        case .psaContactMissing(let e):
            guard var r = contacts[e.contactId] else { return }
            r.missing = true
            r.missingPosition = pos
            contacts[e.contactId] = r
        case .psaSitesObserved(let e):
            sites = e.sites
            sitesPosition = pos
        case .psaContactTypesObserved(let e):
            contactTypes = e.types
        case .psaReadCompleted(let e):
            lastReadPosition = pos
            lastReadAt = envelope.recordedAt
            if let stamp = e.newestChange { newestReadStamp = max(newestReadStamp ?? stamp, stamp) }
        default:
            return
        }
    }
}
