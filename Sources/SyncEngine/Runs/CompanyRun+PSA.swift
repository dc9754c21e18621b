// Observing the PSA: the company's sites, contact types and contacts (all of them, or those changed since).

import ContactSync
import Foundation

extension CompanyRun {
    /// Reads the PSA company and appends what changed. A failed read appends `PsaReadFailed` and rethrows.
    func observePSA(_ state: inout CompanyState, full: Bool, recorder: inout Recorder, summary: inout RunSummary) async throws {
        let companyId = settings.psaCompanyId
        do {
            var events: [DomainEvent] = []
            let namedSites = Set(([settings.defaultSite].compactMap { $0 } + settings.filters.map(\.site)).map(Scope.normalized))
            let knownSites = Set(state.psa.sites.map { Scope.normalized($0.name) })
            if full || state.psa.sites.isEmpty || !namedSites.isSubset(of: knownSites) {
                let sites = try await psa.sites(companyId: companyId)
                if sites != state.psa.sites { events.append(.psaSitesObserved(PsaSitesObserved(sites: sites, runId: recorder.runId))) }
            }
            if psa.system == .connectwise && (full || state.psa.contactTypes.isEmpty) {
                let types = try await psa.contactTypes()
                if types != state.psa.contactTypes {
                    events.append(.psaContactTypesObserved(PsaContactTypesObserved(types: types, runId: recorder.runId)))
                }
            }
            let since = full ? nil : Self.incrementalSince(state.psa)
            let contacts = try await psa.contacts(companyId: companyId, modifiedSince: since)
            var seen = Set<Int>()
            for contact in contacts.map(\.normalized) where seen.insert(contact.id).inserted {
                let known = state.psa.contacts[contact.id]
                if known == nil || !known!.contact.hasSameContent(as: contact) || known!.missing {
                    events.append(.psaContactObserved(PsaContactObserved(contact: contact, runId: recorder.runId)))
                }
            }
            summary.contactsObserved = events.count { if case .psaContactObserved = $0 { true } else { false } }
            if full {
                // A complete read that lacks a contact we knew: the contact was deleted (R4.4).
                for (id, record) in state.psa.contacts.sorted(by: { $0.key < $1.key }) where !record.missing && !seen.contains(id) {
                    events.append(.psaContactMissing(PsaContactMissing(contactId: id, runId: recorder.runId)))
                }
            }
            try await recorder.append(events, step: "psa", into: &state)
            try await recorder.append(
                [.psaReadCompleted(PsaReadCompleted(
                    mode: full ? .full : .incremental, contactsSeen: contacts.count, modifiedSince: since, runId: recorder.runId))],
                step: "psa-done", into: &state)
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
    /// Where an incremental contact read starts: our last read less the clock-skew allowance, or, when later, the
    /// newest change the PSA itself stamped on a contact we hold (the PSA's clock, so skew does not matter). Without
    /// the second bound, an idle run within five minutes of a big run re-reads every contact that run wrote.
    /// Scheduled runs read everything, which catches a change committed out of order around a read. The stamps of
    /// contacts this run wrote come from the read after its writes (`settlePSA`), kept as `modifiedWatermark`.
    static func incrementalSince(_ psa: PSAProjection) -> Date? {
        guard let lastRead = psa.lastReadAt else { return nil }
        let skewed = lastRead.addingTimeInterval(-psaLookBack)
        let newest = [psa.contacts.values.lazy.compactMap(\.contact.lastModified).max(), psa.modifiedWatermark].compactMap { $0 }.max()
        guard let newest else { return skewed }
        return max(skewed, newest)
    }

    /// After a run's writes, reads once more what changed since the run's own read began, so that the next run
    /// starts after this run's writes: an idle run then fetches what others changed, not what this run wrote.
    /// Costs one request per 500 writes; a failure only means the next run reads more.
    func settlePSA(_ state: inout CompanyState, since: Date, recorder: inout Recorder) async throws {
        let contacts: [PSAContact]
        do {
            contacts = try await psa.contacts(companyId: settings.psaCompanyId, modifiedSince: since)
        } catch let error as PSAError {
            logger.warning("the PSA could not be read again after the writes of \(settings.name): \(error.message)")
            return
        }
        var events: [DomainEvent] = []
        var seen = Set<Int>()
        for contact in contacts.map(\.normalized) where seen.insert(contact.id).inserted {
            let known = state.psa.contacts[contact.id]
            if known == nil || !known!.contact.hasSameContent(as: contact) || known!.missing {
                events.append(.psaContactObserved(PsaContactObserved(contact: contact, runId: recorder.runId)))
            }
        }
        events.append(.psaReadCompleted(PsaReadCompleted(
            mode: .incremental, contactsSeen: contacts.count, modifiedSince: since, runId: recorder.runId,
            latestModified: contacts.compactMap(\.lastModified).max())))
        try await recorder.append(events, step: "psa-settle", into: &state)
    }
}

/// A run stopped early for a reason already recorded in the log and the summary.
struct RunStopped: Error {
    let message: String
}
