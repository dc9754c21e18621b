// The PSA side of the domain: a contact, a site, a contact type, field limits, and the writes Rollcall makes.

import Foundation

/// Which PSA a connection talks to.
public enum PSASystem: String, Codable, Sendable, Hashable {
    case autotask
    case connectwise

    /// The PSA's product name: "Autotask" or "ConnectWise".
    public var displayName: String {
        switch self {
        case .autotask: "Autotask"
        case .connectwise: "ConnectWise"
        }
    }
}

/// A contact of a PSA company, in the same shape whichever PSA holds it.
public struct PSAContact: Codable, Sendable, Hashable {
    /// The PSA's contact id (Autotask `id`, ConnectWise `id`).
    public var id: Int
    /// The PSA company the contact belongs to (Autotask `companyID`, ConnectWise `company.id`).
    public var companyId: Int
    public var firstName: String?
    public var lastName: String?
    public var title: String?
    /// Autotask `phone`; ConnectWise the default communication item of a phone type.
    public var phone: String?
    /// Autotask `mobilePhone`; ConnectWise the communication item of the mobile phone type.
    public var mobile: String?
    /// Every email of the contact, primary first (Autotask `emailAddress`, `emailAddress2`, `emailAddress3`;
    /// ConnectWise its Email communication items, the default one first). Blanks are left out.
    public var emails: [String]
    public var isActive: Bool
    /// Autotask `companyLocationID`, ConnectWise `site.id`.
    public var siteId: Int?
    /// ConnectWise contact type ids; always empty on Autotask.
    public var typeIds: [Int]
    /// When the PSA last changed the contact, if it says.
    public var lastModified: Date?

    /// Makes a contact.
    public init(
        id: Int, companyId: Int, firstName: String? = nil, lastName: String? = nil, title: String? = nil,
        phone: String? = nil, mobile: String? = nil, emails: [String] = [], isActive: Bool = true,
        siteId: Int? = nil, typeIds: [Int] = [], lastModified: Date? = nil
    ) {
        self.id = id
        self.companyId = companyId
        self.firstName = firstName
        self.lastName = lastName
        self.title = title
        self.phone = phone
        self.mobile = mobile
        self.emails = emails
        self.isActive = isActive
        self.siteId = siteId
        self.typeIds = typeIds
        self.lastModified = lastModified
    }

    /// The primary email, if the contact has one.
    public var primaryEmail: String? { emails.first }
}

/// A place a contact can belong to: an Autotask company location or a ConnectWise company site.
public struct PSASite: Codable, Sendable, Hashable {
    public var id: Int
    public var name: String
    public var isActive: Bool
    /// Autotask `isPrimary` / ConnectWise `primaryAddressFlag`.
    public var isPrimary: Bool

    /// Makes a site.
    public init(id: Int, name: String, isActive: Bool = true, isPrimary: Bool = false) {
        self.id = id
        self.name = name
        self.isActive = isActive
        self.isPrimary = isPrimary
    }
}

/// A ConnectWise contact type (`/company/contacts/types`).
public struct PSAContactType: Codable, Sendable, Hashable {
    public var id: Int
    public var name: String

    /// Makes a contact type.
    public init(id: Int, name: String) {
        self.id = id
        self.name = name
    }
}

/// The synced fields of RULES.md R6.1, as values to write. `nil` means "leave as it is".
public struct ContactFields: Codable, Sendable, Hashable {
    public var firstName: String?
    public var lastName: String?
    public var title: String?
    public var phone: String?
    public var mobile: String?
    public var email: String?

    /// Makes a set of field values.
    public init(
        firstName: String? = nil, lastName: String? = nil, title: String? = nil, phone: String? = nil,
        mobile: String? = nil, email: String? = nil
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.title = title
        self.phone = phone
        self.mobile = mobile
        self.email = email
    }

    /// True when no field is set.
    public var isEmpty: Bool {
        firstName == nil && lastName == nil && title == nil && phone == nil && mobile == nil && email == nil
    }
}

/// How long each synced field may be in a PSA (R6.7); longer values are cut by the planner, which says so.
public struct PSAFieldLimits: Codable, Sendable, Hashable {
    public var firstName: Int
    public var lastName: Int
    public var title: Int
    public var phone: Int
    public var mobile: Int
    public var email: Int

