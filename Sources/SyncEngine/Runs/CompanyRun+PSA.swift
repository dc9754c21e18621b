// Observing the PSA: the company's sites, contact types and contacts (all of them, or those changed since).

import ContactSync
import Foundation
import StoredFormat

extension CompanyRun {
    /// Reads the PSA company and appends what changed. A failed read appends `PsaReadFailed` and rethrows.
    func observePSA(
        _ state: inout CompanyState, full: Bool, acceptMissing: Bool = false, recorder: inout Recorder, summary: inout RunSummary
    ) async throws {
        let companyId = settings.psaCompanyId
        do {
            var events: [DomainEvent] = []
            let namedSites = Set(([settings.defaultSite].compactMap { $0 } + settings.filters.map(\.site)).map(Scope.normalized))
            let knownSites = Set(state.psa.sites.map { Scope.normalized($0.name) })
            if full || state.psa.sites.isEmpty || !namedSites.isSubset(of: knownSites) {
                let sites: [PSASite]
                do {
                    sites = try await psa.sites(companyId: companyId)
                } catch let error as PSAError where error.kind == .notFound {
                    try await refuseUnknownCompany()  // ConnectWise answers 404 for the sites of a company it lacks
                    throw error
                }
                if sites != state.psa.sites { events.append(.psaSitesObserved(PsaSitesObserved(sites: sites, runId: recorder.runId))) }
            }
            if psa.system == .connectwise && (full || state.psa.contactTypes.isEmpty) {
                let types = try await psa.contactTypes()
                if types != state.psa.contactTypes {
                    events.append(.psaContactTypesObserved(PsaContactTypesObserved(types: types, runId: recorder.runId)))
                }
            }
            let since = full ? nil : Self.incrementalSince(state.psa)
            summary.contactsObserved += try await readContacts(
                &state, since: since, full: full, before: events, step: "psa", recorder: &recorder,
                checkMatched: !acceptMissing)
        } catch let error as PSAError where error.kind == .budgetExhausted {
            // R11.6: not a failed read; the run pauses and the next one reads again.
            throw RunPausing(error: error, writesLeft: nil)
        } catch let error as PSAError {
            summary.status = .failed
            summary.message = "the PSA could not be read for \(settings.name): \(error.message)"
            try await recorder.append(
                [.psaReadFailed(PsaReadFailed(kind: error.kind.rawValue, error: error.message, status: error.status, runId: recorder.runId))],
                step: "psa-failed", into: &state)
            throw RunStopped(message: summary.message!)
        }
    }
}

extension CompanyRun {
    /// Reads contacts (all, or changed since `since`), appends `before` and a snapshot of every contact whose content
    /// changed (and, for a full read, the known contacts it lacks), then `PsaReadCompleted`; returns how many contacts
    /// had changed.
    @discardableResult
    func readContacts(
        _ state: inout CompanyState, since: Date?, full: Bool, before: [DomainEvent] = [], step: String,
        recorder: inout Recorder, checkMatched: Bool = true
    ) async throws -> Int {
        var events = before
        var changed = 0
        let contacts = try await psa.contacts(companyId: settings.psaCompanyId, modifiedSince: since)
        var seen = Set<Int>(minimumCapacity: contacts.count)
        for contact in contacts { seen.insert(contact.id) }
        if full {
            // R8.6: a complete read that finds none of the matched contacts, or a company the PSA lacks, changes
            // nobody: it is far likelier a wrong psaCompanyId than every contact deleted.
            if contacts.isEmpty { try await refuseUnknownCompany() }
            let matched = state.matches.byContact.keys.filter { state.psa.contacts[$0].map { !$0.missing } ?? false }
            if checkMatched, !matched.isEmpty, !matched.contains(where: seen.contains) {
                try await refuseUnknownCompany()
                throw PSAError(
                    .unexpectedResponse,
                    "the complete read of \(psa.system.displayName) company \(settings.psaCompanyId) found none of the \(matched.count)"
                        + " contacts Rollcall had matched to Microsoft 365 users, so nothing was changed (R8.6). Check psaCompanyId"
                        + " of company \"\(settings.name)\" in rollcall.yaml; if those contacts really were deleted in the PSA,"
                        + " run once with --accept-missing-contacts")
            }
        }
        seen.removeAll(keepingCapacity: true)
        for contact in contacts.map(\.normalized) where seen.insert(contact.id).inserted {
            let known = state.psa.contacts[contact.id]
            if known == nil || !known!.contact.hasSameContent(as: contact) || known!.missing {
                events.append(.psaContactObserved(try PsaContactObserved(contact: contact, runId: recorder.runId)))
                changed += 1
            }
        }
        if full {
            // A complete read that lacks a contact we knew: the contact was deleted (R4.4).
            for (id, record) in state.psa.contacts.sorted(by: { $0.key < $1.key }) where !record.missing && !seen.contains(id) {
                events.append(.psaContactMissing(PsaContactMissing(contactId: id, runId: recorder.runId)))
            }
        }
        events.append(.psaReadCompleted(PsaReadCompleted(
            mode: full ? .full : .incremental, contactsSeen: contacts.count, modifiedSince: since,
            newestChange: contacts.compactMap(\.lastModified).max(), runId: recorder.runId)))
        try await recorder.append(events, step: step, into: &state)
        return changed
    }

    /// R8.6: throws an error naming `psaCompanyId` when the PSA has no such company.
    func refuseUnknownCompany() async throws {
        guard try await !psa.companyExists(settings.psaCompanyId) else { return }
        throw PSAError(
            .notFound,
            "\(psa.system.displayName) has no company \(settings.psaCompanyId): psaCompanyId of company \"\(settings.name)\""
                + " in rollcall.yaml names none, so nothing was read or changed (R8.6). Set it to the id the PSA shows for the"
                + " customer")
    }

    /// After a run wrote, reads back what changed since its first read: the writes' answers as the PSA stored them,
    /// and their change stamps, so that the next run's incremental read starts after them (an idle run after a
    /// big first run then reads nothing again). A failed read-back is logged and leaves the next run to read more.
    func readBackWrites(_ state: inout CompanyState, recorder: inout Recorder) async {
        let since = state.psa.newestReadStamp ?? state.psa.lastReadAt.map { $0.addingTimeInterval(-Self.psaLookBack) }
        do {
            try await readContacts(&state, since: since, full: false, step: "psa-readback", recorder: &recorder)
        } catch {
            logger.warning("reading back the writes of \(settings.name) failed; the next run reads them: \(error)")
        }
    }

    /// Where an incremental contact read starts: our last read less the clock-skew allowance, or, when later, the
    /// newest change stamp a read has shown us (the PSA's own clock, so skew does not matter; anything changed after
    /// that read is stamped later). Without the second bound, an idle run within five minutes of a change to many
    /// contacts re-reads all of them. Scheduled runs read everything, which heals a change committed out of order.
    static func incrementalSince(_ psa: PSAProjection) -> Date? {
        guard let lastRead = psa.lastReadAt else { return nil }
        let skewed = lastRead.addingTimeInterval(-psaLookBack)
        guard let newest = psa.newestReadStamp else { return skewed }
        return max(skewed, newest)
    }
}

/// A run stopped early for a reason already recorded in the log and the summary.
/// R11.6: the PSA's API budget (Rollcall's share, or the database's ceiling) refused a request before it was sent;
/// the run pauses. `writesLeft` is `nil` when it paused before planning.
struct RunPausing: Error {
    let error: PSAError
    var writesLeft: Int?
}

struct RunStopped: Error {
    let message: String
    /// The `RunFailed` kind the run ends with.
    var kind = "read"
}
