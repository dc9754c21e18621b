// Reading a page of Autotask contacts straight from its bytes: a run's read-back after a big first run reads every
// contact it created, hundreds of pages of them. Anything the reader is not sure of goes to `JSONDecoder`.

import ContactSync
import Foundation
import StoredFormat

extension ATPage where Item == ATContact {
    /// The page as `JSONDecoder` would read it, or `nil` when the reader gives up (the caller then uses `JSONDecoder`).
    static func read(_ data: Data) -> ATPage<ATContact>? {
        JSONCursor.read(data) { try $0.contactPage() }
    }
}

extension ATContact {
    /// A contact with only its id; the reader fills in the rest.
    init(id: Int) {
        self.id = id
        isActive = 1
    }
}

extension JSONCursor {
    /// `{"items":[…],"pageDetails":{…}}`; duplicate keys and unexpected types make it give up.
    mutating func contactPage() throws -> ATPage<ATContact> {
        var items: [ATContact]?
        var details: ATPage<ATContact>.Details??
        try object { cursor, key in
            switch key {
            case "items":
                guard items == nil else { throw GiveUp() }
                var list: [ATContact] = []
                try cursor.array { cursor in list.append(try cursor.contact()) }
                items = list
            case "pageDetails":
                guard details == nil else { throw GiveUp() }
                details = .some(try cursor.pageDetails())
            default:
                try cursor.skipValue(depth: 1)
            }
        }
        guard let items else { throw GiveUp() }
        return ATPage(items: items, pageDetails: details ?? nil)
    }

    mutating func pageDetails() throws -> ATPage<ATContact>.Details? {
        if takeNull() { return nil }
        var count: Int??
        var next: String??
        try object { cursor, key in
            switch key {
            case "count":
                guard count == nil else { throw GiveUp() }
                count = .some(try cursor.optionalInteger())
            case "nextPageUrl":
                guard next == nil else { throw GiveUp() }
                next = .some(try cursor.optionalString())
            default:
                try cursor.skipValue(depth: 2)
            }
        }
        return ATPage<ATContact>.Details(count: count ?? nil, nextPageUrl: next ?? nil)
    }

    /// The contact keys `ATContact` reads, each a bit of a mask of keys seen.
    enum ContactField: String, CaseIterable {
        case id, companyID, companyLocationID, firstName, lastName, title, phone, mobilePhone
        case emailAddress, emailAddress2, emailAddress3, isActive, lastModifiedDate

        static let byKey: [String: (ContactField, UInt32)] = Dictionary(
            uniqueKeysWithValues: allCases.enumerated().map { ($1.rawValue, ($1, UInt32(1) << $0)) })
    }

    /// One contact, as `ATContact.init(from:)` reads it.
    mutating func contact() throws -> ATContact {
        var seen: UInt32 = 0
        var id: Int?
        var contact = ATContact(id: 0)
        try object { cursor, key in
            guard let (field, bit) = ContactField.byKey[key] else { return try cursor.skipValue(depth: 3) }
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
            switch field {
            case .id: id = try cursor.integer()
            case .companyID: contact.companyID = try cursor.optionalInteger()
            case .companyLocationID: contact.companyLocationID = try cursor.optionalInteger()
            case .firstName: contact.firstName = try cursor.optionalString()
            case .lastName: contact.lastName = try cursor.optionalString()
            case .title: contact.title = try cursor.optionalString()
            case .phone: contact.phone = try cursor.optionalString()
            case .mobilePhone: contact.mobilePhone = try cursor.optionalString()
            case .emailAddress: contact.emailAddress = try cursor.optionalString()
            case .emailAddress2: contact.emailAddress2 = try cursor.optionalString()
            case .emailAddress3: contact.emailAddress3 = try cursor.optionalString()
            case .isActive:
                // An int, or a tolerated bool; `null` means active, as `ATContact.init(from:)` reads it.
                switch try cursor.peek() {
                case UInt8(ascii: "t"), UInt8(ascii: "f"): contact.isActive = try cursor.optionalBool()! ? 1 : 0
                case UInt8(ascii: "n"): try cursor.literal("null")
                default: contact.isActive = try cursor.integer()
                }
            case .lastModifiedDate:
                contact.lastModifiedDate = try cursor.optionalString().flatMap(AutotaskDates.parse)
            }
        }
        guard let id else { throw GiveUp() }
        contact.id = id
        return contact
    }
}
