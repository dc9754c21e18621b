// The Microsoft 365 event family: what a run observed of the tenant's directory.

import Foundation

/// How a directory read went about it.
public enum DirectoryReadMode: String, Codable, Sendable, Hashable {
    case delta, full
}

/// The tenant's license catalog (`subscribedSkus`).
public struct LicenseCatalogObserved: Codable, Sendable, Hashable {
    public static let eventType = "LicenseCatalogObserved"
    public static let schemaVersion = 1

    public var skus: [LicenseSku]
    public var runId: String?

    /// Makes the event.
    public init(skus: [LicenseSku], runId: String? = nil) {
        self.skus = skus
        self.runId = runId
    }
}

/// A user's full snapshot, appended only when its content hash changed.
public struct DirectoryUserObserved: Codable, Sendable, Hashable {
    public static let eventType = "DirectoryUserObserved"
    public static let schemaVersion = 1

    public var user: DirectoryUser
    public var contentHash: String
    public var runId: String?

    /// Makes the event; `contentHash` is the snapshot's hash in the stored format (`StoredFormat` makes both at once).
    public init(user: DirectoryUser, contentHash: String, runId: String? = nil) {
        self.user = user
        self.contentHash = contentHash
        self.runId = runId
    }
}

/// A delta round reported a user removed (`@removed`).
public struct DirectoryUserRemoved: Codable, Sendable, Hashable {
    public static let eventType = "DirectoryUserRemoved"
    public static let schemaVersion = 1

    public var userId: String
    public var reason: RemovalReason
    public var runId: String?

    /// Makes the event.
    public init(userId: String, reason: RemovalReason, runId: String? = nil) {
        self.userId = userId
        self.reason = reason
        self.runId = runId
    }
}

/// The transitive user members of a group a filter names.
public struct GroupMembersObserved: Codable, Sendable, Hashable {
    public static let eventType = "GroupMembersObserved"
    public static let schemaVersion = 1

    /// The group as the filter names it (object id or display name).
    public var group: String
    public var groupId: String
    public var displayName: String
    public var userIds: [String]
    public var runId: String?

    /// Makes the event.
    public init(group: String, membership: GroupMembership, runId: String? = nil) {
        self.group = group
        self.groupId = membership.groupId
        self.displayName = membership.displayName
        self.userIds = membership.userIds
        self.runId = runId
    }
}

/// A groups delta round over the groups filters name and the groups nested in them: the direct members of each
/// group new or changed (all of them on a fresh round), the groups deleted, and the link of the next round.
public struct GroupsDeltaObserved: Codable, Sendable, Hashable {
    public static let eventType = "GroupsDeltaObserved"
    public static let schemaVersion = 1

    /// The round started from scratch: `groups` replaces every group known before.
    public var fresh: Bool
    /// The ids the round's filter names.
    public var trackedGroupIds: [String]
    public var groups: [GroupNode]
    public var removedGroupIds: [String]
    public var deltaLink: String
    public var runId: String?

    /// Makes the event.
    public init(
        fresh: Bool, trackedGroupIds: [String], groups: [GroupNode], removedGroupIds: [String], deltaLink: String,
        runId: String? = nil
    ) {
        self.fresh = fresh
        self.trackedGroupIds = trackedGroupIds
        self.groups = groups
        self.removedGroupIds = removedGroupIds
        self.deltaLink = deltaLink
        self.runId = runId
    }
}

/// A directory read ended; only a `complete` read may make missing users ineligible (R1.3).
public struct DirectoryReadCompleted: Codable, Sendable, Hashable {
    public static let eventType = "DirectoryReadCompleted"
    public static let schemaVersion = 1

    public var mode: DirectoryReadMode
    /// Every page fetched and the round ended with a delta link.
    public var complete: Bool
    public var deltaLink: String?
    public var usersSeen: Int
    /// For a complete full read: the known users it did not find; they become `notFound` (R1.2). Only the missing
    /// ones are listed, so a full read of a large tenant stays a small event.
    public var notFoundUserIds: [String]?
    public var runId: String?

    /// Makes the event.
    public init(
        mode: DirectoryReadMode, complete: Bool, deltaLink: String?, usersSeen: Int, notFoundUserIds: [String]? = nil,
        runId: String? = nil
    ) {
        self.mode = mode
        self.complete = complete
        self.deltaLink = deltaLink
        self.usersSeen = usersSeen
        self.notFoundUserIds = notFoundUserIds
        self.runId = runId
    }
}

/// A directory read failed; nobody's eligibility changes (R1.3).
public struct DirectoryReadFailed: Codable, Sendable, Hashable {
    public static let eventType = "DirectoryReadFailed"
    public static let schemaVersion = 1

    public var mode: DirectoryReadMode
    /// `DirectoryError.Kind` raw value, or another short code.
    public var kind: String
    public var error: String
    public var usersSeen: Int
    public var runId: String?

    /// Makes the event.
    public init(mode: DirectoryReadMode, kind: String, error: String, usersSeen: Int = 0, runId: String? = nil) {
        self.mode = mode
        self.kind = kind
        self.error = error
        self.usersSeen = usersSeen
        self.runId = runId
    }
}
