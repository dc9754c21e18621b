// The Graph emulator's fixture: one tenant's app registration, license catalog, users and groups, as JSON or YAML.

import Foundation
import Yams

/// One Microsoft 365 tenant the Graph emulator serves, as loaded from a fixture.
public struct GraphTenant: Codable, Sendable, Hashable {
    /// The tenant's GUID (the token endpoint also accepts `domain`).
    public var tenantId: String
    /// The tenant's primary domain, e.g. `contoso.onmicrosoft.com`.
    public var domain: String
    /// The application (client) id this tenant has consented to.
    public var clientId: String
    /// The client secret the token endpoint accepts.
    public var clientSecret: String
    public var skus: [GraphSku]
    public var users: [GraphUser]
    public var groups: [GraphGroup]

    /// Makes a tenant.
    public init(
        tenantId: String, domain: String, clientId: String, clientSecret: String,
        skus: [GraphSku] = [], users: [GraphUser] = [], groups: [GraphGroup] = []
    ) {
        self.tenantId = tenantId
        self.domain = domain
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.skus = skus
        self.users = users
        self.groups = groups
    }

    /// Decodes a tenant; `skus`, `users` and `groups` may be left out.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tenantId = try c.decode(String.self, forKey: .tenantId)
        domain = try c.decode(String.self, forKey: .domain)
        clientId = try c.decode(String.self, forKey: .clientId)
        clientSecret = try c.decode(String.self, forKey: .clientSecret)
        skus = try c.decodeIfPresent([GraphSku].self, forKey: .skus) ?? []
        users = try c.decodeIfPresent([GraphUser].self, forKey: .users) ?? []
        groups = try c.decodeIfPresent([GraphGroup].self, forKey: .groups) ?? []
    }

    /// Loads a tenant from a `.json`, `.yaml` or `.yml` file.
    public static func load(from url: URL) throws -> GraphTenant {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmulatorError("cannot read the Graph tenant fixture \(url.path): \(error.localizedDescription)")
        }
        let isYAML = ["yaml", "yml"].contains(url.pathExtension.lowercased())
        do {
            return isYAML ? try parseYAML(String(decoding: data, as: UTF8.self)) : try parseJSON(data)
        } catch let error as EmulatorError {
            throw error
        } catch {
            throw EmulatorError("the Graph tenant fixture \(url.path) is not a valid tenant: \(error)")
        }
    }

    /// Parses a tenant from JSON.
    public static func parseJSON(_ data: Data) throws -> GraphTenant {
        try JSONDecoder().decode(GraphTenant.self, from: data)
    }

    /// Parses a tenant from YAML (the same keys as JSON).
    public static func parseYAML(_ text: String) throws -> GraphTenant {
        try YAMLDecoder().decode(GraphTenant.self, from: text)
    }
}

/// A user as Graph stores it, with Graph's property names.
public struct GraphUser: Codable, Sendable, Hashable {
    public var id: String
    public var userPrincipalName: String
    public var displayName: String?
    public var givenName: String?
    public var surname: String?
    public var mail: String?
    public var jobTitle: String?
    public var businessPhones: [String]
    public var mobilePhone: String?
    public var officeLocation: String?
    public var preferredLanguage: String?
    public var accountEnabled: Bool?
    public var assignedLicenses: [GraphAssignedLicense]
    public var department: String?
    public var companyName: String?
    public var city: String?
    public var state: String?
    public var country: String?
    public var usageLocation: String?
    public var employeeType: String?
    public var userType: String?
    /// `extensionAttribute1` … `extensionAttribute15`; missing keys are `null` in Graph's answers.
    public var onPremisesExtensionAttributes: [String: String]

    /// Makes a user; everything but the id and UPN defaults to unset (enabled, a member).
    public init(
        id: String, userPrincipalName: String, displayName: String? = nil, givenName: String? = nil,
        surname: String? = nil, mail: String? = nil, jobTitle: String? = nil, businessPhones: [String] = [],
        mobilePhone: String? = nil, officeLocation: String? = nil, preferredLanguage: String? = nil,
        accountEnabled: Bool? = true, assignedLicenses: [GraphAssignedLicense] = [], department: String? = nil,
        companyName: String? = nil, city: String? = nil, state: String? = nil, country: String? = nil,
        usageLocation: String? = nil, employeeType: String? = nil, userType: String? = "Member",
        onPremisesExtensionAttributes: [String: String] = [:]
    ) {
        self.id = id
        self.userPrincipalName = userPrincipalName
        self.displayName = displayName
        self.givenName = givenName
        self.surname = surname
        self.mail = mail
        self.jobTitle = jobTitle
        self.businessPhones = businessPhones
        self.mobilePhone = mobilePhone
        self.officeLocation = officeLocation
        self.preferredLanguage = preferredLanguage
        self.accountEnabled = accountEnabled
        self.assignedLicenses = assignedLicenses
        self.department = department
        self.companyName = companyName
        self.city = city
        self.state = state
        self.country = country
        self.usageLocation = usageLocation
        self.employeeType = employeeType
        self.userType = userType
        self.onPremisesExtensionAttributes = onPremisesExtensionAttributes
    }

