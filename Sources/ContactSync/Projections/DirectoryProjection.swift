// The directory projection: each user's latest snapshot, removals, group members, license catalog, last read.

import Foundation

/// What Rollcall knows of one user.
public struct UserRecord: Codable, Sendable, Hashable {
    public var user: DirectoryUser
    /// The position of the latest snapshot.
    public var position: Int64
    /// Set when the user was removed or missing from a complete read (R1.2); cleared when it is seen again.
    public var removal: IneligibleReason?
    /// The position of the event that set `removal`.
    public var removalPosition: Int64?
    /// R6.6 `onChange`: the position at which each synced field's Microsoft value last changed.
    public var fieldChangedAt: [SyncedField: Int64]
    /// The position of the event where the user's current eligibility began.
    public var eligibilitySince: Int64

    /// The user's eligibility (R1).
    public var eligibility: Eligibility { Eligibility.of(user, removal: removal) }

    /// Makes a record (a stored one read back, say).
    public init(
        user: DirectoryUser, position: Int64, removal: IneligibleReason?, removalPosition: Int64?,
        fieldChangedAt: [SyncedField: Int64], eligibilitySince: Int64
    ) {
        self.user = user
        self.position = position
        self.removal = removal
        self.removalPosition = removalPosition
        self.fieldChangedAt = fieldChangedAt
        self.eligibilitySince = eligibilitySince
    }
}

/// The members of a group as last observed.
public struct GroupRecord: Codable, Sendable, Hashable {
    public var groupId: String
    public var displayName: String
    public var userIds: Set<String>
    public var position: Int64

    /// Makes a group record.
    public init(groupId: String, displayName: String, userIds: Set<String>, position: Int64) {
        self.groupId = groupId
        self.displayName = displayName
        self.userIds = userIds
        self.position = position
    }
}

/// The last directory read's outcome (R1.3).
public struct DirectoryReadRecord: Codable, Sendable, Hashable {
    public var mode: DirectoryReadMode
    public var complete: Bool
    public var deltaLink: String?
    public var usersSeen: Int
    public var position: Int64
    public var failed: Bool
}

/// The fold of the Microsoft 365 side of a company's events.
public struct DirectoryProjection: Codable, Sendable, Hashable {
    public static let codeVersion = 1

    public var users: [String: UserRecord] = [:]
    /// Keyed by the normalized group id and display name, and the name a filter used.
    public var groups: [String: GroupRecord] = [:]
    public var catalog: [LicenseSku] = []
    public var catalogPosition: Int64?
    public var lastRead: DirectoryReadRecord?
    /// The delta link of the last complete read, for the next delta round.
    public var deltaLink: String?
    /// The groups delta's tracked groups and their direct members, when the groups are read that way.
    public var groupGraph: GroupGraph?

    /// An empty projection.
    public init() {}

    /// The facts the scope rules read (R2.2).
    public var scopeContext: ScopeContext {
        ScopeContext(groups: groups.mapValues(\.userIds), catalog: catalog)
    }

    /// Folds one event in; events of other families are ignored.
    public mutating func apply(_ envelope: EventEnvelope) {
        let pos = envelope.position
        switch envelope.event {
        case .directoryUserObserved(let e):
            observe(e.user, at: pos)
        case .directoryUserRemoved(let e):
            guard var r = users[e.userId] else { return }
            let before = r.eligibility
            r.removal = e.reason == .deleted ? .deleted : .softDeleted
            r.removalPosition = pos
            if r.eligibility != before { r.eligibilitySince = pos }
            users[e.userId] = r
        case .groupMembersObserved(let e):
            let record = GroupRecord(groupId: e.groupId, displayName: e.displayName, userIds: Set(e.userIds), position: pos)
            for key in Set([e.group, e.groupId, e.displayName].map(Scope.normalized)) { groups[key] = record }
        case .groupsDeltaObserved(let e):
            var nodes = e.fresh ? [:] : groupGraph?.nodes ?? [:]
            for id in e.removedGroupIds { nodes[id] = nil }
            for node in e.groups { nodes[node.groupId] = node }
            groupGraph = GroupGraph(deltaLink: e.deltaLink, tracked: Set(e.trackedGroupIds), nodes: nodes)
        case .licenseCatalogObserved(let e):
            catalog = e.skus
            catalogPosition = pos
        case .directoryReadCompleted(let e):
            lastRead = DirectoryReadRecord(
                mode: e.mode, complete: e.complete, deltaLink: e.deltaLink, usersSeen: e.usersSeen, position: pos, failed: false)
            guard e.complete else { return }  // R1.3: only a complete read changes eligibility
            if let link = e.deltaLink { deltaLink = link }
            if e.mode == .full, let missing = e.notFoundUserIds {
                for id in missing {
                    guard var r = users[id], r.removal == nil else { continue }
                    r.removal = .notFound
                    r.removalPosition = pos
                    r.eligibilitySince = pos
                    users[id] = r
                }
            }
        case .directoryReadFailed(let e):
            lastRead = DirectoryReadRecord(mode: e.mode, complete: false, deltaLink: nil, usersSeen: e.usersSeen, position: pos, failed: true)
        default:
            return
        }
    }

    private mutating func observe(_ user: DirectoryUser, at pos: Int64) {
        guard var r = users[user.id] else {
            let changed = Dictionary(uniqueKeysWithValues: SyncedField.allCases.map { ($0, pos) })
            users[user.id] = UserRecord(user: user, position: pos, removal: nil, removalPosition: nil, fieldChangedAt: changed, eligibilitySince: pos)
            return
        }
        let before = r.eligibility
        for field in SyncedField.allCases where Self.value(field, of: r.user) != Self.value(field, of: user) {
            r.fieldChangedAt[field] = pos
        }
        r.user = user
        r.position = pos
        r.removal = nil  // seen again: restored
        r.removalPosition = nil
        if r.eligibility != before { r.eligibilitySince = pos }
        users[user.id] = r
    }

    /// The Microsoft value behind a synced field (R6.1); `email` compares UPN and mail together.
    static func value(_ field: SyncedField, of u: DirectoryUser) -> String? {
        switch field {
        case .firstName: u.givenName
        case .lastName: u.surname
        case .title: u.jobTitle
        case .phone: u.businessPhones.first
        case .mobile: u.mobilePhone
        case .email: u.userPrincipalName + "\u{1F}" + (u.mail ?? "")
        }
    }
}
