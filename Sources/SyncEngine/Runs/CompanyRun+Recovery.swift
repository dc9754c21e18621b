// Crash recovery: writes attempted by a run that stopped before the PSA answered are resolved before anything else.

import ContactSync
import Foundation
import StoredFormat

extension CompanyRun {
    /// Resolves every in-doubt write: an update's contact is re-read; an in-doubt create is looked up by email, so a
    /// crash between the write and its outcome never makes a duplicate contact.
    func resolveInDoubt(_ state: inout CompanyState, recorder: inout Recorder) async throws {
        let doubts = state.inDoubt.values.sorted { ($0.runId, $0.commandId) < ($1.runId, $1.commandId) }
        guard !doubts.isEmpty else { return }
        progress(.step(company: settings.name, "resolving \(doubts.count) writes left in doubt by an interrupted run"))
        var events: [DomainEvent] = []
        for attempt in doubts {
            switch attempt.write {
            case .create(let new):
                let email = new.fields.email ?? ""
                let found = email.isEmpty ? [] : try await psa.contacts(companyId: settings.psaCompanyId, email: email)
                if let contact = found.sorted(by: { $0.id < $1.id }).first {
                    events.append(.commandSucceeded(CommandSucceeded(
                        runId: attempt.runId, commandId: attempt.commandId, kind: .create, userId: attempt.userId,
                        contact: contact.normalized, status: 200,
                        responseBody: "resolved after an interrupted run: contact \(contact.id) found by email \(email)")))
                } else {
                    events.append(.commandFailed(CommandFailed(
                        runId: attempt.runId, commandId: attempt.commandId, userId: attempt.userId, contactId: nil,
                        status: nil, kind: "inDoubt",
                        error: "the run stopped before the PSA answered; no contact with email \(email) exists, so it was not created",
                        retryable: true)))
                }
            case .update(let contactId, _):
                let contact = try await psa.contact(companyId: settings.psaCompanyId, id: contactId)
                if let contact {
                    events.append(.psaContactObserved(try PsaContactObserved(contact: contact.normalized, runId: recorder.runId)))
                } else {
                    events.append(.psaContactMissing(PsaContactMissing(contactId: contactId, runId: recorder.runId)))
                }
                events.append(.commandFailed(CommandFailed(
                    runId: attempt.runId, commandId: attempt.commandId, userId: attempt.userId, contactId: contactId,
                    status: nil, kind: "inDoubt",
                    error: "the run stopped before the PSA answered; the contact was read again and this run plans from what it holds",
                    retryable: true)))
            }
        }
        try await recorder.append(events, step: "recover", into: &state)
    }
}
