// A strict forward-only reader of JSON bytes, for what is read often enough that `JSONDecoder` shows in a profile:
// Graph's user pages, Autotask's contact pages, stored user snapshots. It gives up (throws `GiveUp`) on anything it
// is not sure to read as `JSONDecoder` would; its callers then hand the bytes to `JSONDecoder`.

import ContactSync
import Foundation

/// A forward-only position in JSON bytes.
public struct JSONCursor {
    /// Why a reader gave up; never shown, the bytes go to `JSONDecoder` instead.
    public struct GiveUp: Error {
        /// Gives up.
        @inlinable public init() {}
    }

    /// The first byte.
    public let base: UnsafePointer<UInt8>
    /// How many bytes there are.
    public let count: Int
    /// The offset of the next byte to read.
    public var index = 0

    /// A cursor at the start of `count` bytes from `base`.
    @inlinable
    public init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// `body`'s answer for the bytes of `data`, or `nil` when it gives up or leaves anything but whitespace unread.
    @inlinable
    public static func read<T>(_ data: some ContiguousBytes, _ body: (inout JSONCursor) throws -> T) -> T? {
        data.withUnsafeBytes { raw -> T? in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor = JSONCursor(base: base, count: raw.count)
            guard let value = try? body(&cursor) else { return nil }
            cursor.skipWhitespace()
            return cursor.index == cursor.count ? value : nil
        }
    }

    /// Moves past JSON whitespace.
    @inlinable
    public mutating func skipWhitespace() {
        while index < count {
            switch base[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not consumed.
    @inlinable
    public mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard index < count else { throw GiveUp() }
        return base[index]
    }

    /// Consumes `byte` (after whitespace), or gives up.
    @inlinable
    public mutating func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw GiveUp() }
        index += 1
    }

    /// Consumes `null` if it comes next.
    @inlinable
    public mutating func takeNull() -> Bool {
        guard (try? peek()) == UInt8(ascii: "n") else { return false }
        return (try? literal("null")) != nil
    }

    /// Consumes exactly `word`, or gives up.
    @inlinable
    public mutating func literal(_ word: StaticString) throws {
        let length = word.utf8CodeUnitCount
        guard count - index >= length else { throw GiveUp() }
        for offset in 0..<length where base[index + offset] != word.utf8Start[offset] { throw GiveUp() }
        index += length
    }

    /// An object's members: `body` reads each value after its key; keys with escapes make the reader give up.
    @inlinable
    public mutating func object(_ body: (inout JSONCursor, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
            let key = try string(allowEscapes: false)
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw GiveUp()
            }
        }
    }

    /// An array's items: `body` reads each.
    @inlinable
    public mutating func array(_ body: (inout JSONCursor) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try body(&self)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw GiveUp()
            }
        }
    }

    /// A string or `null`.
    @inlinable
    public mutating func optionalString() throws -> String? {
        if takeNull() { return nil }
        return try string()
    }

    /// `true`, `false` or `null`.
    @inlinable
    public mutating func optionalBool() throws -> Bool? {
        switch try peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return nil
        default: throw GiveUp()
        }
    }

    /// A string value; gives up on control characters, invalid UTF-8 and unpaired surrogates, as `JSONDecoder` errs.
    @inlinable
    public mutating func string(allowEscapes: Bool = true) throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var escaped = false
        var ascii = true
        while true {
            guard index < count else { throw GiveUp() }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw GiveUp() }
            if byte >= 0x80 { ascii = false }
            if byte == UInt8(ascii: "\\") {
                guard allowEscapes, index + 1 < count else { throw GiveUp() }
                escaped = true
                index += 2
            } else {
                index += 1
            }
        }
        let end = index
        index += 1
        if !escaped {
            let bytes = UnsafeBufferPointer(start: base + start, count: end - start)
            // ASCII needs no validation (and `String(validating:)` costs a generic metadata look-up per call).
            if !ascii { return try Self.validated(bytes) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return try unescape(start, end)
    }

    @usableFromInline
    func unescape(_ start: Int, _ end: Int) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end - start)
        var at = start
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= end else { throw GiveUp() }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = base[at + offset]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw GiveUp()
                }
                value = value << 4 | digit
            }
            return value
        }
        while at < end {
            let byte = base[at]
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                at += 1
                continue
            }
            let kind = base[at + 1]
            at += 2
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(kind)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at)
                at += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard at + 6 <= end, base[at] == UInt8(ascii: "\\"), base[at + 1] == UInt8(ascii: "u") else { throw GiveUp() }
                    let low = try hex4(at + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw GiveUp() }
                    at += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw GiveUp()
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw GiveUp() }
                bytes.append(contentsOf: UTF8.encode(unicode)!)
            default:
                throw GiveUp()
            }
        }
        return try bytes.withUnsafeBufferPointer { try Self.validated($0) }
    }

    /// The bytes as a string, or `GiveUp` when they are not valid UTF-8 (`JSONDecoder` refuses those).
    @usableFromInline
    static func validated(_ bytes: UnsafeBufferPointer<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw GiveUp() }
        return text
    }

    /// Skips any value, checking it is well-formed JSON; gives up below a modest nesting depth.
    @inlinable
    public mutating func skipValue(depth: Int) throws {
        guard depth < 64 else { throw GiveUp() }
        switch try peek() {
        case UInt8(ascii: "{"):
            try object { cursor, _ in try cursor.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            try array { cursor in try cursor.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    /// A whole number written plainly (`-?(0|[1-9][0-9]*)`, at most 18 digits); gives up on fractions, exponents and
    /// anything that is not a number.
    @inlinable
    public mutating func integer() throws -> Int {
        _ = try peek()
        let negative = base[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value = 0
        while index < count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[index]) {
            // More than 18 digits may not fit an Int: give up before it can overflow.
            guard index - start < 18 else { throw GiveUp() }
            value = value * 10 + Int(base[index] - UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits <= 18, digits == 1 || base[start] != UInt8(ascii: "0") else { throw GiveUp() }
        if index < count, base[index] == UInt8(ascii: ".") || base[index] | 0x20 == UInt8(ascii: "e") { throw GiveUp() }
        return negative ? -value : value
    }

    /// An integer or `null`.
    @inlinable
    public mutating func optionalInteger() throws -> Int? {
        if takeNull() { return nil }
        return try integer()
    }

    /// A number per RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    @inlinable
    public mutating func number() throws {
        func digits() throws {
            let start = index
            while index < count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[index]) { index += 1 }
            guard index > start else { throw GiveUp() }
        }
        if index < count, base[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count else { throw GiveUp() }
        if base[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            try digits()
        }
        if index < count, base[index] == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if index < count, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            index += 1
            if index < count, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }
}
