// The Microsoft 365 side of the domain: a user as Rollcall sees it, licenses, and changes from a delta round.

/// A Microsoft 365 (Entra ID) user with every property the rules of RULES.md read.
public struct DirectoryUser: Codable, Sendable, Hashable {
    /// The Entra object id; never changes for the life of the user.
    public var id: String
    public var userPrincipalName: String
    public var mail: String?
    public var displayName: String?
    public var givenName: String?
    public var surname: String?
    public var jobTitle: String?
    public var businessPhones: [String]
    public var mobilePhone: String?
    /// `nil` when Graph did not say; R1.1 treats only `true` as enabled.
    public var accountEnabled: Bool?
    public var assignedLicenses: [AssignedLicense]
    public var department: String?
    public var companyName: String?
    public var officeLocation: String?
    public var city: String?
    public var state: String?
    public var country: String?
    public var usageLocation: String?
    public var employeeType: String?
    /// `onPremisesExtensionAttributes.extensionAttribute1…15`, keyed `extensionAttribute1` … `extensionAttribute15`; blanks left out.
    public var extensionAttributes: [String: String]

    /// Makes a user; every property but the id and UPN defaults to blank.
    public init(
        id: String, userPrincipalName: String, mail: String? = nil, displayName: String? = nil,
        givenName: String? = nil, surname: String? = nil, jobTitle: String? = nil, businessPhones: [String] = [],
        mobilePhone: String? = nil, accountEnabled: Bool? = true, assignedLicenses: [AssignedLicense] = [],
        department: String? = nil, companyName: String? = nil, officeLocation: String? = nil, city: String? = nil,
        state: String? = nil, country: String? = nil, usageLocation: String? = nil, employeeType: String? = nil,
        extensionAttributes: [String: String] = [:]
    ) {
        self.id = id
        self.userPrincipalName = userPrincipalName
        self.mail = mail
        self.displayName = displayName
        self.givenName = givenName
        self.surname = surname
        self.jobTitle = jobTitle
        self.businessPhones = businessPhones
        self.mobilePhone = mobilePhone
        self.accountEnabled = accountEnabled
        self.assignedLicenses = assignedLicenses
        self.department = department
        self.companyName = companyName
        self.officeLocation = officeLocation
        self.city = city
        self.state = state
        self.country = country
        self.usageLocation = usageLocation
        self.employeeType = employeeType
        self.extensionAttributes = extensionAttributes
    }
}

/// One license assigned to a user (`assignedLicenses[]` in Graph).
public struct AssignedLicense: Codable, Sendable, Hashable {
    /// The SKU's GUID, as in `subscribedSkus[].skuId`.
    public var skuId: String
    public var disabledPlans: [String]

    /// Makes an assigned license.
    public init(skuId: String, disabledPlans: [String] = []) {
        self.skuId = skuId
        self.disabledPlans = disabledPlans
    }
}

/// A product the tenant subscribes to (`subscribedSkus[]`): how a `license` filter's part number or name finds a SKU id.
public struct LicenseSku: Codable, Sendable, Hashable {
    public var skuId: String
    /// e.g. `SPB` (Business Premium), `EXCHANGESTANDARD` (Exchange Online Plan 1).
    public var skuPartNumber: String
    /// A friendly product name when known (e.g. "Microsoft 365 Business Premium"); Graph itself does not return one.
    public var displayName: String?

    /// Makes a license catalog entry.
    public init(skuId: String, skuPartNumber: String, displayName: String? = nil) {
        self.skuId = skuId
        self.skuPartNumber = skuPartNumber
        self.displayName = displayName
    }
}

/// The properties of a user that one Graph answer carried, for merging a delta round into the last snapshot.
///
/// Graph's delta answers may leave out properties that did not change; `present` names the JSON keys that
/// were in the answer (`onPremisesExtensionAttributes` counts as one key), and `values` holds them.
public struct DirectoryUserPatch: Sendable, Hashable {
    public var id: String
    public var present: Set<String>
    public var values: DirectoryUser

    /// Makes a patch; `values` holds meaningful data only for the keys in `present`.
    public init(id: String, present: Set<String>, values: DirectoryUser) {
        self.id = id
        self.present = present
        self.values = values
    }

    /// A patch that carries every property (a full read, or a user new to Rollcall).
    public static func complete(_ user: DirectoryUser) -> DirectoryUserPatch {
        DirectoryUserPatch(id: user.id, present: Set(DirectoryUser.propertyNames), values: user)
    }
}

extension DirectoryUser {
    /// The Graph property names Rollcall reads: the `$select` list of every user read.
    public static let propertyNames: [String] = [
        "id", "userPrincipalName", "mail", "displayName", "givenName", "surname", "jobTitle", "businessPhones",
        "mobilePhone", "accountEnabled", "assignedLicenses", "department", "companyName", "officeLocation", "city",
        "state", "country", "usageLocation", "employeeType", "onPremisesExtensionAttributes",
    ]

    /// This user with the properties a patch carries laid over it; properties the patch lacks keep their value.
    public func applying(_ patch: DirectoryUserPatch) -> DirectoryUser {
        var merged = self
        let v = patch.values
        for key in patch.present {
            switch key {
            case "userPrincipalName": merged.userPrincipalName = v.userPrincipalName
            case "mail": merged.mail = v.mail
            case "displayName": merged.displayName = v.displayName
            case "givenName": merged.givenName = v.givenName
            case "surname": merged.surname = v.surname
            case "jobTitle": merged.jobTitle = v.jobTitle
            case "businessPhones": merged.businessPhones = v.businessPhones
            case "mobilePhone": merged.mobilePhone = v.mobilePhone
            case "accountEnabled": merged.accountEnabled = v.accountEnabled
            case "assignedLicenses": merged.assignedLicenses = v.assignedLicenses
            case "department": merged.department = v.department
            case "companyName": merged.companyName = v.companyName
            case "officeLocation": merged.officeLocation = v.officeLocation
            case "city": merged.city = v.city
            case "state": merged.state = v.state
            case "country": merged.country = v.country
            case "usageLocation": merged.usageLocation = v.usageLocation
            case "employeeType": merged.employeeType = v.employeeType
            case "onPremisesExtensionAttributes": merged.extensionAttributes = v.extensionAttributes
            default: break
            }
        }
        return merged
    }
}

/// Why a user left the directory, as a delta round's `@removed` says.
public enum RemovalReason: String, Codable, Sendable, Hashable {
    /// `@removed: {reason: "changed"}`: soft-deleted, restorable for 30 days.
    case softDeleted
    /// `@removed: {reason: "deleted"}`: gone for good.
    case deleted
}

/// One entry of a delta round: a user added or changed (with the properties sent), or removed.
public enum DirectoryUserChange: Sendable, Hashable {
    case upsert(DirectoryUserPatch)
    case removed(id: String, reason: RemovalReason)
}
