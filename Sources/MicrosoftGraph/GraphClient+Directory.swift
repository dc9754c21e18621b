// GraphClient as a DirectorySource: full reads, delta rounds, the license catalog and group members.

import ContactSync
import Foundation
import RollcallHTTP

extension GraphClient {
    /// The `$select` of every user read: the properties the rules need.
    static var userSelect: String { DirectoryUser.propertyNames.joined(separator: ",") }

    /// Friendly names of common SKUs (Microsoft's licensing reference); Graph itself returns only part numbers.
    static let skuNames: [String: String] = [
        "O365_BUSINESS_ESSENTIALS": "Microsoft 365 Business Basic",
        "O365_BUSINESS_PREMIUM": "Microsoft 365 Business Standard",
        "SPB": "Microsoft 365 Business Premium",
        "O365_BUSINESS": "Microsoft 365 Apps for Business",
        "EXCHANGESTANDARD": "Exchange Online (Plan 1)",
        "EXCHANGEENTERPRISE": "Exchange Online (Plan 2)",
        "STANDARDPACK": "Office 365 E1",
        "ENTERPRISEPACK": "Office 365 E3",
        "ENTERPRISEPREMIUM": "Office 365 E5",
        "SPE_E3": "Microsoft 365 E3",
        "SPE_E5": "Microsoft 365 E5",
        "SPE_F1": "Microsoft 365 F3",
        "DESKLESSPACK": "Office 365 F3",
        "EXCHANGEDESKLESS": "Exchange Online Kiosk",
        "AAD_PREMIUM": "Microsoft Entra ID P1",
    ]

    /// The first request of a catalog read.
    var catalogURL: String { "\(configuration.graphURL)/v1.0/subscribedSkus?$select=skuId,skuPartNumber" }
    /// The request that starts change tracking of users without reading them.
    var usersLatestURL: String { "\(configuration.graphURL)/v1.0/users/delta?$select=\(Self.userSelect)&$deltatoken=latest" }
    /// The first page of a full read of the users.
    var usersListURL: String { "\(configuration.graphURL)/v1.0/users?$select=\(Self.userSelect)&$top=999" }
    /// The headers of a users delta request: only changed properties are needed; omitted ones keep their value in
    /// the snapshot (user-delta.md).
    static let deltaHeaders = [("Prefer", "return=minimal")]

    /// The tenant's license catalog from `subscribedSkus`.
    public func licenseCatalog() async throws -> [LicenseSku] {
        let purpose = "reading the license catalog (subscribedSkus)"
        var url: String? = catalogURL
        var skus: [LicenseSku] = []
        var trail = PageTrail()
        while let next = url {
            try follow(next, &trail, purpose)
            let page = try decode(SkuPage.self, try await get(next, purpose: purpose), purpose)
            skus += page.value.map {
                let part = $0.skuPartNumber.trimmingCharacters(in: .whitespacesAndNewlines)
                return LicenseSku(skuId: $0.skuId.lowercased(), skuPartNumber: part, displayName: Self.skuNames[part])
            }
            url = page.nextLink
        }
        return skus
    }

    /// Every user, and a delta link for the rounds after.
    ///
    /// The link comes first from `/users/delta?$deltatoken=latest` (one request, no data), then the users from
    /// `/users?$top=999`. An initial `/users/delta` round would give both at once, but its pages are sized by the
    /// server (`$top` is not supported on delta) and replay every user; the list reads 999 users a request.
    /// Taking the link before the list means a change made during the list read shows up again in the next
    /// round, where a repeated change is harmless; taking it after could lose that change.
    public func fullRead() async throws -> DirectoryFullRead {
        let linkPurpose = "starting change tracking of users (users/delta)"
        let latest = try decode(UserPage.self, try await get(usersLatestURL, purpose: linkPurpose), linkPurpose)
        if let link = latest.deltaLink { try checkLink(link, "Microsoft Graph's delta link for the next round") }
        guard let deltaLink = latest.deltaLink else {
            throw DirectoryError(
                .unexpectedResponse,
                "\(company): Microsoft Graph started change tracking without a delta link; the read was abandoned and nothing was changed.")
        }
        var users: [DirectoryUser] = []
        var index: [String: Int] = [:]
        var url: String? = usersListURL
        var pages = 0
        var trail = PageTrail()
        while let next = url {
            pages += 1
            try follow(next, &trail, "reading users")
            let purpose = "reading users (page \(pages), \(users.count) users so far)"
            let page = try decode(UserPage.self, try await get(next, purpose: purpose), purpose)
            for entry in page.value where entry.removed == nil {
                let user = entry.patch.values
                guard !user.userPrincipalName.isEmpty else {
                    throw DirectoryError(
                        .unexpectedResponse,
                        "\(company): Microsoft Graph listed user \(user.id) without a userPrincipalName; the read was abandoned and nothing was changed.")
                }
                if let at = index[user.id] { users[at] = user } else {
                    index[user.id] = users.count
                    users.append(user)
                }
            }
            url = page.nextLink
        }
        logger.info("Graph full read finished", metadata: ["users": "\(users.count)", "pages": "\(pages)"])
        return DirectoryFullRead(users: users, deltaLink: deltaLink)
    }