    /// Makes a set of limits.
    public init(firstName: Int, lastName: Int, title: Int, phone: Int, mobile: Int, email: Int) {
        self.firstName = firstName
        self.lastName = lastName
        self.title = title
        self.phone = phone
        self.mobile = mobile
        self.email = email
    }

    /// Autotask's documented lengths (psa reference §1.5), used until `entityInformation/fields` says otherwise.
    public static let autotask = PSAFieldLimits(firstName: 50, lastName: 50, title: 50, phone: 25, mobile: 25, email: 254)
    /// ConnectWise's lengths (the 2017 swagger validations: names 30/30, title 100, communication values 250).
    public static let connectwise = PSAFieldLimits(firstName: 30, lastName: 30, title: 100, phone: 250, mobile: 250, email: 250)
}

/// A new contact to create in a PSA company (R5.1): always active.
public struct NewContact: Codable, Sendable, Hashable {
    public var fields: ContactFields
    public var siteId: Int?
    /// ConnectWise contact types to give it on create (`typeIds`); ignored by Autotask.
    public var typeIds: [Int]

    /// Makes a new contact.
    public init(fields: ContactFields, siteId: Int?, typeIds: [Int] = []) {
        self.fields = fields
        self.siteId = siteId
        self.typeIds = typeIds
    }
}

/// Changes to one existing contact, all in one write (one write per contact per run).
public struct ContactUpdate: Codable, Sendable, Hashable {
    /// Fields to set; `nil` fields are left as they are.
    public var fields: ContactFields
    /// `true` reactivates (R9), `false` deactivates (R8), `nil` leaves it.
    public var isActive: Bool?
    /// A new site (R6.4), or `nil` to leave it.
    public var siteId: Int?
    /// ConnectWise contact types to add (R6.5); never removes any.
    public var addTypeIds: [Int]

    /// Makes an update.
    public init(fields: ContactFields = ContactFields(), isActive: Bool? = nil, siteId: Int? = nil, addTypeIds: [Int] = []) {
        self.fields = fields
        self.isActive = isActive
        self.siteId = siteId
        self.addTypeIds = addTypeIds
    }

    /// True when the update would change nothing.
    public var isEmpty: Bool { fields.isEmpty && isActive == nil && siteId == nil && addTypeIds.isEmpty }
}

/// One write to a PSA: the unit the applier executes and records (intent → attempt → outcome).
public enum PSAWrite: Codable, Sendable, Hashable {
    case create(NewContact)
    case update(contactId: Int, ContactUpdate)
}

/// What a PSA answered to a write.
public struct PSAWriteResult: Sendable, Hashable {
    /// The id of the contact written (the new id for a create).
    public var contactId: Int
    /// The contact as the PSA returned it, when the PSA returns the entity (ConnectWise does; Autotask
    /// answers `{"itemId": N}` only, and the client then gives the contact as written).
    public var contact: PSAContact
    /// The PSA's answer body, shortened to a few KB, for the audit log.
    public var responseBody: String
    /// The HTTP status of the answer.
    public var status: Int

    /// Makes a write result.
    public init(contactId: Int, contact: PSAContact, responseBody: String, status: Int) {
        self.contactId = contactId
        self.contact = contact
        self.responseBody = responseBody
        self.status = status
    }
}

extension PSAContact {
    /// The contact with blank values as absent and emails trimmed, so that two reads of one contact compare equal
    /// whichever way a PSA spells "nothing" (`""`, `null`, a missing key).
    public var normalized: PSAContact {
        func clean(_ value: String?) -> String? {
            guard let value, !Scope.trimmed(value).isEmpty else { return nil }
            return value
        }
        var copy = self
        copy.firstName = clean(firstName)
        copy.lastName = clean(lastName)
        copy.title = clean(title)
        copy.phone = clean(phone)
        copy.mobile = clean(mobile)
        copy.emails = emails.map(Scope.trimmed).filter { !$0.isEmpty }
        return copy
    }

    /// Whether two snapshots say the same about the contact, whatever their `lastModified` stamps.
    public func hasSameContent(as other: PSAContact) -> Bool {
        var a = normalized
        var b = other.normalized
        a.lastModified = nil
        b.lastModified = nil
        return a == b
    }
}
