// Domain events to and from their stored payloads: the canonical JSON of each event type, read back by type and
// payload version.

import ContactSync
import Foundation

extension DomainEvent {
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
        case GroupsDeltaObserved.eventType: return .groupsDeltaObserved(try read(GroupsDeltaObserved.self, GroupsDeltaObserved.schemaVersion))
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
        case DeactivationsDismissed.eventType: return .deactivationsDismissed(try read(DeactivationsDismissed.self, DeactivationsDismissed.schemaVersion))
        case CommandAttempted.eventType: return .commandAttempted(try read(CommandAttempted.self, CommandAttempted.schemaVersion))
        case CommandSucceeded.eventType: return .commandSucceeded(try read(CommandSucceeded.self, CommandSucceeded.schemaVersion))
        case CommandFailed.eventType: return .commandFailed(try read(CommandFailed.self, CommandFailed.schemaVersion))
        case RunStarted.eventType: return .runStarted(try read(RunStarted.self, RunStarted.schemaVersion))
        case RunCompleted.eventType: return .runCompleted(try read(RunCompleted.self, RunCompleted.schemaVersion))
        case RunFailed.eventType: return .runFailed(try read(RunFailed.self, RunFailed.schemaVersion))
        case RunPaused.eventType: return .runPaused(try read(RunPaused.self, RunPaused.schemaVersion))
        case RunRequested.eventType: return .runRequested(try read(RunRequested.self, RunRequested.schemaVersion))
        default: throw .unknownType(type)
        }
    }
}
