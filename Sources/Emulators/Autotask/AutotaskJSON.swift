// The Autotask emulator's own JSON value, so it can keep Autotask entities as the loose objects the API serves.

import Foundation

/// A JSON value as the Autotask emulator stores and serves it; integers stay integers (`isActive: 1`, not `1.0`).
public enum AutotaskJSON: Codable, Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([AutotaskJSON])
    case object([String: AutotaskJSON])

    /// Makes a string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Makes an integer value.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// Makes a boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Makes `null`.
    public init(nilLiteral: ()) { self = .null }
    /// Makes a floating-point value.
    public init(floatLiteral value: Double) { self = .double(value) }

    /// Reads any JSON value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Int.self) {
            self = .int(value)
        } else if let value = try? c.decode(Double.self) {
            self = .double(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([AutotaskJSON].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: AutotaskJSON].self))
        }
    }

    /// Writes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let value): try c.encode(value)
        case .int(let value): try c.encode(value)
        case .double(let value): try c.encode(value)
        case .string(let value): try c.encode(value)
        case .array(let value): try c.encode(value)
        case .object(let value): try c.encode(value)
        }
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }

    /// The integer, if this is one (or a whole double).
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value.rounded() == value: Int(value)
        default: nil
        }
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }

    /// The members of an object, looked up without regard to case (Autotask's names are case-insensitive).
    func member(_ name: String) -> AutotaskJSON? {
        guard case .object(let members) = self else { return nil }
        if let exact = members[name] { return exact }
        let key = name.lowercased()
        return members.first { $0.key.lowercased() == key }?.value
    }

    /// Serialized as compact JSON.
    var data: Data { (try? JSONEncoder().encode(self)) ?? Data("null".utf8) }
}
