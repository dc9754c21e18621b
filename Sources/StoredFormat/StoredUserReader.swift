// Reading a stored `DirectoryUserObserved` payload straight from its bytes: a replay reads one per user, and loading a
// company's stored state reads the latest of every user. What the reader is not sure of goes to `JSONDecoder`.

import ContactSync
import Foundation

extension DirectoryUserObserved {
    /// The payload as `JSONDecoder` reads it, or `nil` when the reader gives up (the caller then uses `JSONDecoder`).
    static func read(_ payload: Data) -> DirectoryUserObserved? {
        JSONCursor.read(payload) { try $0.observedUser() }
    }
}

extension JSONCursor {
    /// `{"contentHash","runId","user"}` as the synthesized `Decodable` conformance reads it.
    mutating func observedUser() throws -> DirectoryUserObserved {
        var hash: String?
        var runId: String??
        var user: DirectoryUser?
        try object { cursor, key in
            switch key {
            case "contentHash":
                guard hash == nil else { throw GiveUp() }
                hash = try cursor.string()
            case "runId":
                guard runId == nil else { throw GiveUp() }
                runId = .some(try cursor.optionalString())
            case "user":
                guard user == nil else { throw GiveUp() }
                user = try cursor.storedUser()
            default:
                try cursor.skipValue(depth: 1)
            }
        }
        guard let hash, let user else { throw GiveUp() }
        return DirectoryUserObserved(user: user, contentHash: hash, runId: runId ?? nil)
    }

    /// The stored keys of a user, each a bit of `storedUser()`'s mask of keys seen.
    enum StoredUserField: String, CaseIterable {
        case id, userPrincipalName, mail, displayName, givenName, surname, jobTitle, businessPhones, mobilePhone
        case accountEnabled, assignedLicenses, department, companyName, officeLocation, city, state, country
        case usageLocation, employeeType, extensionAttributes

        static let byKey: [String: (StoredUserField, UInt32)] = Dictionary(
            uniqueKeysWithValues: allCases.enumerated().map { ($1.rawValue, ($1, UInt32(1) << $0)) })
        /// The keys without which the synthesized conformance throws.
        static let required: UInt32 = [id, userPrincipalName, businessPhones, assignedLicenses, extensionAttributes]
            .reduce(0) { mask, field in mask | byKey[field.rawValue]!.1 }
    }

    /// A `DirectoryUser` as its synthesized `Decodable` conformance reads it.
    mutating func storedUser() throws -> DirectoryUser {
        var seen: UInt32 = 0
        var u = DirectoryUser(id: "", userPrincipalName: "", accountEnabled: nil)
        try object { cursor, key in
            guard let (field, bit) = StoredUserField.byKey[key] else { return try cursor.skipValue(depth: 2) }
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
            switch field {
            case .id: u.id = try cursor.string()
            case .userPrincipalName: u.userPrincipalName = try cursor.string()
            case .mail: u.mail = try cursor.optionalString()
            case .displayName: u.displayName = try cursor.optionalString()
            case .givenName: u.givenName = try cursor.optionalString()
            case .surname: u.surname = try cursor.optionalString()
            case .jobTitle: u.jobTitle = try cursor.optionalString()
            case .mobilePhone: u.mobilePhone = try cursor.optionalString()
            case .department: u.department = try cursor.optionalString()
            case .companyName: u.companyName = try cursor.optionalString()
            case .officeLocation: u.officeLocation = try cursor.optionalString()
            case .city: u.city = try cursor.optionalString()
            case .state: u.state = try cursor.optionalString()
            case .country: u.country = try cursor.optionalString()
            case .usageLocation: u.usageLocation = try cursor.optionalString()
            case .employeeType: u.employeeType = try cursor.optionalString()
            case .accountEnabled: u.accountEnabled = try cursor.optionalBool()
            case .businessPhones: try cursor.array { cursor in u.businessPhones.append(try cursor.string()) }
            case .assignedLicenses: try cursor.array { cursor in u.assignedLicenses.append(try cursor.storedLicense()) }
            case .extensionAttributes:
                try cursor.object { cursor, name in
                    guard u.extensionAttributes.updateValue(try cursor.string(), forKey: name) == nil else { throw GiveUp() }
                }
            }
        }
        guard seen & StoredUserField.required == StoredUserField.required else { throw GiveUp() }
        return u
    }

    /// `{"disabledPlans":[…],"skuId":…}`, both required.
    mutating func storedLicense() throws -> AssignedLicense {
        var sku: String?
        var plans: [String]?
        try object { cursor, key in
            switch key {
            case "skuId":
                guard sku == nil else { throw GiveUp() }
                sku = try cursor.string()
            case "disabledPlans":
                guard plans == nil else { throw GiveUp() }
                var list: [String] = []
                try cursor.array { cursor in list.append(try cursor.string()) }
                plans = list
            default:
                try cursor.skipValue(depth: 3)
            }
        }
        guard let sku, let plans else { throw GiveUp() }
        return AssignedLicense(skuId: sku, disabledPlans: plans)
    }
}
