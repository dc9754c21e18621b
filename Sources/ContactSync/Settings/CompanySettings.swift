// One company's sync settings (a `companies[]` block of rollcall.yaml): scope, filters, field policies, safety.

import Foundation

/// The sync settings of one company; what `SettingsChanged` records (never credentials).
public struct CompanySettings: Codable, Sendable, Hashable {
    /// Unique name, used on the command line and in stream names.
    public var name: String
    /// The Microsoft 365 tenant: its id or a domain.
    public var tenant: String
    /// The PSA company the contacts belong to.
    public var psaCompanyId: Int
    /// R11.5: a disabled company observes nothing and writes nothing.
    public var enabled: Bool
    /// R6/R7: whether matched contacts are updated, moved, reactivated and deactivated.
    public var updateExisting: Bool
    /// R3.1: write `mail` instead of the UPN as the contact email.
    public var useEmail: Bool
    /// R2.4: the site of every in-scope user when there are no filters.
    public var defaultSite: String?
    /// R10.1: the company's contact type (ConnectWise), overriding the connection default.
    public var contactType: String?
    /// R2.6: whether a matched user that falls out of scope has its contact deactivated.
    public var deactivateOutOfScope: Bool
    /// R8.4: when a run's deactivations are held for approval.
    public var deactivationThreshold: DeactivationThreshold
    /// R11.1: the local time of the daily run, `HH:mm`.
    public var dailyAt: String
    /// R6.6: per-field write policy; fields not named follow `always`.
    public var fieldPolicy: [SyncedField: FieldPolicy]
    /// R2.1: mapping filters in priority order; the first one a user matches wins.
    public var filters: [MappingFilter]

    /// Makes company settings with the defaults of DESIGN.md.
    public init(
        name: String, tenant: String, psaCompanyId: Int, enabled: Bool = true, updateExisting: Bool = true,
        useEmail: Bool = false, defaultSite: String? = nil, contactType: String? = nil,
        deactivateOutOfScope: Bool = true, deactivationThreshold: DeactivationThreshold = .standard,
        dailyAt: String = "02:00", fieldPolicy: [SyncedField: FieldPolicy] = [:], filters: [MappingFilter] = []
    ) {
        self.name = name
        self.tenant = tenant
        self.psaCompanyId = psaCompanyId
        self.enabled = enabled
        self.updateExisting = updateExisting
        self.useEmail = useEmail
        self.defaultSite = defaultSite
        self.contactType = contactType
        self.deactivateOutOfScope = deactivateOutOfScope
        self.deactivationThreshold = deactivationThreshold
        self.dailyAt = dailyAt
        self.fieldPolicy = fieldPolicy
        self.filters = filters
    }

    /// The write policy of one synced field (R6.6), `always` unless set.
    public func policy(for field: SyncedField) -> FieldPolicy { fieldPolicy[field] ?? .always }
}

/// R8.4: deactivations are held when they are more than `count` **and** more than `percent` % of matched contacts;
/// R8.5: also, whatever the count, when they are more than `alwaysAbovePercent` % of them (and at least 2).
public struct DeactivationThreshold: Codable, Sendable, Hashable {
    public var count: Int
    public var percent: Int
    /// R8.5: the share of matched contacts above which deactivations are always held (default 50).
    public var alwaysAbovePercent: Int

    /// Makes a threshold.
    public init(count: Int, percent: Int, alwaysAbovePercent: Int = 50) {
        self.count = count
        self.percent = percent
        self.alwaysAbovePercent = alwaysAbovePercent
    }

    /// Reads a threshold; one recorded before R8.5 has no `alwaysAbovePercent` and gets the default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        percent = try container.decode(Int.self, forKey: .percent)
        alwaysAbovePercent = try container.decodeIfPresent(Int.self, forKey: .alwaysAbovePercent) ?? 50
    }

    /// The default: more than 10 contacts and more than 10 %, or more than half.
    public static let standard = DeactivationThreshold(count: 10, percent: 10)
}

/// The synced fields of R6.1.
public enum SyncedField: String, Codable, CodingKeyRepresentable, Sendable, Hashable, CaseIterable {
    case firstName, lastName, title, phone, mobile, email

    /// The field as rollcall.yaml and the plan name it.
    public var label: String { rawValue }
}

/// R6.6: when a synced field is written to a matched contact.
public enum FieldPolicy: String, Codable, Sendable, Hashable, CaseIterable {
    /// R6.2: whenever Microsoft holds a different, non-blank value.
    case always
    /// Only when the contact is created.
    case onCreateOnly
    /// Only when the Microsoft value differs from the one Rollcall last wrote (or matched with), R6.8.
    case onChange
}

