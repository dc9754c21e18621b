// Reading a page of users straight from its bytes: the shape every user read returns, tens of thousands of times per
// tenant. Anything the reader does not expect makes it give up, and `JSONDecoder` reads the page instead, so an odd
// page costs time, never a different answer.

import ContactSync
import Foundation
import StoredFormat

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
        JSONCursor.read(data) { try $0.page() }
    }
}

extension JSONCursor {
    /// A page of users: `value`, and the next or delta link.
    mutating func page() throws -> UserPage {
        var value: [UserEntry]?
        var nextLink: String??
        var deltaLink: String??
        try object { cursor, key in
            switch key {
            case "value":
                guard value == nil else { throw JSONCursor.GiveUp() }
                var entries: [UserEntry] = []
                try cursor.array { cursor in entries.append(try cursor.user()) }
                value = entries
            case "@odata.nextLink":
                guard nextLink == nil else { throw JSONCursor.GiveUp() }
                nextLink = .some(try cursor.optionalString())
            case "@odata.deltaLink":
                guard deltaLink == nil else { throw JSONCursor.GiveUp() }
                deltaLink = .some(try cursor.optionalString())
            default:
                try cursor.skipValue(depth: 1)
            }
        }
        guard let value else { throw JSONCursor.GiveUp() }
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
            guard seen & bit == 0 else { throw JSONCursor.GiveUp() }
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
                    guard names.insert(name).inserted else { throw JSONCursor.GiveUp() }
                    if let value = try cursor.optionalString(), !value.trimmingCharacters(in: .whitespaces).isEmpty {
                        user.extensionAttributes[name] = value
                    }
                }
            }
        }
        guard let id else { throw JSONCursor.GiveUp() }
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
                guard reason == nil else { throw JSONCursor.GiveUp() }
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
                guard sku == nil else { throw JSONCursor.GiveUp() }
                sku = try cursor.string()
            case "disabledPlans":
                guard plans == nil else { throw JSONCursor.GiveUp() }
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
        guard let sku else { throw JSONCursor.GiveUp() }
        return AssignedLicense(skuId: sku.lowercased(), disabledPlans: (plans ?? nil) ?? [])
    }
}
