// Upcasters lift an old payload version to the next one on read; stored rows are never rewritten.

import Foundation

/// A set of upcasters, each lifting one event type's payload from version n to n + 1.
public struct Upcasters: Sendable {
    private var lifts: [Key: @Sendable (Data) throws -> Data] = [:]

    private struct Key: Hashable, Sendable {
        var type: String
        var version: Int
    }

    /// An empty set: payloads are read as stored.
    public init() {}

    /// Registers how to lift `type` from `version` to `version + 1`.
    public mutating func register(type: String, from version: Int, _ lift: @escaping @Sendable (Data) throws -> Data) {
        lifts[Key(type: type, version: version)] = lift
    }

    /// The payload lifted through every registered step, and the version it ends at.
    public func upcast(type: String, version: Int, payload: Data) throws -> (payload: Data, version: Int) {
        var payload = payload
        var version = version
        while let lift = lifts[Key(type: type, version: version)] {
            do {
                payload = try lift(payload)
            } catch {
                throw EventLogError(
                    .invalidPayload,
                    "could not upcast a \(type) event from schema version \(version): \(error)")
            }
            version += 1
        }
        return (payload, version)
    }

    /// True when no upcaster is registered.
    public var isEmpty: Bool { lifts.isEmpty }
}
