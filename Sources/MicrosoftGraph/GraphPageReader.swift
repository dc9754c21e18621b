// Reading a page of users straight from its bytes: the shape every user read returns, tens of thousands of times per
// tenant. Anything the reader does not expect makes it give up, and `JSONDecoder` reads the page instead, so an odd
// page costs time, never a different answer.

import ContactSync
import Foundation

extension UserPage {
    /// The page read by `UserPageReader`, or by `JSONDecoder` when the reader gives up (its answer or error stands).
    static func decode(_ data: Data) throws -> UserPage {
        if let page = UserPageReader.read(data) { return page }
        return try JSONDecoder().decode(UserPage.self, from: data)
    }
}

/// A strict reader of `{"value":[users…],"@odata.nextLink"|"@odata.deltaLink":…}` that builds what `UserPage`'s
/// `Decodable` conformance builds, or gives up (`nil`) on anything else: another type where a property has one,
/// duplicate keys, escaped keys, invalid UTF-8, unpaired surrogates, deep nesting, trailing bytes.
enum UserPageReader {
    /// The page, or `nil` when the bytes are not a page this reader is sure to read as `JSONDecoder` would.
    static func read(_ data: Data) -> UserPage? {
        data.withUnsafeBytes { raw -> UserPage? in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor = JSONCursor(base: base, count: raw.count)
            return try? cursor.page()
        }
    }
}

/// Why the reader gave up; never shown, the page goes to `JSONDecoder` instead.
struct GiveUp: Error {}