    /// The changes since `deltaLink`, each user once; throws `resyncRequired` when the link has expired.
    ///
    /// A stored link on another origin than `graphURL` (the URL was changed since, or the log was tampered with) is
    /// never followed: it counts as expired, so a full read at the configured server takes its place.
    public func deltaRound(from deltaLink: String) async throws -> DirectoryDeltaRead {
        if let graphOrigin, !graphOrigin.admits(deltaLink) {
            throw DirectoryError(
                .resyncRequired,
                "\(company): the stored delta link points at \(HTTPOrigin(deltaLink)?.description ?? "an unreadable address"), not the configured \(graphOrigin.description); it was not followed, and a full read of the users is needed.")
        }
        var changes: [DirectoryUserChange] = []
        var position: [String: Int] = [:]
        var url = deltaLink
        var pages = 0
        var trail = PageTrail()
        while true {
            pages += 1
            try follow(url, &trail, "reading user changes")
            let purpose = "reading user changes (delta page \(pages))"
            let answer = try await get(url, headers: Self.deltaHeaders, purpose: purpose)
            let code = answer.status == 200 ? nil : graphCode(answer)
            if answer.status == 410 || code == "syncStateNotFound" || code == "resyncRequired" {
                throw DirectoryError(
                    .resyncRequired,
                    "\(company): Microsoft Graph no longer knows the last delta link (\(code ?? "410 Gone")); a full read of the users is needed.",
                    status: answer.status)
            }
            let page = try decode(UserPage.self, answer, purpose)
            for entry in page.value {
                let change: DirectoryUserChange =
                    entry.removed.map { .removed(id: entry.patch.id, reason: $0) } ?? .upsert(entry.patch)
                // Graph may send a user more than once in a round; later entries win, patches accumulate.
                if let at = position[entry.patch.id] {
                    changes[at] = Self.combine(changes[at], change)
                } else {
                    position[entry.patch.id] = changes.count
                    changes.append(change)
                }
            }
            if let next = page.nextLink {
                url = next
            } else if let link = page.deltaLink {
                try checkLink(link, "Microsoft Graph's delta link for the next round")
                return DirectoryDeltaRead(changes: changes, deltaLink: link)
            } else {
                throw DirectoryError(
                    .unexpectedResponse,
                    "\(company): a delta page from Microsoft Graph had neither a next link nor a delta link; the read was abandoned and nothing was changed.")
            }
        }
    }

    /// Throws unless `link` is on `graphURL`'s origin, so no link pointing elsewhere is kept in the log.
    func checkLink(_ link: String, _ what: String) throws {
        guard let graphOrigin else { return }
        do { try graphOrigin.check(link, what: what) } catch {
            throw DirectoryError(.unexpectedResponse, "\(company): \(error.description) The read was abandoned and nothing was changed.")
        }
    }

    /// Records `link` on `trail`, or throws when Graph sent it before in this read (or pages without end).
    func follow(_ link: String, _ trail: inout PageTrail, _ purpose: String) throws {
        guard trail.follow(link) else {
            throw DirectoryError(
                .unexpectedResponse,
                "\(company): Microsoft Graph at \(graphServer) sent the same next page again while \(purpose); Rollcall stopped instead of reading forever, and nothing was changed. Try again later.")
        }
    }

