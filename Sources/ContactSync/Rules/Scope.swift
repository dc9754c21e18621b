// R2 and R3: which filter (and so which site and contact type) a user is assigned to, and its contact email.

import Foundation

/// Where an in-scope user belongs (R2.4, R2.5).
public struct Assignment: Codable, Sendable, Hashable {
    /// The index of the filter that won, or `nil` when the company has no filters (R2.4).
    public var filterIndex: Int?
    /// The site name (as in the settings).
    public var site: String?
    /// The contact type name (R10.1), filter's first, else the company's.
    public var contactType: String?

    /// Makes an assignment.
    public init(filterIndex: Int?, site: String?, contactType: String?) {
        self.filterIndex = filterIndex
        self.site = site
        self.contactType = contactType
    }
}

/// What R1 and R2 make of one user.
public enum ScopeDecision: Sendable, Hashable {
    case assigned(Assignment)
    case ineligible(IneligibleReason)
    case outOfScope

    /// The assignment, when in scope.
    public var assignment: Assignment? {
        if case .assigned(let a) = self { return a }
        return nil
    }
}

/// The facts filters read besides the user itself: group members and the license catalog.
public struct ScopeContext: Sendable {
    /// Group (as the filter names it, lowercased) → member object ids.
    public var groups: [String: Set<String>]
    public var catalog: [LicenseSku]

    /// Makes a context.
    public init(groups: [String: Set<String>], catalog: [LicenseSku]) {
        self.groups = groups
        self.catalog = catalog
    }

    /// The SKU ids a `license` filter value names: by skuId, part number, or friendly name (R2.2).
    public func skuIds(for value: String) -> Set<String> {
        let v = Scope.normalized(value)
        var ids = Set(catalog.filter {
            Scope.normalized($0.skuPartNumber) == v || Scope.normalized($0.skuId) == v
                || ($0.displayName.map(Scope.normalized) == v)
        }.map { Scope.normalized($0.skuId) })
        ids.insert(v)  // a skuId the catalog does not list still matches itself
        return ids
    }
}

/// R2/R3 decisions, as pure functions.
public enum Scope {
    /// Trimmed and lowercased, for the case-insensitive comparisons of R2.2 and R3.3.
    public static func normalized(_ s: String) -> String {
        trimmed(s).lowercased()
    }

    /// `s` without leading and trailing whitespace; cheap when there is none, which is nearly always.
    public static func trimmed(_ s: String) -> String {
        guard let first = s.utf8.first, let last = s.utf8.last, !(isPlainASCII(first) && isPlainASCII(last)) else { return s }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A visible ASCII byte: certainly not whitespace, so Unicode properties need not be looked up.
    @inline(__always)
    static func isPlainASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    /// True when `s` is nil or only whitespace.
    public static func isBlank(_ s: String?) -> Bool {
        guard let s else { return true }
        if let first = s.utf8.first, isPlainASCII(first) { return false }
        return s.allSatisfy(\.isWhitespace)
    }

    /// R3.1/R3.2: the contact email of a user: its UPN, or its `mail` when `useEmail` is on and `mail` is not blank.
    public static func contactEmail(_ user: DirectoryUser, useEmail: Bool) -> String {
        if useEmail, let mail = user.mail, !isBlank(mail) { return trimmed(mail) }
        return trimmed(user.userPrincipalName)
    }

    /// The value of a `field` filter's attribute for a user (R2.2).
    public static func attribute(_ name: String, of user: DirectoryUser) -> String? {
        let name = FilterKind.shortAttribute(name)
        return switch name.lowercased() {
        case "department": user.department
        case "jobtitle": user.jobTitle
        case "companyname": user.companyName
        case "officelocation": user.officeLocation
        case "city": user.city
        case "state": user.state
        case "country": user.country
        case "usagelocation": user.usageLocation
        case "employeetype": user.employeeType
        default:
            user.extensionAttributes.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// R2.2: whether a user matches one filter kind.
    public static func matches(_ kind: FilterKind, user: DirectoryUser, context: ScopeContext, skuIds: Set<String>? = nil) -> Bool {
        switch kind {
        case .allLicensed:
            return true
        case .group(let g):
            return context.groups[normalized(g)]?.contains(user.id) ?? false
        case .field(let attribute, let value):
            guard let v = Scope.attribute(attribute, of: user) else { return false }
            return normalized(v) == normalized(value)
        case .upnDomain(let domain):
            guard let at = user.userPrincipalName.lastIndex(of: "@") else { return false }
            return normalized(String(user.userPrincipalName[user.userPrincipalName.index(after: at)...])) == normalized(domain)
        case .license(let value):
            let ids = skuIds ?? context.skuIds(for: value)
            return user.assignedLicenses.contains { ids.contains(normalized($0.skuId)) }
        }
    }

    /// R2.3–R2.6: the decision for one user, given its eligibility.
    public static func decide(
        _ user: DirectoryUser, eligibility: Eligibility, settings: CompanySettings, context: ScopeContext
    ) -> ScopeDecision {
        CompiledScope(settings: settings, context: context).decide(user, eligibility: eligibility)
    }
}

/// A company's filters made ready once per plan, so deciding 100,000 users stays linear and cheap.
public struct CompiledScope: Sendable {
    private enum Test: Sendable {
        case all
        case members(Set<String>)
        case field(String, String)
        case domain(String)
        case skus(Set<String>)
    }

    private let tests: [Test]
    private let settings: CompanySettings

    /// Compiles the filters of `settings` against the group members and license catalog of `context`.
    public init(settings: CompanySettings, context: ScopeContext) {
        self.settings = settings
        self.tests = settings.filters.map { f in
            switch f.kind {
            case .allLicensed: .all
            case .group(let g): .members(context.groups[Scope.normalized(g)] ?? [])
            case .field(let a, let v): .field(a, Scope.normalized(v))
            case .upnDomain(let d): .domain(Scope.normalized(d))
            case .license(let l): .skus(context.skuIds(for: l))
            }
        }
    }

    /// R2.3–R2.6: the decision for one user, given its eligibility.
    public func decide(_ user: DirectoryUser, eligibility: Eligibility) -> ScopeDecision {
        if case .ineligible(let reason) = eligibility { return .ineligible(reason) }
        if settings.filters.isEmpty {
            return .assigned(Assignment(filterIndex: nil, site: settings.defaultSite, contactType: settings.contactType))
        }
        for (i, test) in tests.enumerated() where passes(test, user) {
            let f = settings.filters[i]
            return .assigned(Assignment(filterIndex: i, site: f.site, contactType: f.contactType ?? settings.contactType))
        }
        return .outOfScope
    }

    private func passes(_ test: Test, _ user: DirectoryUser) -> Bool {
        switch test {
        case .all: return true
        case .members(let ids): return ids.contains(user.id)
        case .field(let a, let v): return Scope.attribute(a, of: user).map(Scope.normalized) == v
        case .domain(let d):
            guard let at = user.userPrincipalName.lastIndex(of: "@") else { return false }
            return Scope.normalized(String(user.userPrincipalName[user.userPrincipalName.index(after: at)...])) == d
        case .skus(let ids): return user.assignedLicenses.contains { ids.contains(Scope.normalized($0.skuId)) }
        }
    }
}
