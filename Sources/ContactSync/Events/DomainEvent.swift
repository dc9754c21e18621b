// Every event of the catalog as one enum, its envelope, and the JSON codec the event log stores them with.

import Foundation

/// One event of DESIGN.md's catalog, with its typed payload.
public enum DomainEvent: Sendable, Hashable {
    case settingsChanged(SettingsChanged)
    case licenseCatalogObserved(LicenseCatalogObserved)
    case directoryUserObserved(DirectoryUserObserved)
    case directoryUserRemoved(DirectoryUserRemoved)
    case groupMembersObserved(GroupMembersObserved)
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
    case commandAttempted(CommandAttempted)
    case commandSucceeded(CommandSucceeded)
    case commandFailed(CommandFailed)
    case runStarted(RunStarted)
    case runCompleted(RunCompleted)
    case runFailed(RunFailed)

    /// Every event type name of the catalog, in catalog order.
    public static let typeNames: [String] = [
        SettingsChanged.eventType,
        LicenseCatalogObserved.eventType,
        DirectoryUserObserved.eventType,
        DirectoryUserRemoved.eventType,
        GroupMembersObserved.eventType,
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
        CommandAttempted.eventType,
        CommandSucceeded.eventType,
        CommandFailed.eventType,
        RunStarted.eventType,
        RunCompleted.eventType,
        RunFailed.eventType,
    ]

    /// The event's type name, e.g. `DirectoryUserObserved`.
    public var typeName: String {
        switch self {
        case .settingsChanged: SettingsChanged.eventType
        case .licenseCatalogObserved: LicenseCatalogObserved.eventType
        case .directoryUserObserved: DirectoryUserObserved.eventType
        case .directoryUserRemoved: DirectoryUserRemoved.eventType
        case .groupMembersObserved: GroupMembersObserved.eventType
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
        case .commandAttempted: CommandAttempted.eventType
        case .commandSucceeded: CommandSucceeded.eventType
        case .commandFailed: CommandFailed.eventType
        case .runStarted: RunStarted.eventType
        case .runCompleted: RunCompleted.eventType
        case .runFailed: RunFailed.eventType
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
        case .commandAttempted: CommandAttempted.schemaVersion
        case .commandSucceeded: CommandSucceeded.schemaVersion
        case .commandFailed: CommandFailed.schemaVersion
        case .runStarted: RunStarted.schemaVersion
        case .runCompleted: RunCompleted.schemaVersion
        case .runFailed: RunFailed.schemaVersion
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
        case .commandAttempted(let p): p
        case .commandSucceeded(let p): p
        case .commandFailed(let p): p
        case .runStarted(let p): p
        case .runCompleted(let p): p
        case .runFailed(let p): p
        }
    }

    /// The payload as JSON: sorted keys, ISO-8601 dates (`CanonicalJSON`, byte for byte `EventCodec.encoder`'s output).
    public func encodePayload() throws -> Data {
        // The commonest payloads by their own type: going through `payload` boxes each one in an existential first.
        switch self {
        case .directoryUserObserved(let p): try CanonicalJSON.encode(p)
        case .commandPlanned(let p): try CanonicalJSON.encode(p)
        case .commandAttempted(let p): try CanonicalJSON.encode(p)
        case .commandSucceeded(let p): try CanonicalJSON.encode(p)
        default: try CanonicalJSON.encode(payload)
        }
    }

