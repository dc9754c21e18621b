// The JSON Rollcall's Autotask client sends and reads, written from the PSA reference §1 (camelCase, as the live API).

import ContactSync
import Foundation
import StoredFormat

/// A contact as Autotask's `ContactModel` carries it; only the fields Rollcall reads.
struct ATContact: Decodable {
    var id: Int
    var companyID: Int?
    var companyLocationID: Int?
    var firstName: String?
    var lastName: String?
    var title: String?
    var phone: String?
    var mobilePhone: String?
    var emailAddress: String?
    var emailAddress2: String?
    var emailAddress3: String?
    /// Autotask's contact `isActive` is an int32 0/1 (reference §1.5); a bool is tolerated on read.
    var isActive: Int
    var lastModifiedDate: Date?

    enum CodingKeys: String, CodingKey {
        case id, companyID, companyLocationID, firstName, lastName, title, phone, mobilePhone
        case emailAddress, emailAddress2, emailAddress3, isActive, lastModifiedDate
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        companyID = try c.decodeIfPresent(Int.self, forKey: .companyID)
        companyLocationID = try c.decodeIfPresent(Int.self, forKey: .companyLocationID)
        firstName = try c.decodeIfPresent(String.self, forKey: .firstName)
        lastName = try c.decodeIfPresent(String.self, forKey: .lastName)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        phone = try c.decodeIfPresent(String.self, forKey: .phone)
        mobilePhone = try c.decodeIfPresent(String.self, forKey: .mobilePhone)
        emailAddress = try c.decodeIfPresent(String.self, forKey: .emailAddress)
        emailAddress2 = try c.decodeIfPresent(String.self, forKey: .emailAddress2)
        emailAddress3 = try c.decodeIfPresent(String.self, forKey: .emailAddress3)
        if let number = try? c.decodeIfPresent(Int.self, forKey: .isActive) {
            isActive = number
        } else if let flag = try? c.decodeIfPresent(Bool.self, forKey: .isActive) {
            isActive = flag ? 1 : 0
        } else {
            isActive = 1
        }
        lastModifiedDate = try c.decodeIfPresent(String.self, forKey: .lastModifiedDate).flatMap(AutotaskDates.parse)
    }

    /// The contact in the shape the domain uses; `companyId` fills in Autotask's `companyID: 0` for some inactive contacts.
    func psaContact(companyId fallback: Int) -> PSAContact {
        let emails = [emailAddress, emailAddress2, emailAddress3].compactMap { value -> String? in
            guard let trimmed = value.map(Scope.trimmed), !trimmed.isEmpty else { return nil }
            return trimmed
        }
        let company = companyID.flatMap { $0 == 0 ? nil : $0 } ?? fallback
        return PSAContact(
            id: id, companyId: company, firstName: firstName, lastName: lastName, title: title, phone: phone,
            mobile: mobilePhone, emails: emails, isActive: isActive != 0, siteId: companyLocationID, typeIds: [],
            lastModified: lastModifiedDate)
    }
}

/// A company location (`CompanyLocationModel`); its `isActive`/`isPrimary` are booleans, unlike a contact's.
struct ATLocation: Decodable {
    var id: Int
    var name: String?
    var isActive: Bool?
    var isPrimary: Bool?
}

/// One page of a query answer: `{items, pageDetails}`.
struct ATPage<Item: Decodable>: Decodable {
    struct Details: Decodable {
        var count: Int?
        var nextPageUrl: String?
    }
    var items: [Item]
    var pageDetails: Details?
}

/// `GET Contacts/{id}` answers `{"item": {...}}`.
struct ATItem<Item: Decodable>: Decodable {
    var item: Item?
}

/// A company, of which Rollcall reads only that it exists.
struct ATCompany: Decodable {
    var id: Int?
}

/// A create or update answers `{"itemId": N}`.
struct ATItemId: Decodable {
    var itemId: Int

    /// The id of the answer Autotask sends to every create and update, `{"itemId":N}` (whitespace allowed around the
    /// tokens), read without `JSONDecoder`; `nil` for any other body, which is then decoded in full.
    static func plain(_ data: Data) -> Int? {
        JSONCursor.read(data) { cursor in
            var id: Int?
            try cursor.object { cursor, key in
                guard key == "itemId", id == nil else { throw JSONCursor.GiveUp() }
                id = try cursor.integer()
            }
            guard let id else { throw JSONCursor.GiveUp() }
            return id
        }
    }
}

