// The canonical JSON of Rollcall's stored format: the bytes of every event payload, projection row and content hash.
//
// The form, which golden files in Tests/StoredFormatTests/Golden hold it to:
// - no whitespace; an object's members in the byte order of their keys' UTF-8, at every depth; arrays in their order;
// - a member whose value is absent (`nil`) is left out, never written as `null`;
// - integers in decimal, with a leading `-` when negative and no exponent; `true` and `false`;
// - strings in UTF-8 as they are (non-ASCII and `/` included), with `"` and `\` escaped, U+0008, U+0009, U+000A, U+000C
//   and U+000D as `\b \t \n \f \r`, and the other characters below U+0020 as `\u00xx` (lower-case hex);
// - dates as ISO-8601 in UTC to the second (`2026-12-05T02:08:47Z`).
// This is byte for byte what Foundation's `JSONEncoder` writes with `EventCodec.encoder`'s settings, and what any JSON
// library writes with sorted keys and unescaped non-ASCII (the content-hash golden was checked with Python's).
//
// The writer puts the bytes straight into a buffer, without Foundation's tree of boxed values. Measured on a
// 10,000-user first run (Autotask, release build, same binary, interleaved): 2.44 s of CPU with it, 2.66 s with its
// generic `Encoder` alone (the hand-written shapes of users and commands off), 3.22 s with `JSONEncoder`: it saves
// about a quarter of a first run's CPU, well above the 5% that would send it back to `JSONEncoder`.
// Concurrency (the module's one style): values only; a writer belongs to the one encode call that made it.

import ContactSync
import Foundation

/// Encodes `Encodable` values as `EventCodec.encoder` would, faster: same bytes, or Foundation's own answer for the
/// few shapes it does not write itself (floating point, `Data`, `URL`, `Decimal`, out-of-order container use).
public enum CanonicalJSON {
    /// The JSON bytes of `value`.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try bytes(value))
    }

    /// The JSON bytes of `value`, as an array.
    public static func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = CanonicalWriter()
        do {
            try writer.encodeTop(value)
            return writer.out
        } catch is CanonicalWriter.Unsupported {
            return Array(try EventCodec.encoder.encode(value))
        }
    }
}

/// The writer's state: one output buffer and the stack of open containers.
final class CanonicalWriter {
    /// Thrown for a shape the writer leaves to Foundation.
    struct Unsupported: Error {}

    /// An open container: where its bytes start in `out`; an object's members sit in `members` from `firstMember`.
    struct Frame {
        var id: Int
        var keyed: Bool
        var start: Int
        var count = 0
        var firstMember: Int
        /// For a container nested by `nestedContainer(keyedBy:forKey:)`: its key in the enclosing object.
        var pendingKey: String?
    }

    // The writer is used by one encode call on one thread; dynamic exclusivity checks on these cost more than the work.
    @exclusivity(unchecked) var out: [UInt8] = []
    @exclusivity(unchecked) var stack: [Frame] = []
    /// The members of every open object: key and byte range of each value, innermost object last.
    @exclusivity(unchecked) var members: [(key: String, start: Int, end: Int)] = []
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    @exclusivity(unchecked) private var nextId = 0
    /// The stack depth at which the value being written may open its one container or write its one single value;
    /// -1 once it has.
    @exclusivity(unchecked) var valueDepth = 0
    /// Set when a value used the containers in a way the writer does not follow (nested or super encoders, a
    /// container of a finished value): the whole value is then left to Foundation.
    var failed = false

    init() {
        out.reserveCapacity(512)
    }

    func encodeTop<T: Encodable>(_ value: T) throws {
        try encodeValue(value)
        if failed { throw Unsupported() }
    }