    /// Decodes a stored payload; throws `EventCodecError` for an unknown type or version, or unreadable JSON.
    public static func decode(type: String, schemaVersion: Int, payload: Data) throws(EventCodecError) -> DomainEvent {
        func read<P: Decodable>(_ p: P.Type, _ current: Int) throws(EventCodecError) -> P {
            guard schemaVersion == current else { throw .unknownVersion(type: type, schemaVersion: schemaVersion) }
            do {
                return try EventCodec.sharedDecoder.decode(P.self, from: payload)
            } catch {
                throw .unreadable(type: type, schemaVersion: schemaVersion, detail: String(describing: error))
            }
        }
        switch type {
        case SettingsChanged.eventType: return .settingsChanged(try read(SettingsChanged.self, SettingsChanged.schemaVersion))
        case LicenseCatalogObserved.eventType: return .licenseCatalogObserved(try read(LicenseCatalogObserved.self, LicenseCatalogObserved.schemaVersion))
        case DirectoryUserObserved.eventType:
            // The commonest payload of a replay and of loading stored users: read straight from its bytes when it can be.
            if schemaVersion == DirectoryUserObserved.schemaVersion, let observed = DirectoryUserObserved.read(payload) {
                return .directoryUserObserved(observed)
            }
            return .directoryUserObserved(try read(DirectoryUserObserved.self, DirectoryUserObserved.schemaVersion))
        case DirectoryUserRemoved.eventType: return .directoryUserRemoved(try read(DirectoryUserRemoved.self, DirectoryUserRemoved.schemaVersion))
        case GroupMembersObserved.eventType: return .groupMembersObserved(try read(GroupMembersObserved.self, GroupMembersObserved.schemaVersion))
        case DirectoryReadCompleted.eventType: return .directoryReadCompleted(try read(DirectoryReadCompleted.self, DirectoryReadCompleted.schemaVersion))
        case DirectoryReadFailed.eventType: return .directoryReadFailed(try read(DirectoryReadFailed.self, DirectoryReadFailed.schemaVersion))
        case PsaContactObserved.eventType: return .psaContactObserved(try read(PsaContactObserved.self, PsaContactObserved.schemaVersion))
        case PsaContactMissing.eventType: return .psaContactMissing(try read(PsaContactMissing.self, PsaContactMissing.schemaVersion))
        case PsaSitesObserved.eventType: return .psaSitesObserved(try read(PsaSitesObserved.self, PsaSitesObserved.schemaVersion))
        case PsaContactTypesObserved.eventType: return .psaContactTypesObserved(try read(PsaContactTypesObserved.self, PsaContactTypesObserved.schemaVersion))
        case PsaReadCompleted.eventType: return .psaReadCompleted(try read(PsaReadCompleted.self, PsaReadCompleted.schemaVersion))
        case PsaReadFailed.eventType: return .psaReadFailed(try read(PsaReadFailed.self, PsaReadFailed.schemaVersion))
        case ContactMatched.eventType: return .contactMatched(try read(ContactMatched.self, ContactMatched.schemaVersion))
        case MatchEnded.eventType: return .matchEnded(try read(MatchEnded.self, MatchEnded.schemaVersion))
        case CommandPlanned.eventType: return .commandPlanned(try read(CommandPlanned.self, CommandPlanned.schemaVersion))
        case DeactivationsHeld.eventType: return .deactivationsHeld(try read(DeactivationsHeld.self, DeactivationsHeld.schemaVersion))
        case DeactivationsApproved.eventType: return .deactivationsApproved(try read(DeactivationsApproved.self, DeactivationsApproved.schemaVersion))
        case CommandAttempted.eventType: return .commandAttempted(try read(CommandAttempted.self, CommandAttempted.schemaVersion))
        case CommandSucceeded.eventType: return .commandSucceeded(try read(CommandSucceeded.self, CommandSucceeded.schemaVersion))
        case CommandFailed.eventType: return .commandFailed(try read(CommandFailed.self, CommandFailed.schemaVersion))
        case RunStarted.eventType: return .runStarted(try read(RunStarted.self, RunStarted.schemaVersion))
        case RunCompleted.eventType: return .runCompleted(try read(RunCompleted.self, RunCompleted.schemaVersion))
        case RunFailed.eventType: return .runFailed(try read(RunFailed.self, RunFailed.schemaVersion))
        default: throw .unknownType(type)
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
        case .commandAttempted(let p): p.runId
        case .commandSucceeded(let p): p.runId
        case .commandFailed(let p): p.runId
        case .runStarted(let p): p.runId
        case .runCompleted(let p): p.runId
        case .runFailed(let p): p.runId
        }
    }
}