/// A forward-only position in JSON bytes.
struct JSONCursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    var index = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    // MARK: The page

    mutating func page() throws -> UserPage {
        var value: [UserEntry]?
        var nextLink: String??
        var deltaLink: String??
        try object { cursor, key in
            switch key {
            case "value":
                guard value == nil else { throw GiveUp() }
                var entries: [UserEntry] = []
                try cursor.array { cursor in entries.append(try cursor.user()) }
                value = entries
            case "@odata.nextLink":
                guard nextLink == nil else { throw GiveUp() }
                nextLink = .some(try cursor.optionalString())
            case "@odata.deltaLink":
                guard deltaLink == nil else { throw GiveUp() }
                deltaLink = .some(try cursor.optionalString())
            default:
                try cursor.skipValue(depth: 1)
            }
        }
        skipWhitespace()
        guard index == count, let value else { throw GiveUp() }
        return UserPage(value: value, nextLink: nextLink ?? nil, deltaLink: deltaLink ?? nil)
    }

    /// The keys of a user that `UserEntry` reads, each a bit of `user()`'s mask of keys seen.
    enum Field: Int, CaseIterable {
        case id, userPrincipalName, mail, displayName, givenName, surname, jobTitle, businessPhones, mobilePhone
        case accountEnabled, assignedLicenses, department, companyName, officeLocation, city, state, country
        case usageLocation, employeeType, onPremisesExtensionAttributes, removed

        var key: String { self == .removed ? "@removed" : "\(self)" }

        static let byKey: [String: Field] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.key, $0) })
        /// The bits of the properties `DirectoryUser.propertyNames` lists.
        static let propertyBits: UInt32 = allCases.reduce(0) { bits, field in
            DirectoryUser.propertyNames.contains(field.key) ? bits | 1 << field.rawValue : bits
        }
        /// Every property name: a whole user's `present`, shared rather than built per user.
        static let allProperties = Set(DirectoryUser.propertyNames)
    }

    /// One user, as `UserEntry.init(from:)` reads it.
    mutating func user() throws -> UserEntry {
        var seen: UInt32 = 0
        var id: String?
        var removed: RemovalReason?
        var user = DirectoryUser(id: "", userPrincipalName: "", accountEnabled: nil)
        try object { cursor, key in
            guard let field = Field.byKey[key] else { return try cursor.skipValue(depth: 2) }
            let bit: UInt32 = 1 << field.rawValue
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
            switch field {
            case .id: id = try cursor.string()
            case .removed: removed = try cursor.removal()
            case .userPrincipalName: user.userPrincipalName = try cursor.optionalString() ?? ""
            case .mail: user.mail = try cursor.optionalString()
            case .displayName: user.displayName = try cursor.optionalString()
            case .givenName: user.givenName = try cursor.optionalString()
            case .surname: user.surname = try cursor.optionalString()
            case .jobTitle: user.jobTitle = try cursor.optionalString()
            case .mobilePhone: user.mobilePhone = try cursor.optionalString()
            case .department: user.department = try cursor.optionalString()
            case .companyName: user.companyName = try cursor.optionalString()
            case .officeLocation: user.officeLocation = try cursor.optionalString()
            case .city: user.city = try cursor.optionalString()
            case .state: user.state = try cursor.optionalString()
            case .country: user.country = try cursor.optionalString()
            case .usageLocation: user.usageLocation = try cursor.optionalString()
            case .employeeType: user.employeeType = try cursor.optionalString()
            case .accountEnabled: user.accountEnabled = try cursor.optionalBool()
            case .businessPhones:
                if cursor.takeNull() { break }
                try cursor.array { cursor in user.businessPhones.append(try cursor.string()) }
            case .assignedLicenses:
                if cursor.takeNull() { break }
                try cursor.array { cursor in user.assignedLicenses.append(try cursor.license()) }
            case .onPremisesExtensionAttributes:
                if cursor.takeNull() { break }
                var names: Set<String> = []
                try cursor.object { cursor, name in
                    guard names.insert(name).inserted else { throw GiveUp() }
                    if let value = try cursor.optionalString(), !value.trimmingCharacters(in: .whitespaces).isEmpty {
                        user.extensionAttributes[name] = value
                    }
                }
            }
        }
        guard let id else { throw GiveUp() }
        if let removed {
            return UserEntry(
                patch: DirectoryUserPatch(id: id, present: [], values: DirectoryUser(id: id, userPrincipalName: "")),
                removed: removed)
        }
        user.id = id
        let properties = seen & Field.propertyBits
        let present = properties == Field.propertyBits
            ? Field.allProperties
            : Set(Field.allCases.filter { properties & 1 << $0.rawValue != 0 }.map(\.key))
        return UserEntry(patch: DirectoryUserPatch(id: id, present: present, values: user), removed: nil)
    }

    /// `@removed`: `{"reason": …}` or `null`; "changed" is a soft delete, anything else gone for good.
    mutating func removal() throws -> RemovalReason? {
        if takeNull() { return nil }
        var reason: String??
        try object { cursor, key in
            if key == "reason" {
                guard reason == nil else { throw GiveUp() }
                reason = .some(try cursor.optionalString())
            } else {
                try cursor.skipValue(depth: 3)
            }
        }
        return (reason ?? nil) == "changed" ? .softDeleted : .deleted
    }

    /// One `assignedLicenses` item: `skuId` (lowercased) and `disabledPlans`.
    mutating func license() throws -> AssignedLicense {
        var sku: String?
        var plans: [String]??
        try object { cursor, key in
            switch key {
            case "skuId":
                guard sku == nil else { throw GiveUp() }
                sku = try cursor.string()
            case "disabledPlans":
                guard plans == nil else { throw GiveUp() }
                if cursor.takeNull() {
                    plans = .some(nil)
                } else {
                    var list: [String] = []
                    try cursor.array { cursor in list.append(try cursor.string()) }
                    plans = .some(list)
                }
            default:
                try cursor.skipValue(depth: 3)
            }
        }
        guard let sku else { throw GiveUp() }
        return AssignedLicense(skuId: sku.lowercased(), disabledPlans: (plans ?? nil) ?? [])
    }

    // MARK: JSON

    mutating func skipWhitespace() {
        while index < count {
            switch base[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not consumed.
    mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard index < count else { throw GiveUp() }
        return base[index]
    }

    mutating func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw GiveUp() }
        index += 1
    }

    /// Consumes `null` if it comes next.
    mutating func takeNull() -> Bool {
        guard (try? peek()) == UInt8(ascii: "n") else { return false }
        return (try? literal("null")) != nil
    }

    mutating func literal(_ word: StaticString) throws {
        let length = word.utf8CodeUnitCount
        guard count - index >= length else { throw GiveUp() }
        for offset in 0..<length where base[index + offset] != word.utf8Start[offset] { throw GiveUp() }
        index += length
    }

    /// An object's members: `body` reads each value after its key; keys with escapes make the reader give up.
    mutating func object(_ body: (inout JSONCursor, String) throws -> Void) throws {
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
    mutating func array(_ body: (inout JSONCursor) throws -> Void) throws {
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

    mutating func optionalString() throws -> String? {
        if takeNull() { return nil }
        return try string()
    }

    mutating func optionalBool() throws -> Bool? {
        switch try peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return nil
        default: throw GiveUp()
        }
    }

    /// A string value; gives up on control characters, invalid UTF-8 and unpaired surrogates, as `JSONDecoder` errs.
    mutating func string(allowEscapes: Bool = true) throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var escaped = false
        while true {
            guard index < count else { throw GiveUp() }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw GiveUp() }
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
            guard let text = String(validating: bytes, as: UTF8.self) else { throw GiveUp() }
            return text
        }
        return try unescape(start, end)
    }

    private func unescape(_ start: Int, _ end: Int) throws -> String {
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
        guard let text = String(validating: bytes, as: UTF8.self) else { throw GiveUp() }
        return text
    }

    /// Skips any value, checking it is well-formed JSON; gives up below a modest nesting depth.
    mutating func skipValue(depth: Int) throws {
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

    /// A number per RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws {
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