    /// Writes one value at the current place; a value that asks for no container is written `{}`.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == String.self { writeString(value as! String); return }
        if T.self == Int.self { writeInteger(value as! Int); return }
        if T.self == Bool.self { writeBool(value as! Bool); return }
        if T.self == Int64.self { writeInteger(value as! Int64); return }
        if T.self == Date.self { try writeDate(value as! Date); return }
        if T.self == DirectoryUser.self { writeUser(value as! DirectoryUser); return }
        if T.self == Command.self { try writeCommand(value as! Command); return }
        if T.self == PSAWrite.self { writeWrite(value as! PSAWrite); return }
        if T.self == PSAContact.self { try writeContact(value as! PSAContact); return }
        if T.self == DirectoryUserObserved.self { writeObserved(value as! DirectoryUserObserved); return }
        if T.self == CommandPlanned.self { try writePlanned(value as! CommandPlanned); return }
        if T.self == CommandAttempted.self { writeAttempted(value as! CommandAttempted); return }
        if T.self == CommandSucceeded.self { try writeSucceeded(value as! CommandSucceeded); return }
        if T.self == ContactRecord.self { try writeContactRecord(value as! ContactRecord); return }
        if T.self == MatchRecord.self { writeMatch(value as! MatchRecord); return }
        if T.self == Assignment.self { writeAssignment(value as! Assignment); return }
        if T.self == Double.self || T.self == Float.self || T.self == Data.self || T.self == URL.self
            || T.self == Decimal.self {
            throw Unsupported()
        }
        let depth = stack.count
        let before = out.count
        valueDepth = depth
        try value.encode(to: CanonicalEncoder(writer: self))
        close(downTo: depth)
        valueDepth = -1
        if out.count == before { out.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }
    }

    // MARK: Containers

    /// Opens the current value's container; `nil` (and the value left to Foundation) when it may not open one.
    func push(keyed: Bool) -> (id: Int, index: Int)? {
        guard stack.count == valueDepth else {
            failed = true
            return nil
        }
        nextId += 1
        stack.append(Frame(id: nextId, keyed: keyed, start: out.count, firstMember: members.count))
        if !keyed { out.append(UInt8(ascii: "[")) }
        valueDepth = -1
        return (nextId, stack.count - 1)
    }

    /// Makes the container `id` at `index` the innermost again, closing any finished nested ones above it.
    private func enter(id: Int, index: Int) throws {
        guard index < stack.count, stack[index].id == id else { throw Unsupported() }
        close(downTo: index + 1)
    }

    /// Closes containers until `depth` remain.
    func close(downTo depth: Int) {
        while stack.count > depth {
            let frame = stack.removeLast()
            if frame.keyed { finishObject(frame) } else { out.append(UInt8(ascii: "]")) }
            if let key = frame.pendingKey { members.append((key, frame.start, out.count)) }
        }
    }

    /// Rewrites an object's member values (written one after another) as `{"key":value,…}` in key order.
    private func finishObject(_ frame: Frame) {
        let first = frame.firstMember
        let end = members.count
        // Members arrive in declaration order: a few, nearly sorted, so an insertion sort in place beats `sort`.
        if end - first > 1 {
            for i in (first + 1)..<end {
                let member = members[i]
                var j = i
                while j > first && Self.precedes(member.key, members[j - 1].key) {
                    members[j] = members[j - 1]
                    j -= 1
                }
                if j != i { members[j] = member }
            }
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: out[frame.start...])
        out.removeSubrange(frame.start...)
        out.append(UInt8(ascii: "{"))
        for i in first..<end {
            if i > first { out.append(UInt8(ascii: ",")) }
            let member = members[i]
            writeString(member.key)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: scratch[(member.start - frame.start)..<(member.end - frame.start)])
        }
        out.append(UInt8(ascii: "}"))
        members.removeSubrange(first...)
    }

    /// UTF-8 byte order, as Foundation sorts keys.
    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool {
        if let answer = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c < 0 || (c == 0 && x.count < y.count)
            }
        }), let answer { return answer }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Writes a member of the object `id`: `body` writes its value.
    func member(id: Int, index: Int, key: String, _ body: () throws -> Void) throws {
        try enter(id: id, index: index)
        let start = out.count
        valueDepth = stack.count
        try body()
        close(downTo: index + 1)
        valueDepth = -1
        members.append((key, start, out.count))
    }

    /// Writes an element of the array `id`: `body` writes its value.
    func element(id: Int, index: Int, _ body: () throws -> Void) throws {
        try enter(id: id, index: index)
        if stack[index].count > 0 { out.append(UInt8(ascii: ",")) }
        stack[index].count += 1
        valueDepth = stack.count
        try body()
        close(downTo: index + 1)
        valueDepth = -1
    }

    /// Opens a container as member `key` of the object `id` (how an enum case's payload is written).
    func nested(inObject id: Int, index: Int, key: String, keyed: Bool) -> (id: Int, index: Int)? {
        guard (try? enter(id: id, index: index)) != nil else {
            failed = true
            return nil
        }
        valueDepth = stack.count
        guard let frame = push(keyed: keyed) else { return nil }
        stack[frame.index].pendingKey = key
        return frame
    }

    /// Opens a container as the next element of the array `id`.
    func nested(inArray id: Int, index: Int, keyed: Bool) -> (id: Int, index: Int)? {
        guard (try? enter(id: id, index: index)) != nil else {
            failed = true
            return nil
        }
        if stack[index].count > 0 { out.append(UInt8(ascii: ",")) }
        stack[index].count += 1
        valueDepth = stack.count
        return push(keyed: keyed)
    }

    // MARK: Hand-written shapes

    /// A `DirectoryUser` as its synthesized `Encodable` conformance writes it, keys in sorted order: users are the
    /// most common value by far (every snapshot, twice: payload and content hash).
    func writeUser(_ u: DirectoryUser) {
        var first = true
        func key(_ name: StaticString) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func optional(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            writeString(value)
        }
        func strings(_ values: [String]) {
            out.append(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(value)
            }
            out.append(UInt8(ascii: "]"))
        }
        if let enabled = u.accountEnabled {
            key("accountEnabled")
            writeBool(enabled)
        }
        key("assignedLicenses")
        out.append(UInt8(ascii: "["))
        for (i, license) in u.assignedLicenses.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"disabledPlans":"#.utf8)
            strings(license.disabledPlans)
            out.append(contentsOf: #","skuId":"#.utf8)
            writeString(license.skuId)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        key("businessPhones")
        strings(u.businessPhones)
        optional("city", u.city)
        optional("companyName", u.companyName)
        optional("country", u.country)
        optional("department", u.department)
        optional("displayName", u.displayName)
        optional("employeeType", u.employeeType)
        key("extensionAttributes")
        out.append(UInt8(ascii: "{"))
        let attributes = u.extensionAttributes.count < 2
            ? Array(u.extensionAttributes) : u.extensionAttributes.sorted { Self.precedes($0.key, $1.key) }
        for (i, attribute) in attributes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            writeString(attribute.key)
            out.append(UInt8(ascii: ":"))
            writeString(attribute.value)
        }
        out.append(UInt8(ascii: "}"))
        optional("givenName", u.givenName)
        key("id")
        writeString(u.id)
        optional("jobTitle", u.jobTitle)
        optional("mail", u.mail)
        optional("mobilePhone", u.mobilePhone)
        optional("officeLocation", u.officeLocation)
        optional("state", u.state)
        optional("surname", u.surname)
        optional("usageLocation", u.usageLocation)
        key("userPrincipalName")
        writeString(u.userPrincipalName)
        out.append(UInt8(ascii: "}"))
    }

    // MARK: Scalars

    func writeBool(_ value: Bool) {
        out.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
    }

    func writeNull() {
        out.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    func writeInteger<I: BinaryInteger>(_ value: I) {
        if value >= 0 && value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string as Foundation writes it: `"` and `\` escaped, \b \t \n \f \r short, other controls `\u00xx`.
    func writeString(_ value: String) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0x0F)]])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ISO-8601 in UTC to the second, rounded down, as Foundation's `.iso8601` strategy writes it, for Gregorian
    /// dates (from 1582-10-15; Foundation writes earlier ones in the Julian calendar) up to year 9999.
    func writeDate(_ date: Date) throws {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        guard seconds >= -12_219_292_800 else { throw Unsupported() }
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        guard year <= 9_999 else { throw Unsupported() }
        out.append(UInt8(ascii: "\""))
        digits(year, 4)
        out.append(UInt8(ascii: "-"))
        digits(month, 2)
        out.append(UInt8(ascii: "-"))
        digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(rest / 3_600, 2)
        out.append(UInt8(ascii: ":"))
        digits(rest % 3_600 / 60, 2)
        out.append(UInt8(ascii: ":"))
        digits(rest % 60, 2)
        out.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    private func digits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(v / divisor))
            v %= divisor
            divisor /= 10
        }
    }
}

/// The `Encoder` a value's `encode(to:)` sees.
struct CanonicalEncoder: Encoder {
    let writer: CanonicalWriter
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(CanonicalKeyedContainer<Key>(writer: writer, frame: writer.push(keyed: true)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        CanonicalUnkeyedContainer(writer: writer, frame: writer.push(keyed: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        CanonicalSingleValue(writer: writer)
    }

    /// An encoder for what the writer does not follow: it marks the value for Foundation and writes to nowhere.
    static func unfollowed(_ writer: CanonicalWriter) -> CanonicalEncoder {
        writer.failed = true
        let sink = CanonicalWriter()
        sink.valueDepth = -1
        return CanonicalEncoder(writer: sink)
    }
}

struct CanonicalKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: CanonicalWriter
    /// `nil` when the container could not be opened in order: the value is then left to Foundation.
    let frame: (id: Int, index: Int)?
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key, _ body: () throws -> Void) throws {
        guard let frame else { throw CanonicalWriter.Unsupported() }
        try writer.member(id: frame.id, index: frame.index, key: key.stringValue, body)
    }

    mutating func encodeNil(forKey key: Key) throws { try member(key) { writer.writeNull() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try member(key) { writer.writeBool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { try member(key) { writer.writeString(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw CanonicalWriter.Unsupported() }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw CanonicalWriter.Unsupported() }
    mutating func encode(_ value: Int, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try member(key) { writer.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try member(key) { try writer.encodeValue(value) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        guard let frame else { return CanonicalEncoder.unfollowed(writer).container(keyedBy: keyType) }
        return KeyedEncodingContainer(CanonicalKeyedContainer<NestedKey>(
            writer: writer, frame: writer.nested(inObject: frame.id, index: frame.index, key: key.stringValue, keyed: true)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        guard let frame else { return CanonicalEncoder.unfollowed(writer).unkeyedContainer() }
        return CanonicalUnkeyedContainer(
            writer: writer, frame: writer.nested(inObject: frame.id, index: frame.index, key: key.stringValue, keyed: false))
    }

    mutating func superEncoder() -> any Encoder { CanonicalEncoder.unfollowed(writer) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { CanonicalEncoder.unfollowed(writer) }
}

struct CanonicalUnkeyedContainer: UnkeyedEncodingContainer, CanonicalValuePlace {
    let writer: CanonicalWriter
    let frame: (id: Int, index: Int)?
    var codingPath: [any CodingKey] { [] }
    var count: Int {
        guard let frame, frame.index < writer.stack.count, writer.stack[frame.index].id == frame.id else { return 0 }
        return writer.stack[frame.index].count
    }

    func place(_ body: () throws -> Void) throws {
        guard let frame else { throw CanonicalWriter.Unsupported() }
        try writer.element(id: frame.id, index: frame.index, body)
    }


    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        guard let frame else { return CanonicalEncoder.unfollowed(writer).container(keyedBy: keyType) }
        return KeyedEncodingContainer(CanonicalKeyedContainer<NestedKey>(
            writer: writer, frame: writer.nested(inArray: frame.id, index: frame.index, keyed: true)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        guard let frame else { return CanonicalEncoder.unfollowed(writer).unkeyedContainer() }
        return CanonicalUnkeyedContainer(writer: writer, frame: writer.nested(inArray: frame.id, index: frame.index, keyed: false))
    }

    mutating func superEncoder() -> any Encoder { CanonicalEncoder.unfollowed(writer) }
}

/// A value written in place, once, by the value that asked for it.
struct CanonicalSingleValue: SingleValueEncodingContainer, CanonicalValuePlace {
    let writer: CanonicalWriter
    var codingPath: [any CodingKey] { [] }

    func place(_ body: () throws -> Void) throws {
        guard writer.stack.count == writer.valueDepth else { throw CanonicalWriter.Unsupported() }
        try body()
        writer.valueDepth = -1
    }

}

/// Where one value goes: an array's next element or a single value. The containers say only that (`place`); the
/// writes of every kind of value are these, once.
protocol CanonicalValuePlace {
    var writer: CanonicalWriter { get }
    /// Writes one value through `body` at this place, or throws `Unsupported` when it may not go here.
    func place(_ body: () throws -> Void) throws
}

extension CanonicalValuePlace {
    mutating func encodeNil() throws { try place { writer.writeNull() } }
    mutating func encode(_ value: Bool) throws { try place { writer.writeBool(value) } }
    mutating func encode(_ value: String) throws { try place { writer.writeString(value) } }
    mutating func encode(_ value: Double) throws { throw CanonicalWriter.Unsupported() }
    mutating func encode(_ value: Float) throws { throw CanonicalWriter.Unsupported() }
    mutating func encode(_ value: Int) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { try place { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { try place { writer.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws { try place { try writer.encodeValue(value) } }
}
