// The PSA event family: what a run observed of the PSA company's contacts, sites and contact types.

import Foundation

/// How a PSA read went about it.
public enum PSAReadMode: String, Codable, Sendable, Hashable {
    case full, incremental
}

/// A contact's full snapshot, appended only when its content hash changed.
public struct PsaContactObserved: Codable, Sendable, Hashable {
    public static let eventType = "PsaContactObserved"
    public static let schemaVersion = 1

    public var contact: PSAContact
    public var contentHash: String
    public var runId: String?

    /// Makes the event; `contentHash` is the snapshot's hash in the stored format (`StoredFormat` makes both at once).
    public init(contact: PSAContact, contentHash: String, runId: String? = nil) {
        self.contact = contact
        self.contentHash = contentHash
        self.runId = runId
    }
}

/// A contact Rollcall knew is no longer in the PSA: it was deleted (R4.4).
public struct PsaContactMissing: Codable, Sendable, Hashable {
    public static let eventType = "PsaContactMissing"
    public static let schemaVersion = 1

    public var contactId: Int
    public var runId: String?

    /// Makes the event.
    public init(contactId: Int, runId: String? = nil) {
        self.contactId = contactId
        self.runId = runId
    }
}

/// The PSA company's sites (Autotask locations, ConnectWise sites).
public struct PsaSitesObserved: Codable, Sendable, Hashable {
    public static let eventType = "PsaSitesObserved"
    public static let schemaVersion = 1

    public var sites: [PSASite]
    public var runId: String?

    /// Makes the event.
    public init(sites: [PSASite], runId: String? = nil) {
        self.sites = sites
        self.runId = runId
    }
}

/// The PSA's contact types (ConnectWise; empty on Autotask).
public struct PsaContactTypesObserved: Codable, Sendable, Hashable {
    public static let eventType = "PsaContactTypesObserved"
    public static let schemaVersion = 1

    public var types: [PSAContactType]
    public var runId: String?

    /// Makes the event.
    public init(types: [PSAContactType], runId: String? = nil) {
        self.types = types
        self.runId = runId
    }
}

/// A PSA read of the company's contacts ended.
public struct PsaReadCompleted: Codable, Sendable, Hashable {
    public static let eventType = "PsaReadCompleted"
    public static let schemaVersion = 1

    public var mode: PSAReadMode
    public var contactsSeen: Int
    /// For `incremental`: the `modifiedSince` bound used.
    public var modifiedSince: Date?
    /// The newest change time the PSA stamped on any contact this read returned, changed or not; the next
    /// incremental read can start there (the PSA's own clock, so no skew allowance is needed).
    public var newestChange: Date?
    public var runId: String?

    /// Makes the event.
    public init(mode: PSAReadMode, contactsSeen: Int, modifiedSince: Date? = nil, newestChange: Date? = nil, runId: String? = nil) {
        self.mode = mode
        self.contactsSeen = contactsSeen
        self.modifiedSince = modifiedSince
        self.newestChange = newestChange
        self.runId = runId
    }
}

/// A PSA read failed; nothing about the contacts changes.
public struct PsaReadFailed: Codable, Sendable, Hashable {
    public static let eventType = "PsaReadFailed"
    public static let schemaVersion = 1

    /// `PSAError.Kind` raw value, or another short code.
    public var kind: String
    public var error: String
    public var status: Int?
    public var runId: String?

    /// Makes the event.
    public init(kind: String, error: String, status: Int? = nil, runId: String? = nil) {
        self.kind = kind
        self.error = error
        self.status = status
        self.runId = runId
    }
}
