// Where an event sits in the log, and the streams events belong to.

import Foundation

/// One event as the log holds it: where it sits, when it was recorded, and what it says.
public struct EventEnvelope: Sendable, Hashable {
    /// Global order in the log.
    public var position: Int64
    public var stream: String
    /// Set by the store.
    public var recordedAt: Date
    public var eventId: String?
    public var event: DomainEvent

    /// Makes an envelope.
    public init(position: Int64, stream: String, recordedAt: Date, eventId: String? = nil, event: DomainEvent) {
        self.position = position
        self.stream = stream
        self.recordedAt = recordedAt
        self.eventId = eventId
        self.event = event
    }
}

/// Stream names: `<company>/user/<objectId>`, `<company>/contact/<psaId>`, …
public enum StreamName {
    /// One user's stream.
    public static func user(_ company: String, _ objectId: String) -> String { "\(company)/user/\(objectId)" }
    /// One contact's stream.
    public static func contact(_ company: String, _ contactId: Int) -> String { "\(company)/contact/\(contactId)" }
    /// One run's stream.
    public static func run(_ company: String, _ runId: String) -> String { "\(company)/run/\(runId)" }
    /// The company's settings stream.
    public static func settings(_ company: String) -> String { "\(company)/settings" }
    /// Directory-wide observations: license catalog, groups, read completions.
    public static func directory(_ company: String) -> String { "\(company)/directory" }
    /// PSA-wide observations: sites, contact types, read completions.
    public static func psa(_ company: String) -> String { "\(company)/psa" }
    /// Run requests as `serve` queues them (R11.7).
    public static func queue(_ company: String) -> String { "\(company)/queue" }

    /// The company part of a stream name.
    public static func company(of stream: String) -> String {
        String(stream.prefix { $0 != "/" })
    }

    /// The stream an event belongs in, for a company.
    public static func stream(for event: DomainEvent, company: String) -> String {
        switch event {
        case .settingsChanged: settings(company)
        case .directoryUserObserved(let e): user(company, e.user.id)
        case .directoryUserRemoved(let e): user(company, e.userId)
        case .licenseCatalogObserved, .groupMembersObserved, .groupsDeltaObserved, .directoryReadCompleted, .directoryReadFailed: directory(company)
        case .psaContactObserved(let e): contact(company, e.contact.id)
        case .psaContactMissing(let e): contact(company, e.contactId)
        case .psaSitesObserved, .psaContactTypesObserved, .psaReadCompleted, .psaReadFailed: psa(company)
        case .contactMatched(let e): run(company, e.runId)
        case .matchEnded(let e): run(company, e.runId)
        case .commandPlanned(let e): run(company, e.runId)
        case .deactivationsHeld(let e): run(company, e.runId)
        case .deactivationsApproved(let e): run(company, e.runId)
        case .deactivationsDismissed(let e): run(company, e.runId)
        case .commandAttempted(let e): run(company, e.runId)
        case .commandSucceeded(let e): run(company, e.runId)
        case .commandFailed(let e): run(company, e.runId)
        case .runStarted(let e): run(company, e.runId)
        case .runCompleted(let e): run(company, e.runId)
        case .runFailed(let e): run(company, e.runId)
        case .runPaused(let e): run(company, e.runId)
        case .runRequested: queue(company)
        }
    }
}
