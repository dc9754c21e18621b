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

    /// Members of every group a filter names, appended when they changed.
    private func groupEvents(_ state: CompanyState, runId: String) async throws -> [DomainEvent] {
        var events: [DomainEvent] = []
        var asked = Set<String>()
        for (index, filter) in settings.filters.enumerated() {
            guard case .group(let name) = filter.kind, asked.insert(name.lowercased()).inserted else { continue }
            let membership: GroupMembership
            let known = state.directory.groups[Scope.normalized(name)]
            do {
                // Once the group's id is known, ask by id: a lookup by display name costs a request of its own.
                if let known {
                    membership = try await directory.groupMembers(id: known.groupId, displayName: known.displayName)
                } else {
                    membership = try await directory.groupMembers(name)
                }
            } catch let error as DirectoryError where error.kind == .groupNotFound {
                // Like an unknown site or license, an unknown group is the settings' fault: refused, with the
                // groups the tenant has (when they can be listed).
                let names = (try? await directory.groupNames()) ?? []
                let shown = names.prefix(40).joined(separator: ", ") + (names.count > 40 ? " and \(names.count - 40) more" : "")
                let problem = SettingsProblem(
                    file: "rollcall.yaml", line: nil, company: settings.name, field: "filters[\(index)].group",
                    message: "names group \"\(name)\", but \(error.message); fix the filter"
                        + (names.isEmpty ? "" : ". Its groups are: \(shown)"),
                    filterName: filter.kind.name)
                throw SettingsRefused(message: problem.description)
            }
            if known == nil || known!.userIds != Set(membership.userIds) || known!.groupId != membership.groupId {
                events.append(.groupMembersObserved(GroupMembersObserved(group: name, membership: membership, runId: runId)))
            }
        }
        return events
    }
}