/// `zoneInformation` tells which zone serves the API user.
struct ATZone: Decodable {
    var url: String
}

/// `ThresholdInformation`: the database's hourly budget and what it has used.
struct ATThreshold: Decodable {
    var externalRequestThreshold: Int
    var requestThresholdTimeframe: Int?
    var currentTimeframeRequestCount: Int
}

/// `entityInformation/fields`: each field's name and length.
struct ATFieldInformation: Decodable {
    struct Field: Decodable {
        var name: String
        var length: Int?
    }
    var fields: [Field]
}

/// The error body Autotask uses, often with HTTP 500: `{"errors": ["…"]}`.
struct ATErrors: Decodable {
    var errors: [String]

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case errors }
        let c = try decoder.container(keyedBy: Keys.self)
        // Some clients report `{message}` objects instead of strings; read either.
        struct Message: Decodable { var message: String }
        if let strings = try? c.decode([String].self, forKey: .errors) {
            errors = strings
        } else {
            errors = try c.decode([Message].self, forKey: .errors).map(\.message)
        }
    }
}

/// One filter of a query body: a condition, or an `and`/`or` group of them (reference §1.6).
struct ATFilter: Encodable, Sendable {
    var op: String
    var field: String?
    var value: ATValue?
    var items: [ATFilter]?

    static func condition(_ op: String, _ field: String, _ value: ATValue) -> ATFilter {
        ATFilter(op: op, field: field, value: value, items: nil)
    }

    static func group(_ op: String, _ items: [ATFilter]) -> ATFilter {
        ATFilter(op: op, field: nil, value: nil, items: items)
    }
}

/// A filter value: a number or a string.
enum ATValue: Encodable, Sendable {
    case int(Int)
    case string(String)

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let value): try c.encode(value)
        case .string(let value): try c.encode(value)
        }
    }
}

/// A query body (`QueryModel`).
struct ATQuery: Encodable, Sendable {
    var maxRecords: Int = 500
    var filter: [ATFilter]

    enum CodingKeys: String, CodingKey {
        case maxRecords = "MaxRecords"
        case filter
    }
}

/// The body of a contact create or update: only the fields set, with `isActive` as 0/1.
struct ATContactWrite: Encodable {
    var id: Int?
    var companyID: Int?
    var firstName: String?
    var lastName: String?
    var title: String?
    var phone: String?
    var mobilePhone: String?
    var emailAddress: String?
    var isActive: Int?
    var companyLocationID: Int?

    func encode(to encoder: any Encoder) throws {
        enum Keys: String, CodingKey {
            case id, companyID, firstName, lastName, title, phone, mobilePhone, emailAddress, isActive, companyLocationID
        }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(companyID, forKey: .companyID)
        try c.encodeIfPresent(firstName, forKey: .firstName)
        try c.encodeIfPresent(lastName, forKey: .lastName)
        try c.encodeIfPresent(title, forKey: .title)
        try c.encodeIfPresent(phone, forKey: .phone)
        try c.encodeIfPresent(mobilePhone, forKey: .mobilePhone)
        try c.encodeIfPresent(emailAddress, forKey: .emailAddress)
        try c.encodeIfPresent(isActive, forKey: .isActive)
        try c.encodeIfPresent(companyLocationID, forKey: .companyLocationID)
    }

    /// The request body, written by hand (it is sent once per write): the bytes `CanonicalJSON` writes for it.
    var json: Data {
        var o = FlatJSONObject()
        o.integer("companyID", companyID)
        o.integer("companyLocationID", companyLocationID)
        o.string("emailAddress", emailAddress)
        o.string("firstName", firstName)
        o.integer("id", id)
        o.integer("isActive", isActive)
        o.string("lastName", lastName)
        o.string("mobilePhone", mobilePhone)
        o.string("phone", phone)
        o.string("title", title)
        return o.data()
    }
}

/// Autotask's timestamps: ISO 8601 in UTC, with or without milliseconds.
enum AutotaskDates {
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