/// One mapping filter (R2.1, R2.2): which users it selects, and where they go.
public struct MappingFilter: Codable, Sendable, Hashable {
    /// Which users the filter selects.
    public var kind: FilterKind
    /// The target site (Autotask company location / ConnectWise company site), by name.
    public var site: String
    /// ConnectWise: the contact type of the users it selects (R10.1).
    public var contactType: String?

    /// Makes a filter.
    public init(_ kind: FilterKind, site: String, contactType: String? = nil) {
        self.kind = kind
        self.site = site
        self.contactType = contactType
    }

    /// How the filter at `index` (counting from 0) of a company's list is named to a person, counting from 1 and by
    /// kind and value: `filter 2, license EXCHANGESTANDARD`.
    public static func label(_ index: Int, _ filter: MappingFilter?) -> String {
        "filter \(index + 1)" + (filter.map { ", \($0.kind.name)" } ?? "")
    }
}

/// The kinds of filter of R2.2.
public enum FilterKind: Sendable, Hashable {
    /// Every eligible user.
    case allLicensed
    /// Transitive members of an Entra group, by object id or display name.
    case group(String)
    /// A user attribute equals a value (case-insensitive, trimmed).
    case field(attribute: String, equals: String)
    /// The UPN's domain equals the value (case-insensitive).
    case upnDomain(String)
    /// An assigned SKU by `skuPartNumber`, `skuId`, or friendly name.
    case license(String)

    /// The attributes a `field` filter may name (R2.2), short; extension attributes may also be written with their
    /// Graph path (`onPremisesExtensionAttributes.extensionAttribute3`).
    public static let fieldAttributes: [String] =
        ["department", "jobTitle", "companyName", "officeLocation", "city", "state", "country", "usageLocation", "employeeType"]
        + (1...15).map { "extensionAttribute\($0)" }

    /// The Graph path of the extension attributes, as Graph Explorer and Entra's attribute list write it.
    public static let extensionAttributesPath = "onPremisesExtensionAttributes."

    /// A `field` filter's attribute as written in settings, in the spelling Rollcall keeps: the known name in its own
    /// letter case, with the Graph path kept when it was written (R2.2); `nil` for an attribute Rollcall does not read.
    public static func fieldAttribute(_ written: String) -> String? {
        let name = written.trimmingCharacters(in: .whitespaces)
        let lowered = name.lowercased()
        let prefix = extensionAttributesPath.lowercased()
        if lowered.hasPrefix(prefix) {
            let short = String(lowered.dropFirst(prefix.count))
            guard short.hasPrefix("extensionattribute"),
                  let known = fieldAttributes.first(where: { $0.lowercased() == short })
            else { return nil }
            return extensionAttributesPath + known
        }
        return fieldAttributes.first { $0.lowercased() == lowered }
    }

    /// The short name of a field attribute, whichever spelling it was written in (`extensionAttribute3`).
    public static func shortAttribute(_ name: String) -> String {
        name.lowercased().hasPrefix(extensionAttributesPath.lowercased())
            ? String(name.dropFirst(extensionAttributesPath.count)) : name
    }

    /// The filter's kind and value as a person names it, e.g. `license EXCHANGESTANDARD`, `group Management`.
    public var name: String {
        switch self {
        case .allLicensed: "all licensed users"
        case .group(let g): "group \(g)"
        case .field(let a, let v): "field \(a) = \(v)"
        case .upnDomain(let d): "UPN domain \(d)"
        case .license(let l): "license \(l)"
        }
    }

}

extension FilterKind: Codable {
    private enum CodingKeys: String, CodingKey { case kind, value, attribute }

    /// Decodes `{"kind": "group", "value": "Management"}` and the like.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "allLicensed": self = .allLicensed
        case "group": self = .group(try c.decode(String.self, forKey: .value))
        case "field":
            self = .field(attribute: try c.decode(String.self, forKey: .attribute), equals: try c.decode(String.self, forKey: .value))
        case "upnDomain": self = .upnDomain(try c.decode(String.self, forKey: .value))
        case "license": self = .license(try c.decode(String.self, forKey: .value))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown filter kind \(kind)")
        }
    }

    /// Encodes as `{"kind": …, "value": …, "attribute": …}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .allLicensed: try c.encode("allLicensed", forKey: .kind)
        case .group(let g): try c.encode("group", forKey: .kind); try c.encode(g, forKey: .value)
        case .field(let a, let v):
            try c.encode("field", forKey: .kind); try c.encode(a, forKey: .attribute); try c.encode(v, forKey: .value)
        case .upnDomain(let d): try c.encode("upnDomain", forKey: .kind); try c.encode(d, forKey: .value)
        case .license(let l): try c.encode("license", forKey: .kind); try c.encode(l, forKey: .value)
        }
    }
}
