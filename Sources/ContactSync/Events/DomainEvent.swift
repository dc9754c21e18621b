// Every event of the catalog as one enum, its envelope, and the JSON codec the event log stores them with.

import Foundation

/// One event of DESIGN.md's catalog, with its typed payload.
public enum DomainEvent: Sendable, Hashable {
    case settingsChanged(SettingsChanged)
    case licenseCatalogObserved(LicenseCatalogObserved)
    case directoryUserObserved(DirectoryUserObserved)
    case directoryUserRemoved(DirectoryUserRemoved)
    case groupMembersObserved(GroupMembersObserved)
    case groupsDeltaObserved(GroupsDeltaObserved)
    case directoryReadCompleted(DirectoryReadCompleted)
    case directoryReadFailed(DirectoryReadFailed)
    case psaContactObserved(PsaContactObserved)
    case psaContactMissing(PsaContactMissing)
    case psaSitesObserved(PsaSitesObserved)
    case psaContactTypesObserved(PsaContactTypesObserved)
    case psaReadCompleted(PsaReadCompleted)
    case psaReadFailed(PsaReadFailed)
    case contactMatched(ContactMatched)
    case matchEnded(MatchEnded)
    case commandPlanned(CommandPlanned)
    case deactivationsHeld(DeactivationsHeld)
    case deactivationsApproved(DeactivationsApproved)
    case deactivationsDismissed(DeactivationsDismissed)
    case commandAttempted(CommandAttempted)
    case commandSucceeded(CommandSucceeded)
    case commandFailed(CommandFailed)
    case runStarted(RunStarted)
    case runCompleted(RunCompleted)
    case runFailed(RunFailed)
    case runPaused(RunPaused)
    case runRequested(RunRequested)

    /// Every event type name of the catalog, in catalog order.
    public static let typeNames: [String] = [
        SettingsChanged.eventType,
        LicenseCatalogObserved.eventType,
        DirectoryUserObserved.eventType,
        DirectoryUserRemoved.eventType,
        GroupMembersObserved.eventType,
        GroupsDeltaObserved.eventType,
        DirectoryReadCompleted.eventType,
        DirectoryReadFailed.eventType,
        PsaContactObserved.eventType,
        PsaContactMissing.eventType,
        PsaSitesObserved.eventType,
        PsaContactTypesObserved.eventType,
        PsaReadCompleted.eventType,
        PsaReadFailed.eventType,
        ContactMatched.eventType,
        MatchEnded.eventType,
        CommandPlanned.eventType,
        DeactivationsHeld.eventType,
        DeactivationsApproved.eventType,
        DeactivationsDismissed.eventType,
        CommandAttempted.eventType,
        CommandSucceeded.eventType,
        CommandFailed.eventType,
        RunStarted.eventType,
        RunCompleted.eventType,
        RunFailed.eventType,
        RunPaused.eventType,
        RunRequested.eventType,
    ]

    /// The event's type name, e.g. `DirectoryUserObserved`.
    public var typeName: String {
        switch self {
        case .settingsChanged: SettingsChanged.eventType
        case .licenseCatalogObserved: LicenseCatalogObserved.eventType
        case .directoryUserObserved: DirectoryUserObserved.eventType
        case .directoryUserRemoved: DirectoryUserRemoved.eventType
        case .groupMembersObserved: GroupMembersObserved.eventType
        case .groupsDeltaObserved: GroupsDeltaObserved.eventType
        case .directoryReadCompleted: DirectoryReadCompleted.eventType
        case .directoryReadFailed: DirectoryReadFailed.eventType
        case .psaContactObserved: PsaContactObserved.eventType
        case .psaContactMissing: PsaContactMissing.eventType
        case .psaSitesObserved: PsaSitesObserved.eventType
        case .psaContactTypesObserved: PsaContactTypesObserved.eventType
        case .psaReadCompleted: PsaReadCompleted.eventType
        case .psaReadFailed: PsaReadFailed.eventType
        case .contactMatched: ContactMatched.eventType
        case .matchEnded: MatchEnded.eventType
        case .commandPlanned: CommandPlanned.eventType
        case .deactivationsHeld: DeactivationsHeld.eventType
        case .deactivationsApproved: DeactivationsApproved.eventType
        case .deactivationsDismissed: DeactivationsDismissed.eventType
        case .commandAttempted: CommandAttempted.eventType
        case .commandSucceeded: CommandSucceeded.eventType
        case .commandFailed: CommandFailed.eventType
        case .runStarted: RunStarted.eventType
        case .runCompleted: RunCompleted.eventType
        case .runFailed: RunFailed.eventType
        case .runPaused: RunPaused.eventType
        case .runRequested: RunRequested.eventType
        }
    }

