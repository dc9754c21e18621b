// `GET /v1.0/groups/delta` (delta-query-groups.md): groups with `members@delta`, filtered by id, paged, and later rounds
// that carry only what changed: members added, members removed (`@removed`), groups deleted.

import Foundation

/// What a groups delta link remembers: the tenant, its link epoch, the filter's ids, whether members were asked
/// for, and each group's name and direct members when the link was issued.
struct GroupSnapshot: Sendable {
    var tenant: String
    var epoch: Int
    var ids: [String]?
    var members: Bool
    var names: Bool
    var groups: [String: (name: String, members: Set<String>)]
}

extension GraphTenantState {
    /// A group's direct members as Graph shows them: active users and existing groups.
    func directMembers(of groupId: String) -> Set<String> {
        Set((groups[groupId]?.members ?? []).filter { users[$0] != nil || groups[$0] != nil })
    }
}

extension GraphStore {
    /// Members per `members@delta` entry; a group with more comes on several entries (and pages), as Graph sends it.
    static let membersPerEntry = 500

    func groupsDelta(_ tenantKey: String, _ call: GraphCall) -> GraphReply {
        let path = "groups/delta"
        guard let state = tenants[tenantKey] else { return Self.graphError(404, "Request_ResourceNotFound", "Tenant not found.", call) }
        if let skip = call.query["$skiptoken"] ?? call.query["$skipToken"] {
            guard let round = rounds[roundKey(skip)], let offset = roundOffset(skip) else { return gone(call, path: path) }
            return deltaPage(round, id: roundKey(skip), offset: offset, call)
        }
        let before: GroupSnapshot?
        var beforeKey: String?
        var ids: [String]?
        var members: Bool
        var names: Bool
        if let token = call.query["$deltatoken"] ?? call.query["$deltaToken"] {
            guard let key = Self.unopaque(token), key.hasPrefix("g:") else {
                return Self.graphError(400, "Request_BadRequest", "Invalid delta token.", call)
            }
            guard let snapshot = groupSnapshots[key], snapshot.tenant == tenantKey, snapshot.epoch == state.linkEpoch else {
                return gone(call, path: path)
            }
            before = snapshot
            beforeKey = key
            (ids, members, names) = (snapshot.ids, snapshot.members, snapshot.names)
        } else {
            before = nil
            let select = call.query["$select"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
            let expand = call.query["$expand"]?.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            members = select?.contains("members") == true || expand.contains("members")
            names = select == nil || select!.contains("displayname")
            if let filter = call.query["$filter"] {
                guard let parsed = Self.idFilter(filter) else {
                    return Self.graphError(400, "Request_UnsupportedQuery", "Unsupported Query.", call)
                }
                guard parsed.count <= 50 else {
                    return Self.graphError(400, "Request_BadRequest", "The filter may name at most 50 ids.", call)
                }
                ids = parsed
            }
        }
        let tracked = (ids ?? state.groupOrder).filter { state.groups[$0] != nil }
        var now: [String: (name: String, members: Set<String>)] = [:]
        for id in tracked { now[id] = (state.groups[id]!.displayName, members ? state.directMembers(of: id) : []) }
        var entries: [String] = []
        let chunk = min(Self.membersPerEntry, max(1, deltaPageSize))
        typealias T = GraphJSONText
        for id in (ids ?? state.groupOrder) {
            let old = before?.groups[id]
            guard let current = now[id] else {
                if old != nil { entries.append(T.object([("id", T.string(id)), ("@removed", #"{"reason":"deleted"}"#)])) }
                continue
            }
            let added = current.members.subtracting(old?.members ?? []).sorted()
            let removed = (old?.members ?? []).subtracting(current.members).sorted()
            guard old == nil || old!.name != current.name || !added.isEmpty || !removed.isEmpty else { continue }
            let items = added.map { member(state, $0, removed: false) } + removed.map { member(state, $0, removed: true) }
            var start = 0
            repeat {
                let slice = items[start..<min(start + chunk, items.count)]
                var fields: [(String, String)] = [("id", T.string(id))]
                if names { fields.append(("displayName", T.string(current.name))) }
                if members { fields.append(("members@delta", "[" + slice.joined(separator: ",") + "]")) }
                entries.append(T.object(fields))
                start += chunk
            } while start < items.count
        }
        let token = snapshotToken(GroupSnapshot(
            tenant: tenantKey, epoch: state.linkEpoch, ids: ids, members: members, names: names, groups: now),
            reusing: before.flatMap { old in beforeKey.map { (old, $0) } })
        let round = DeltaRound(
            entries: entries, context: "\(call.base)/v1.0/$metadata#groups", deltaToken: token, path: path,
            pageSize: max(1, deltaPageSize / 50))
        if entries.count <= round.pageSize! { return deltaPage(round, id: "", offset: 0, call) }
        return deltaPage(round, id: keep(round), offset: 0, call)
    }

    private func member(_ state: GraphTenantState, _ id: String, removed: Bool) -> String {
        let type = state.groups[id] != nil || state.deletedGroups.contains(id) ? "#microsoft.graph.group" : "#microsoft.graph.user"
        var fields = [("@odata.type", GraphJSONText.string(type)), ("id", GraphJSONText.string(id))]
        if removed { fields.append(("@removed", #"{"reason":"deleted"}"#)) }
        return GraphJSONText.object(fields)
    }

    /// The token of a link to `snapshot`: the previous link's when nothing changed since, else a new one (the last
    /// 32 are kept; older links answer 410 as expired ones do).
    private func snapshotToken(_ snapshot: GroupSnapshot, reusing before: (snapshot: GroupSnapshot, key: String)?) -> String {
        if let before, Self.same(before.snapshot, snapshot) { return Self.opaque(before.key) }
        nextGroupSnapshot += 1
        let key = "g:\(nextGroupSnapshot)"
        groupSnapshots[key] = snapshot
        groupSnapshotOrder.append(key)
        if groupSnapshotOrder.count > 32 { groupSnapshots[groupSnapshotOrder.removeFirst()] = nil }
        return Self.opaque(key)
    }

    private static func same(_ a: GroupSnapshot, _ b: GroupSnapshot) -> Bool {
        a.tenant == b.tenant && a.epoch == b.epoch && a.ids == b.ids && a.members == b.members && a.names == b.names
            && a.groups.count == b.groups.count
            && a.groups.allSatisfy { id, group in b.groups[id].map { $0.name == group.name && $0.members == group.members } ?? false }
    }

    /// The ids of `id eq '…' or id eq '…'`, or nil for any other filter.
    static func idFilter(_ filter: String) -> [String]? {
        var ids: [String] = []
        for clause in filter.replacingOccurrences(of: " OR ", with: " or ").components(separatedBy: " or ") {
            guard let (property, value) = GraphUserFilter.eqClause(clause), property.lowercased() == "id" else { return nil }
            ids.append(value)
        }
        return ids.isEmpty ? nil : ids
    }
}
