// The Graph emulator's state: tenants, tokens, users with per-property change sequences, delta rounds in flight.

import Foundation

/// One answer of the emulator, before it becomes an HTTP response.
struct GraphReply: Sendable {
    static let odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
    var status: Int
    var headers: [String: String] = [:]
    var body: String
    var contentType: String = GraphReply.odataJSON
}

/// What the emulator needs to know about one Graph request besides its path.
struct GraphCall: Sendable {
    /// `http://host:port`, for absolute nextLink/deltaLink URLs.
    var base: String
    /// Query parameters, names and values percent-decoded.
    var query: [String: String]
    var consistencyEventual: Bool
    var preferMinimal: Bool
    var clientRequestId: String?
}

/// A user in the emulator, with what changed when.
struct GraphUserRecord: Sendable {
    var user: GraphUser
    var fragments: [String: (text: String, unset: Bool)]
    /// The sequence at which the user appeared (created or restored).
    var created: Int
    /// The sequence at which each property last changed.
    var propertySequence: [String: Int]

    init(user: GraphUser, sequence: Int) {
        self.user = user
        self.fragments = user.renderedProperties()
        self.created = sequence
        self.propertySequence = [:]
    }

    /// Whether the user shows up in a delta round since `sequence`, tracking only `tracked` properties.
    func changed(since sequence: Int, tracked: [String]?) -> Bool {
        if created > sequence { return true }
        if let tracked { return tracked.contains { (propertySequence[$0] ?? 0) > sequence } }
        return propertySequence.values.contains { $0 > sequence }
    }
}

/// How a user is written into an answer.
enum GraphRenderMode {
    /// `/users`: every selected property, `null` when unset.
    case list
    /// A user new to a delta round: set properties only.
    case deltaNew
    /// A user changed since a link: set or changed properties; only changed ones when `minimal`.
    case deltaChanged(since: Int, minimal: Bool)
}

/// One tenant's directory and its change history.
struct GraphTenantState: Sendable {
    var tenantId: String
    var domain: String
    var clientId: String
    var clientSecret: String
    var skus: [GraphSku]
    var groups: [String: GraphGroup] = [:]
    var groupOrder: [String] = []
    /// Groups deleted so far, so a round that says they left a group can still name them as groups.
    var deletedGroups: Set<String> = []
    var users: [String: GraphUserRecord] = [:]
    var sortedIds: [String] = []
    var softDeleted: [String: GraphUserRecord] = [:]
    var removals: [String: (sequence: Int, reason: String)] = [:]
    /// Rises with every change; delta links remember the value they were issued at.
    var sequence = 0
    /// Bumped by `expireDeltaLinks`; links of an older epoch answer 410.
    var linkEpoch = 0

    init(_ tenant: GraphTenant) {
        tenantId = tenant.tenantId
        domain = tenant.domain
        clientId = tenant.clientId
        clientSecret = tenant.clientSecret
        skus = tenant.skus
        for group in tenant.groups {
            groups[group.id] = group
            groupOrder.append(group.id)
        }
        for user in tenant.users {
            users[user.id] = GraphUserRecord(user: user, sequence: 0)
        }
        sortedIds = users.keys.sorted()
    }

    mutating func upsert(_ user: GraphUser) {
        if var record = users[user.id] {
            let fresh = user.renderedProperties()
            let changed = fresh.keys.filter { fresh[$0]!.text != record.fragments[$0]?.text }
            guard !changed.isEmpty else { return }
            sequence += 1
            for key in changed { record.propertySequence[key] = sequence }
            record.user = user
            record.fragments = fresh
            users[user.id] = record
        } else {
            sequence += 1
            softDeleted[user.id] = nil
            removals[user.id] = nil
            users[user.id] = GraphUserRecord(user: user, sequence: sequence)
            let index = sortedIds.graphInsertionIndex(of: user.id)
            sortedIds.insert(user.id, at: index)
        }
    }

    mutating func softDelete(_ id: String) -> Bool {
        guard let record = users.removeValue(forKey: id) else { return false }
        sortedIds.remove(at: sortedIds.graphInsertionIndex(of: id))
        sequence += 1
        softDeleted[id] = record
        removals[id] = (sequence, "changed")
        return true
    }

    mutating func hardDelete(_ id: String) -> Bool {
        if users[id] != nil { _ = softDelete(id) }
        guard softDeleted.removeValue(forKey: id) != nil else { return false }
        sequence += 1
        removals[id] = (sequence, "deleted")
        for groupId in groupOrder { groups[groupId]?.members.removeAll { $0 == id } }
        return true
    }

    /// The user's JSON object with the properties `select` names (in that order), as `mode` says.
    func render(_ record: GraphUserRecord, select: [String], mode: GraphRenderMode, type: Bool = false) -> String {
        var members: [(String, String)] = type ? [("@odata.type", "\"#microsoft.graph.user\"")] : []
        for name in select {
            guard let fragment = record.fragments[name] else { continue }
            switch mode {
            case .list:
                members.append((name, fragment.text))
            case .deltaNew:
                if name == "id" || !fragment.unset { members.append((name, fragment.text)) }
            case .deltaChanged(let since, let minimal):
                let changed = (record.propertySequence[name] ?? 0) > since
                if name == "id" || changed || (!minimal && !fragment.unset) { members.append((name, fragment.text)) }
            }
        }
        return GraphJSONText.object(members)
    }

    /// A delta round's entries: users new or changed since `since` (every user when `nil`), then removals.
    func deltaEntries(since: Int?, select: [String]?, minimal: Bool) -> [String] {
        let properties = select ?? GraphUser.defaultPropertyNames
        var changed: [(Int, String)] = []
        for id in sortedIds {
            let record = users[id]!
            if let since {
                guard record.changed(since: since, tracked: select) else { continue }
                let mode: GraphRenderMode = record.created > since ? .deltaNew : .deltaChanged(since: since, minimal: minimal)
                let last = max(record.created, record.propertySequence.values.max() ?? 0)
                changed.append((last, render(record, select: properties, mode: mode)))
            } else {
                changed.append((0, render(record, select: properties, mode: .deltaNew)))
            }
        }
        for (id, removal) in removals where since.map({ removal.sequence > $0 }) ?? true {
            let entry = GraphJSONText.object([
                ("id", GraphJSONText.string(id)),
                ("@removed", GraphJSONText.object([("reason", GraphJSONText.string(removal.reason))])),
            ])
            changed.append((removal.sequence, entry))
        }
        return changed.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Users and nested groups reachable from a group, users first, each once; only active users count.
    func transitiveMembers(of groupId: String) -> (users: [String], groups: [String]) {
        var users: [String] = []
        var nested: [String] = []
        var seen: Set<String> = [groupId]
        var queue = [groupId]
        while !queue.isEmpty {
            let current = queue.removeFirst()
            for member in groups[current]?.members ?? [] where seen.insert(member).inserted {
                if groups[member] != nil {
                    nested.append(member)
                    queue.append(member)
                } else if self.users[member] != nil {
                    users.append(member)
                }
            }
        }
        return (users, nested)
    }
}

extension Array where Element == String {
    /// The index at which `value` sits or would be inserted in this sorted array.
    func graphInsertionIndex(of value: String) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
