// Observing Microsoft 365: license catalog, users (delta round or full read), and the groups filters name.

import ContactSync
import Foundation
import StoredFormat

/// Settings found not to fit the tenant during a read (a filter's group it lacks): the run ends refused, as for an
/// unknown site or license.
struct SettingsRefused: Error {
    let message: String
}

extension CompanyRun {
    /// Reads the tenant and appends what changed; returns false (after `DirectoryReadFailed`) when the read broke,
    /// in which case nobody's eligibility changes (R1.3).
    func observeDirectory(
        _ state: inout CompanyState, mode requested: DirectoryReadMode, recorder: inout Recorder, summary: inout RunSummary
    ) async throws -> Bool {
        var mode: DirectoryReadMode = requested == .full || state.directory.deltaLink == nil ? .full : .delta
        // The rounds of a run in step travel in one batch (the idle floor); a full read, long anyway, goes request by
        // request, so each page keeps the checks a hostile server is met with.
        if mode == .delta {
            await directory.prepareRound(DirectoryRoundPlan(
                usersDeltaLink: state.directory.deltaLink, groupsDeltaLink: plannedGroupsLink(state), catalog: state.directory.catalog.isEmpty))
        }
        do {
            var events: [DomainEvent] = []
            var deltaLink: String?
            var notFound: [String]?
            var seen = 0
            if mode == .delta, let link = state.directory.deltaLink {
                do {
                    let round = try await directory.deltaRound(from: link)
                    events = try Self.deltaEvents(round.changes, state: state.directory, runId: recorder.runId)
                    deltaLink = round.deltaLink
                    seen = round.changes.count
                } catch let error as DirectoryError where error.kind == .resyncRequired {
                    logger.notice("delta link of \(settings.name) expired; reading every user again", metadata: ["company": "\(settings.name)"])
                    mode = .full
                }
            }
            if mode == .full {
                let read = try await directory.fullRead()
                // R1.3: a tenant always has at least its admin, so a list with nobody in it is empty by error.
                let known = state.directory.users.values.count { $0.removal == nil }
                if read.users.isEmpty && known > 0 {
                    throw DirectoryError(
                        .unexpectedResponse,
                        "Microsoft Graph listed no users at all for \(settings.name), where \(known) were known; a tenant always has at least its administrator, so the list was taken as broken")
                }
                (events, notFound) = try Self.fullReadEvents(read.users, state: state.directory, runId: recorder.runId)
                deltaLink = read.deltaLink
                seen = read.users.count
            }
            let catalog = try await catalogEvent(state, mode: mode, observed: events, runId: recorder.runId)
            let groups = try await groupEvents(state, runId: recorder.runId)
            summary.usersObserved = events.count
            try await recorder.append(catalog + groups + events, step: "directory", into: &state)
            try await recorder.append(
                [.directoryReadCompleted(DirectoryReadCompleted(
                    mode: mode, complete: true, deltaLink: deltaLink, usersSeen: seen, notFoundUserIds: notFound,
                    runId: recorder.runId))],
                step: "directory-done", into: &state)
            return true
        } catch let error as DirectoryError {
            summary.message = "Microsoft 365 of \(settings.name) could not be read: \(error.message); nobody's eligibility changed and nothing was written to the PSA"
            try await recorder.append(
                [.directoryReadFailed(DirectoryReadFailed(mode: mode, kind: error.kind.rawValue, error: error.message, runId: recorder.runId))],
                step: "directory-failed", into: &state)
            return false
        }
    }

    /// Snapshots for users whose content changed in a delta round, and removals (`@removed`).
    static func deltaEvents(_ changes: [DirectoryUserChange], state: DirectoryProjection, runId: String) throws -> [DomainEvent] {
        // Later entries for the same user win; a round may repeat a user.
        var latest: [String: DirectoryUser] = [:]
        var removed: [String: RemovalReason] = [:]
        var order: [String] = []
        for change in changes {
            switch change {
            case .upsert(let patch):
                let base = latest[patch.id] ?? state.users[patch.id]?.user
                latest[patch.id] = base.map { $0.applying(patch) } ?? patch.values
                removed[patch.id] = nil
                order.append(patch.id)
            case .removed(let id, let reason):
                removed[id] = reason
                latest[id] = nil
                order.append(id)
            }
        }
        var events: [DomainEvent] = []
        var done = Set<String>()
        for id in order where done.insert(id).inserted {
            if let user = latest[id] {
                let known = state.users[id]
                if known == nil || known!.user != user || known!.removal != nil {
                    events.append(.directoryUserObserved(try DirectoryUserObserved(user: user, runId: runId)))
                }
            } else if let reason = removed[id], let known = state.users[id] {
                let already: IneligibleReason = reason == .deleted ? .deleted : .softDeleted
                if known.removal != already {
                    events.append(.directoryUserRemoved(DirectoryUserRemoved(userId: id, reason: reason, runId: runId)))
                }
            }
        }
        return events
    }