    /// Two entries for the same user within one round, as one.
    static func combine(_ earlier: DirectoryUserChange, _ later: DirectoryUserChange) -> DirectoryUserChange {
        guard case .upsert(let first) = earlier, case .upsert(let second) = later else { return later }
        return .upsert(DirectoryUserPatch(
            id: second.id, present: first.present.union(second.present), values: first.values.applying(second)))
    }

    /// The transitive user members of a group named by object id or display name.
    public func groupMembers(_ group: String) async throws -> GroupMembership {
        let resolved = try await resolveGroup(group)
        var userIds: [String] = []
        var seen: Set<String> = []
        var url: String? =
            "\(configuration.graphURL)/v1.0/groups/\(Self.pathEncoded(resolved.id))/transitiveMembers/microsoft.graph.user?$select=id&$top=999&$count=true"
        var pages = 0
        var trail = PageTrail()
        while let next = url {
            pages += 1
            try follow(next, &trail, "reading the members of group \"\(resolved.displayName)\"")
            let purpose = "reading the members of group \"\(resolved.displayName)\" (page \(pages))"
            // The cast to users is an advanced query: ConsistencyLevel goes on every page, it is not carried by nextLink.
            let answer = try await get(next, headers: [("ConsistencyLevel", "eventual")], purpose: purpose)
            if answer.status == 404 {
                resolvedGroups[group] = nil
                throw groupNotFound("group \"\(group)\" no longer exists in Microsoft 365 tenant \(configuration.tenant)")
            }
            let page = try decode(ObjectPage.self, answer, purpose)
            for object in page.value where object.type.map({ $0 == "#microsoft.graph.user" }) ?? true {
                if seen.insert(object.id).inserted { userIds.append(object.id) }
            }
            url = page.nextLink
        }
        return GroupMembership(groupId: resolved.id, displayName: resolved.displayName, userIds: userIds)
    }

    /// The members of a group already resolved by an earlier run: one request per 999 members, no look-up.
    public func groupMembers(id: String, displayName: String) async throws -> GroupMembership {
        if resolvedGroups[id] == nil { resolvedGroups[id] = (id, displayName) }
        return try await groupMembers(id)
    }

    /// The display names of the tenant's groups, sorted: one page of up to 999, enough to show what a filter could
    /// name (a tenant with more is told so by the caller's "and more").
    public func groupNames() async throws -> [String] {
        let purpose = "listing the tenant's groups"
        let answer = try await get("\(configuration.graphURL)/v1.0/groups?$select=id,displayName&$top=999", purpose: purpose)
        let page = try decode(ObjectPage.self, answer, purpose)
        return page.value.compactMap(\.displayName).sorted { $0.localizedStandardCompare($1) == .orderedAscending }
    }

    /// The group a filter names, by object id or exact display name.
    public func findGroup(_ group: String) async throws -> GroupRef {
        let found = try await resolveGroup(group)
        return GroupRef(id: found.id, displayName: found.displayName)
    }