    /// The schema version of the event's payload.
    public var schemaVersion: Int {
        switch self {
        case .settingsChanged: SettingsChanged.schemaVersion
        case .licenseCatalogObserved: LicenseCatalogObserved.schemaVersion
        case .directoryUserObserved: DirectoryUserObserved.schemaVersion
        case .directoryUserRemoved: DirectoryUserRemoved.schemaVersion
        case .groupMembersObserved: GroupMembersObserved.schemaVersion
        case .groupsDeltaObserved: GroupsDeltaObserved.schemaVersion
        case .directoryReadCompleted: DirectoryReadCompleted.schemaVersion
        case .directoryReadFailed: DirectoryReadFailed.schemaVersion
        case .psaContactObserved: PsaContactObserved.schemaVersion
        case .psaContactMissing: PsaContactMissing.schemaVersion
        case .psaSitesObserved: PsaSitesObserved.schemaVersion
        case .psaContactTypesObserved: PsaContactTypesObserved.schemaVersion
        case .psaReadCompleted: PsaReadCompleted.schemaVersion
        case .psaReadFailed: PsaReadFailed.schemaVersion
        case .contactMatched: ContactMatched.schemaVersion
        case .matchEnded: MatchEnded.schemaVersion
        case .commandPlanned: CommandPlanned.schemaVersion
        case .deactivationsHeld: DeactivationsHeld.schemaVersion
        case .deactivationsApproved: DeactivationsApproved.schemaVersion
        case .deactivationsDismissed: DeactivationsDismissed.schemaVersion
        case .commandAttempted: CommandAttempted.schemaVersion
        case .commandSucceeded: CommandSucceeded.schemaVersion
        case .commandFailed: CommandFailed.schemaVersion
        case .runStarted: RunStarted.schemaVersion
        case .runCompleted: RunCompleted.schemaVersion
        case .runFailed: RunFailed.schemaVersion
        case .runPaused: RunPaused.schemaVersion
        case .runRequested: RunRequested.schemaVersion
        }
    }

    /// The event's payload struct.
    public var payload: any Encodable & Sendable {
        switch self {
        case .settingsChanged(let p): p
        case .licenseCatalogObserved(let p): p
        case .directoryUserObserved(let p): p
        case .directoryUserRemoved(let p): p
        case .groupMembersObserved(let p): p
        case .groupsDeltaObserved(let p): p
        case .directoryReadCompleted(let p): p
        case .directoryReadFailed(let p): p
        case .psaContactObserved(let p): p
        case .psaContactMissing(let p): p
        case .psaSitesObserved(let p): p
        case .psaContactTypesObserved(let p): p
        case .psaReadCompleted(let p): p
        case .psaReadFailed(let p): p
        case .contactMatched(let p): p
        case .matchEnded(let p): p
        case .commandPlanned(let p): p
        case .deactivationsHeld(let p): p
        case .deactivationsApproved(let p): p
        case .deactivationsDismissed(let p): p
        case .commandAttempted(let p): p
        case .commandSucceeded(let p): p
        case .commandFailed(let p): p
        case .runStarted(let p): p
        case .runCompleted(let p): p
        case .runFailed(let p): p
        case .runPaused(let p): p
        case .runRequested(let p): p
        }
    }

    /// The run the event belongs to, when it names one.
    public var runId: String? {
        switch self {
        case .settingsChanged: nil
        case .licenseCatalogObserved(let p): p.runId
        case .directoryUserObserved(let p): p.runId
        case .directoryUserRemoved(let p): p.runId
        case .groupMembersObserved(let p): p.runId
        case .groupsDeltaObserved(let p): p.runId
        case .directoryReadCompleted(let p): p.runId
        case .directoryReadFailed(let p): p.runId
        case .psaContactObserved(let p): p.runId
        case .psaContactMissing(let p): p.runId
        case .psaSitesObserved(let p): p.runId
        case .psaContactTypesObserved(let p): p.runId
        case .psaReadCompleted(let p): p.runId
        case .psaReadFailed(let p): p.runId
        case .contactMatched(let p): p.runId
        case .matchEnded(let p): p.runId
        case .commandPlanned(let p): p.runId
        case .deactivationsHeld(let p): p.runId
        case .deactivationsApproved(let p): p.runId
        case .deactivationsDismissed(let p): p.runId
        case .commandAttempted(let p): p.runId
        case .commandSucceeded(let p): p.runId
        case .commandFailed(let p): p.runId
        case .runStarted(let p): p.runId
        case .runCompleted(let p): p.runId
        case .runFailed(let p): p.runId
        case .runPaused(let p): p.runId
        case .runRequested: nil
        }
    }
}