    /// Snapshots for users new or changed since the last observation, and the known users a complete read lacks.
    static func fullReadEvents(_ users: [DirectoryUser], state: DirectoryProjection, runId: String) throws -> ([DomainEvent], [String]) {
        var events: [DomainEvent] = []
        var seen = Set<String>()
        seen.reserveCapacity(users.count)
        for user in users where seen.insert(user.id).inserted {
            let known = state.users[user.id]
            if known == nil || known!.user != user || known!.removal != nil {
                events.append(.directoryUserObserved(try DirectoryUserObserved(user: user, runId: runId)))
            }
        }
        let notFound = state.users.compactMap { id, record in
            record.removal == nil && !seen.contains(id) ? id : nil
        }.sorted()
        return (events, notFound)
    }

    /// The license catalog, read on full runs, when none is known, or when a user holds a SKU it does not list.
    private func catalogEvent(_ state: CompanyState, mode: DirectoryReadMode, observed: [DomainEvent], runId: String) async throws -> [DomainEvent] {
        let known = Set(state.directory.catalog.map { $0.skuId.lowercased() })
        let unknownSku = observed.contains { event in
            guard case .directoryUserObserved(let e) = event else { return false }
            return e.user.assignedLicenses.contains { !known.contains($0.skuId.lowercased()) }
        }
        guard mode == .full || state.directory.catalog.isEmpty || unknownSku else { return [] }
        let skus = try await directory.licenseCatalog()
        guard skus != state.directory.catalog else { return [] }
        return [.licenseCatalogObserved(LicenseCatalogObserved(skus: skus, runId: runId))]
    }

    /// The groups filters name, once each (by letter case), with the index of the first filter naming each.
    private var namedGroups: [(name: String, index: Int, filter: MappingFilter)] {
        var asked = Set<String>()
        return settings.filters.enumerated().compactMap { index, filter in
            guard case .group(let name) = filter.kind, asked.insert(name.lowercased()).inserted else { return nil }
            return (name, index, filter)
        }
    }

    /// The groups delta link the run will follow, when every group a filter names is known and tracked by it.
    func plannedGroupsLink(_ state: CompanyState) -> String? {
        let names = namedGroups
        guard !names.isEmpty, let graph = state.directory.groupGraph else { return nil }
        let ids = names.compactMap { state.directory.groups[Scope.normalized($0.name)]?.groupId }
        guard ids.count == names.count, graph.closure(of: Set(ids)).isSubset(of: graph.tracked) else { return nil }
        return graph.deltaLink
    }

    /// The refusal of a filter naming a group the tenant lacks: the settings' fault, as for an unknown site or
    /// license, with the groups the tenant has (when they can be listed).
    private func refuse(_ named: (name: String, index: Int, filter: MappingFilter), _ error: DirectoryError) async -> SettingsRefused {
        let names = (try? await directory.groupNames()) ?? []
        let shown = names.prefix(40).joined(separator: ", ") + (names.count > 40 ? " and \(names.count - 40) more" : "")
        let problem = SettingsProblem(
            file: "rollcall.yaml", line: nil, company: settings.name, field: "filters[\(named.index)].group",
            message: "names group \"\(named.name)\", but \(error.message); fix the filter"
                + (names.isEmpty ? "" : ". Its groups are: \(shown)"),
            filterName: named.filter.kind.name)
        return SettingsRefused(message: problem.description)
    }

    /// Members of every group a filter names, appended when they changed.
    ///
    /// The groups are read with one groups delta round over them and the groups nested in them (an idle run: one
    /// request, batched with the users delta), and each named group's transitive users are computed from the direct
    /// members kept in the log. A group is looked up by name only the first time. More nested groups than one
    /// delta filter takes are read group by group instead.
    private func groupEvents(_ state: CompanyState, runId: String) async throws -> [DomainEvent] {
        let named = namedGroups
        guard !named.isEmpty else { return [] }
        var refs: [String: GroupRef] = [:]
        for group in named {
            if let known = state.directory.groups[Scope.normalized(group.name)] {
                refs[group.name] = GroupRef(id: known.groupId, displayName: known.displayName)
            } else {
                do { refs[group.name] = try await directory.findGroup(group.name) } catch let error as DirectoryError where error.kind == .groupNotFound {
                    throw await refuse(group, error)
                }
            }
        }
        var previous = state.directory.groupGraph
        var lookedUpAgain = Set<String>()
        while true {
            guard let read = try await readGroups(Set(refs.values.map(\.id)), previous: previous, runId: runId) else {
                return try await groupEventsByMembers(state, runId: runId)
            }
            // A tracked group that is gone: a group named by name may have been made again under a new id.
            if let missing = named.first(where: { read.graph.nodes[refs[$0.name]!.id] == nil }) {
                let gone = DirectoryError(
                    .groupNotFound, "group \"\(missing.name)\" no longer exists in Microsoft 365 tenant \(settings.tenant)")
                guard lookedUpAgain.insert(missing.name).inserted else { throw await refuse(missing, gone) }
                do {
                    let found = try await directory.findGroup(missing.name)
                    guard found.id != refs[missing.name]!.id else { throw await refuse(missing, gone) }
                    refs[missing.name] = found
                    previous = read.graph
                    continue
                } catch let error as DirectoryError where error.kind == .groupNotFound {
                    throw await refuse(missing, error)
                }
            }
            var events = read.event.map { [DomainEvent.groupsDeltaObserved($0)] } ?? []
            for group in named {
                let ref = refs[group.name]!
                let users = read.graph.transitiveUsers(of: ref.id)
                let known = state.directory.groups[Scope.normalized(group.name)]
                let displayName = read.graph.nodes[ref.id]?.displayName ?? ref.displayName
                if known == nil || known!.userIds != users || known!.groupId != ref.id || known!.displayName != displayName {
                    let membership = GroupMembership(groupId: ref.id, displayName: displayName, userIds: users.sorted())
                    events.append(.groupMembersObserved(GroupMembersObserved(group: group.name, membership: membership, runId: runId)))
                }
            }
            return events
        }
    }