    /// The first request of a groups delta round over `ids`: their display names and members (`members@delta`).
    func groupsDeltaURL(_ ids: [String]) -> String {
        let filter = ids.sorted().map { "id eq '\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: " or ")
        return "\(configuration.graphURL)/v1.0/groups/delta?$select=displayName,members&$filter=\(Self.queryEncoded(filter))"
    }

    /// A groups delta round over `groupIds`, from `deltaLink` or from scratch; each group's entries merged.
    public func groupsDelta(from deltaLink: String?, tracking groupIds: [String]) async throws -> GroupsDeltaRead {
        if let deltaLink, let graphOrigin, !graphOrigin.admits(deltaLink) {
            throw DirectoryError(
                .resyncRequired,
                "\(company): the stored groups delta link points at \(HTTPOrigin(deltaLink)?.description ?? "an unreadable address"), not the configured \(graphOrigin.description); it was not followed, and the groups are read again.")
        }
        var changes: [GroupDeltaChange] = []
        var position: [String: Int] = [:]
        var url = deltaLink ?? groupsDeltaURL(groupIds)
        var pages = 0
        var trail = PageTrail()
        while true {
            pages += 1
            try follow(url, &trail, "reading group changes")
            let purpose = "reading the members of the groups filters name (groups delta page \(pages))"
            let answer = try await get(url, purpose: purpose)
            let code = answer.status == 200 ? nil : graphCode(answer)
            if answer.status == 410 || code == "syncStateNotFound" || code == "resyncRequired" {
                throw DirectoryError(
                    .resyncRequired,
                    "\(company): Microsoft Graph no longer knows the last groups delta link (\(code ?? "410 Gone")); the groups are read again.",
                    status: answer.status)
            }
            let page = try decode(GroupDeltaPage.self, answer, purpose)
            for group in page.value {
                let at: Int
                if let known = position[group.id] {
                    at = known
                } else {
                    at = changes.count
                    position[group.id] = at
                    changes.append(GroupDeltaChange(groupId: group.id))
                }
                Self.merge(group, into: &changes[at])
            }
            if let next = page.nextLink {
                url = next
            } else if let link = page.deltaLink {
                try checkLink(link, "Microsoft Graph's groups delta link for the next round")
                return GroupsDeltaRead(changes: changes, deltaLink: link)
            } else {
                throw DirectoryError(
                    .unexpectedResponse,
                    "\(company): a groups delta page from Microsoft Graph had neither a next link nor a delta link; the read was abandoned and nothing was changed.")
            }
        }
    }

    /// Adds one entry of a group to what the round says of it so far; a later entry for the same member wins.
    static func merge(_ entry: GroupDeltaPage.Group, into change: inout GroupDeltaChange) {
        if let name = entry.displayName { change.displayName = name }
        if entry.removed != nil { change.removed = true }
        for member in entry.members ?? [] {
            let type = member.type?.lowercased()
            let isGroup = type == "#microsoft.graph.group"
            guard isGroup || type == nil || type == "#microsoft.graph.user" else { continue }  // devices, contacts
            let left = member.removed != nil
            if isGroup {
                if left { change.addedGroups.remove(member.id); change.removedGroups.insert(member.id) }
                else { change.removedGroups.remove(member.id); change.addedGroups.insert(member.id) }
            } else {
                if left { change.addedUsers.remove(member.id); change.removedUsers.insert(member.id) }
                else { change.removedUsers.remove(member.id); change.addedUsers.insert(member.id) }
            }
        }
    }

    /// Finds a group by id (when the name looks like a GUID) or by exact display name; remembered per client.
    func resolveGroup(_ group: String) async throws -> (id: String, displayName: String) {
        if let known = resolvedGroups[group] { return known }
        let purpose = "looking up group \"\(group)\""
        let resolved: (id: String, displayName: String)
        if UUID(uuidString: group) != nil {
            let answer = try await get(
                "\(configuration.graphURL)/v1.0/groups/\(Self.pathEncoded(group))?$select=id,displayName", purpose: purpose)
            if answer.status == 404 { throw groupNotFound("Microsoft 365 tenant \(configuration.tenant) has no group with object id \(group)") }
            let found = try decode(GroupAnswer.self, answer, purpose)
            resolved = (found.id, found.displayName ?? group)
        } else {
            let literal = group.replacingOccurrences(of: "'", with: "''")
            let filter = Self.queryEncoded("displayName eq '\(literal)'")
            let answer = try await get(
                "\(configuration.graphURL)/v1.0/groups?$filter=\(filter)&$select=id,displayName", purpose: purpose)
            let found = try decode(ObjectPage.self, answer, purpose).value
            guard let first = found.first else { throw groupNotFound("Microsoft 365 tenant \(configuration.tenant) has no group named \"\(group)\"") }
            guard found.count == 1 else {
                throw groupNotFound(
                    "\(found.count) groups of Microsoft 365 tenant \(configuration.tenant) are named \"\(group)\" (\(found.map(\.id).joined(separator: ", "))); name the group by its object id instead")
            }
            resolved = (first.id, first.displayName ?? group)
        }
        resolvedGroups[group] = resolved
        return resolved
    }

    private func groupNotFound(_ message: String) -> DirectoryError {
        DirectoryError(.groupNotFound, message, status: 404)
    }
}
