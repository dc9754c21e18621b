// The direct memberships of the groups filters name and the groups nested in them, kept from groups delta rounds, and
// the transitive members the scope rules read (R2.2), computed locally.

import Foundation

/// One group's direct members as last observed: users and nested groups, by object id.
public struct GroupNode: Codable, Sendable, Hashable {
    public var groupId: String
    public var displayName: String
    /// Direct user members, sorted.
    public var userIds: [String]
    /// Direct members that are groups, sorted.
    public var groupIds: [String]

    /// Makes a node; the member lists are kept sorted so equal memberships compare equal.
    public init(groupId: String, displayName: String, userIds: [String], groupIds: [String]) {
        self.groupId = groupId
        self.displayName = displayName
        self.userIds = Array(Set(userIds)).sorted()
        self.groupIds = Array(Set(groupIds)).sorted()
    }
}

/// What one group's entries in a groups delta round say (all pages of the round merged).
public struct GroupDeltaChange: Sendable, Hashable {
    public var groupId: String
    /// The display name when the round carried it.
    public var displayName: String?
    /// The group itself was deleted (`@removed` on the group).
    public var removed: Bool
    public var addedUsers: Set<String>
    public var removedUsers: Set<String>
    public var addedGroups: Set<String>
    public var removedGroups: Set<String>

    /// Makes a change.
    public init(
        groupId: String, displayName: String? = nil, removed: Bool = false, addedUsers: Set<String> = [],
        removedUsers: Set<String> = [], addedGroups: Set<String> = [], removedGroups: Set<String> = []
    ) {
        self.groupId = groupId
        self.displayName = displayName
        self.removed = removed
        self.addedUsers = addedUsers
        self.removedUsers = removedUsers
        self.addedGroups = addedGroups
        self.removedGroups = removedGroups
    }
}

/// One groups delta round: what changed for the tracked groups, and the link for the next round.
public struct GroupsDeltaRead: Sendable, Hashable {
    public var changes: [GroupDeltaChange]
    public var deltaLink: String

    /// Makes a read.
    public init(changes: [GroupDeltaChange], deltaLink: String) {
        self.changes = changes
        self.deltaLink = deltaLink
    }
}

/// A group found by the object id or display name a filter gives.
public struct GroupRef: Sendable, Hashable {
    public var id: String
    public var displayName: String

    /// Makes a reference.
    public init(id: String, displayName: String) {
        self.id = id
        self.displayName = displayName
    }
}

/// The groups a company's groups delta tracks: their direct members, and the link of the next round.
public struct GroupGraph: Codable, Sendable, Hashable {
    /// Graph takes at most this many ids in a groups delta's `$filter`; more are read group by group.
    public static let maxTracked = 50

    public var deltaLink: String
    /// The ids the delta link's filter names.
    public var tracked: Set<String>
    public var nodes: [String: GroupNode]

    /// Makes a graph.
    public init(deltaLink: String, tracked: Set<String>, nodes: [String: GroupNode]) {
        self.deltaLink = deltaLink
        self.tracked = tracked
        self.nodes = nodes
    }

    /// `ids` and every group nested in them at any depth that the graph knows of.
    public func closure(of ids: Set<String>) -> Set<String> {
        var seen = ids
        var queue = Array(ids)
        while let id = queue.popLast() {
            for nested in nodes[id]?.groupIds ?? [] where seen.insert(nested).inserted { queue.append(nested) }
        }
        return seen
    }

    /// The users that are members of `id` directly or through nested groups, each once.
    public func transitiveUsers(of id: String) -> Set<String> {
        var users = Set<String>()
        for group in closure(of: [id]) { users.formUnion(nodes[group]?.userIds ?? []) }
        return users
    }

    /// The nodes after a round's changes: a fresh round (no link before) replaces every node; a later one changes
    /// the groups it names. Returns the nodes that changed and the groups that were deleted.
    public static func applying(
        _ changes: [GroupDeltaChange], to nodes: [String: GroupNode], fresh: Bool
    ) -> (nodes: [String: GroupNode], changed: [GroupNode], removed: [String]) {
        var result = fresh ? [:] : nodes
        var changed: [String: GroupNode] = [:]
        var removed: [String] = []
        for change in changes {
            if change.removed {
                if result.removeValue(forKey: change.groupId) != nil || fresh { removed.append(change.groupId) }
                changed[change.groupId] = nil
                continue
            }
            let before = result[change.groupId]
            let users = Set(before?.userIds ?? []).union(change.addedUsers).subtracting(change.removedUsers)
            let groups = Set(before?.groupIds ?? []).union(change.addedGroups).subtracting(change.removedGroups)
            let node = GroupNode(
                groupId: change.groupId, displayName: change.displayName ?? before?.displayName ?? change.groupId,
                userIds: Array(users), groupIds: Array(groups))
            result[change.groupId] = node
            if fresh || node != before { changed[change.groupId] = node }
        }
        return (result, changed.values.sorted { $0.groupId < $1.groupId }, removed.sorted())
    }
}