    /// The tracked groups after this run's groups delta round, and the event recording it when anything (the
    /// link included) changed; nil when more groups are nested than one delta filter takes.
    ///
    /// A round follows the stored link while it tracks every group needed; otherwise (first run, a filter naming
    /// another group, a group newly nested, an expired link) a fresh round reads the needed groups from scratch,
    /// again while fresh rounds find groups nested deeper.
    private func readGroups(
        _ required: Set<String>, previous: GroupGraph?, runId: String
    ) async throws -> (graph: GroupGraph, event: GroupsDeltaObserved?)? {
        if let graph = previous, graph.closure(of: required).isSubset(of: graph.tracked) {
            do {
                let read = try await directory.groupsDelta(from: graph.deltaLink, tracking: graph.tracked.sorted())
                let applied = GroupGraph.applying(read.changes, to: graph.nodes, fresh: false)
                let next = GroupGraph(deltaLink: read.deltaLink, tracked: graph.tracked, nodes: applied.nodes)
                if next.closure(of: required).isSubset(of: next.tracked) {
                    let unchanged = applied.changed.isEmpty && applied.removed.isEmpty && read.deltaLink == graph.deltaLink
                    return (next, unchanged ? nil : GroupsDeltaObserved(
                        fresh: false, trackedGroupIds: next.tracked.sorted(), groups: applied.changed,
                        removedGroupIds: applied.removed, deltaLink: read.deltaLink, runId: runId))
                }
                return try await freshGroups(required, known: next, runId: runId)
            } catch let error as DirectoryError where error.kind == .resyncRequired {
                logger.notice("groups delta link of \(settings.name) expired; reading the groups again", metadata: ["company": "\(settings.name)"])
            }
        }
        return try await freshGroups(required, known: previous, runId: runId)
    }

    private func freshGroups(
        _ required: Set<String>, known: GroupGraph?, runId: String
    ) async throws -> (graph: GroupGraph, event: GroupsDeltaObserved?)? {
        var tracked = known.map { $0.closure(of: required).intersection($0.nodes.keys).union(required) } ?? required
        for _ in 0..<16 {
            guard tracked.count <= GroupGraph.maxTracked else { return nil }
            let read = try await directory.groupsDelta(from: nil, tracking: tracked.sorted())
            let applied = GroupGraph.applying(read.changes, to: [:], fresh: true)
            let graph = GroupGraph(deltaLink: read.deltaLink, tracked: tracked, nodes: applied.nodes)
            let needed = graph.closure(of: required)
            if needed.isSubset(of: tracked) {
                return (graph, GroupsDeltaObserved(
                    fresh: true, trackedGroupIds: tracked.sorted(), groups: applied.changed, removedGroupIds: [],
                    deltaLink: read.deltaLink, runId: runId))
            }
            tracked = needed
        }
        return nil
    }

    /// Members of every group a filter names, one members read per group: for more nested groups than a groups
    /// delta filter takes.
    private func groupEventsByMembers(_ state: CompanyState, runId: String) async throws -> [DomainEvent] {
        var events: [DomainEvent] = []
        for group in namedGroups {
            let membership: GroupMembership
            let known = state.directory.groups[Scope.normalized(group.name)]
            do {
                // Once the group's id is known, ask by id: a lookup by display name costs a request of its own.
                if let known {
                    membership = try await directory.groupMembers(id: known.groupId, displayName: known.displayName)
                } else {
                    membership = try await directory.groupMembers(group.name)
                }
            } catch let error as DirectoryError where error.kind == .groupNotFound {
                throw await refuse(group, error)
            }
            if known == nil || known!.userIds != Set(membership.userIds) || known!.groupId != membership.groupId {
                events.append(.groupMembersObserved(GroupMembersObserved(group: group.name, membership: membership, runId: runId)))
            }
        }
        return events
    }
}