    /// Decodes a user; only `id` and `userPrincipalName` are required, collections default to empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        userPrincipalName = try c.decode(String.self, forKey: .userPrincipalName)
        displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
        givenName = try c.decodeIfPresent(String.self, forKey: .givenName)
        surname = try c.decodeIfPresent(String.self, forKey: .surname)
        mail = try c.decodeIfPresent(String.self, forKey: .mail)
        jobTitle = try c.decodeIfPresent(String.self, forKey: .jobTitle)
        businessPhones = try c.decodeIfPresent([String].self, forKey: .businessPhones) ?? []
        mobilePhone = try c.decodeIfPresent(String.self, forKey: .mobilePhone)
        officeLocation = try c.decodeIfPresent(String.self, forKey: .officeLocation)
        preferredLanguage = try c.decodeIfPresent(String.self, forKey: .preferredLanguage)
        accountEnabled = try c.decodeIfPresent(Bool.self, forKey: .accountEnabled)
        assignedLicenses = try c.decodeIfPresent([GraphAssignedLicense].self, forKey: .assignedLicenses) ?? []
        department = try c.decodeIfPresent(String.self, forKey: .department)
        companyName = try c.decodeIfPresent(String.self, forKey: .companyName)
        city = try c.decodeIfPresent(String.self, forKey: .city)
        state = try c.decodeIfPresent(String.self, forKey: .state)
        country = try c.decodeIfPresent(String.self, forKey: .country)
        usageLocation = try c.decodeIfPresent(String.self, forKey: .usageLocation)
        employeeType = try c.decodeIfPresent(String.self, forKey: .employeeType)
        userType = try c.decodeIfPresent(String.self, forKey: .userType)
        let attributes = try c.decodeIfPresent([String: String?].self, forKey: .onPremisesExtensionAttributes) ?? [:]
        onPremisesExtensionAttributes = attributes.compactMapValues { $0 }
    }
}

/// One license on a user (`assignedLicense`).
public struct GraphAssignedLicense: Codable, Sendable, Hashable {
    public var skuId: String
    public var disabledPlans: [String]

    /// Makes a license assignment.
    public init(skuId: String, disabledPlans: [String] = []) {
        self.skuId = skuId
        self.disabledPlans = disabledPlans
    }

    /// Decodes an assignment; `disabledPlans` defaults to empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        skuId = try c.decode(String.self, forKey: .skuId)
        disabledPlans = try c.decodeIfPresent([String].self, forKey: .disabledPlans) ?? []
    }
}

/// A product the tenant subscribes to (`subscribedSku`).
public struct GraphSku: Codable, Sendable, Hashable {
    public var skuId: String
    public var skuPartNumber: String
    /// "Enabled", "Suspended", "LockedOut", …
    public var capabilityStatus: String
    /// Seats bought (`prepaidUnits.enabled`).
    public var enabledUnits: Int

    /// Makes a SKU.
    public init(skuId: String, skuPartNumber: String, capabilityStatus: String = "Enabled", enabledUnits: Int = 25) {
        self.skuId = skuId
        self.skuPartNumber = skuPartNumber
        self.capabilityStatus = capabilityStatus
        self.enabledUnits = enabledUnits
    }

    /// Decodes a SKU; status defaults to Enabled and seats to 25.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        skuId = try c.decode(String.self, forKey: .skuId)
        skuPartNumber = try c.decode(String.self, forKey: .skuPartNumber)
        capabilityStatus = try c.decodeIfPresent(String.self, forKey: .capabilityStatus) ?? "Enabled"
        enabledUnits = try c.decodeIfPresent(Int.self, forKey: .enabledUnits) ?? 25
    }
}

/// A security or Microsoft 365 group: its direct members are user ids or other groups' ids.
public struct GraphGroup: Codable, Sendable, Hashable {
    public var id: String
    public var displayName: String
    /// Object ids of direct members (users or nested groups).
    public var members: [String]

    /// Makes a group.
    public init(id: String, displayName: String, members: [String] = []) {
        self.id = id
        self.displayName = displayName
        self.members = members
    }

    /// Decodes a group; `members` defaults to empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        displayName = try c.decode(String.self, forKey: .displayName)
        members = try c.decodeIfPresent([String].self, forKey: .members) ?? []
    }
}
