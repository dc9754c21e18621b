// Synthetic tenants: N realistic, varied users from a seed, with licenses, disabled accounts and groups.

import Foundation

extension GraphTenant {
    /// The application id synthetic tenants accept unless told otherwise.
    public static let demoClientId = "5f2d7b39-3c1e-4a8e-9f4b-2e7c1d9a6b80"
    /// The client secret synthetic tenants accept unless told otherwise.
    public static let demoClientSecret = "emulator-secret"

    /// Well-known SKUs (skuId and skuPartNumber as in Microsoft's licensing reference).
    public static let businessPremium = GraphSku(skuId: "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", skuPartNumber: "SPB", enabledUnits: 10_000)
    /// Microsoft 365 Business Standard (its part number says "premium", it is not).
    public static let businessStandard = GraphSku(skuId: "f245ecc8-75af-4f8e-b61f-27d8114de5f3", skuPartNumber: "O365_BUSINESS_PREMIUM", enabledUnits: 10_000)
    /// Exchange Online (Plan 1).
    public static let exchangeStandard = GraphSku(skuId: "4b9405b0-7788-4568-add1-99614e613b69", skuPartNumber: "EXCHANGESTANDARD", enabledUnits: 10_000)

    /// A tenant of `users` varied users, the same for the same seed: departments, titles, phones, about 8% unlicensed,
    /// 5% disabled, a few shared mailboxes, licenses SPB / O365_BUSINESS_PREMIUM / EXCHANGESTANDARD, and groups
    /// "Management" (nested in "All Staff"), "Sales Team" and "Field Technicians".
    public static func synthetic(
        users count: Int, seed: UInt64, domain: String, tenantId: String? = nil,
        clientId: String = demoClientId, clientSecret: String = demoClientSecret
    ) -> GraphTenant {
        var rng = GraphSeededGenerator(seed: seed)
        let given = ["Adele", "Alex", "Megan", "Lidia", "Patti", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna",
                     "Joni", "Lee", "Lynne", "Miriam", "Nestor", "Pradeep", "Christie", "Debra", "Cameron", "Delia",
                     "Mallory", "Sofia", "Yusuf", "Ingrid", "Kenji", "Amara", "Lukas", "Priya", "Mateo", "Zoë"]
        let family = ["Vance", "Wilber", "Bowen", "Holloway", "Fernandez", "Siciliani", "Archie", "Mueller", "Langer",
                      "Lauer", "Sherman", "Gu", "Robbins", "Wilson", "Gray", "Cline", "Berg", "White", "Dennis",
                      "Cortez", "Okafor", "Nakamura", "Lindqvist", "O'Brien", "Schmidt", "Rao", "García", "Kowalski"]
        let departments = ["Sales", "Finance", "Operations", "Engineering", "Marketing", "Human Resources", "Legal",
                           "Support", "Field Services", "Executive"]
        let titles = ["Specialist", "Coordinator", "Analyst", "Manager", "Director", "Associate", "Lead", "Technician"]
        let offices = [("Seattle", "WA", "United States", "US"), ("Portland", "OR", "United States", "US"),
                       ("Toronto", "ON", "Canada", "CA"), ("London", nil, "United Kingdom", "GB"),
                       ("Berlin", nil, "Germany", "DE")]
        let tenant = tenantId ?? rng.uuid()
        let company = domain.split(separator: ".").first.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? domain
        var users: [GraphUser] = []
        var managers: [String] = []
        var sales: [String] = []
        var technicians: [String] = []
        var taken: Set<String> = []
        for index in 0..<count {
            let id = rng.uuid()
            let roll = rng.next() % 100
            if index > 0, roll < 3 {
                let name = ["Reception", "Accounts Payable", "Conference Room", "Scanner", "Info"][Int(rng.next() % 5)]
                let alias = name.lowercased().replacingOccurrences(of: " ", with: "") + "\(index)"
                users.append(GraphUser(
                    id: id, userPrincipalName: "\(alias)@\(domain)", displayName: "\(name) \(index)", mail: "\(alias)@\(domain)",
                    accountEnabled: false, assignedLicenses: rng.next() % 2 == 0 ? [.init(skuId: exchangeStandard.skuId)] : []))
                continue
            }
            let first = given[Int(rng.next() % UInt64(given.count))]
            let last = family[Int(rng.next() % UInt64(family.count))]
            var alias = (first.prefix(1) + last).lowercased().filter { $0.isLetter && $0.isASCII }
            if !taken.insert(alias).inserted { alias += "\(index)"; taken.insert(alias) }
            let department = departments[Int(rng.next() % UInt64(departments.count))]
            let title = titles[Int(rng.next() % UInt64(titles.count))]
            let office = offices[Int(rng.next() % UInt64(offices.count))]
            let licenseRoll = rng.next() % 100
            let licenses: [GraphAssignedLicense] =
                licenseRoll < 50 ? [.init(skuId: businessPremium.skuId)]
                : licenseRoll < 75 ? [.init(skuId: businessStandard.skuId)]
                : licenseRoll < 92 ? [.init(skuId: exchangeStandard.skuId)] : []
            let phone = "+1 425 555 \(String(format: "%04d", Int(rng.next() % 10_000)))"
            var attributes: [String: String] = [:]
            if rng.next() % 10 == 0 { attributes["extensionAttribute1"] = "Contractor" }
            let user = GraphUser(
                id: id, userPrincipalName: "\(alias)@\(domain)", displayName: "\(first) \(last)", givenName: first,
                surname: last, mail: "\(alias)@\(domain)", jobTitle: "\(department) \(title)",
                businessPhones: rng.next() % 4 == 0 ? [] : [phone],
                mobilePhone: rng.next() % 3 == 0 ? "+1 206 555 \(String(format: "%04d", Int(rng.next() % 10_000)))" : nil,
                officeLocation: "\(office.0) \(Int(rng.next() % 40) + 1)/\(Int(rng.next() % 3000))",
                preferredLanguage: "en-US", accountEnabled: rng.next() % 100 >= 5, assignedLicenses: licenses,
                department: department, companyName: company, city: office.0, state: office.1, country: office.2,
                usageLocation: office.3, employeeType: rng.next() % 10 == 0 ? "Contractor" : "Employee",
                onPremisesExtensionAttributes: attributes)
            users.append(user)
            if title == "Manager" || title == "Director" || department == "Executive" { managers.append(id) }
            if department == "Sales" { sales.append(id) }
            if department == "Field Services" { technicians.append(id) }
        }
        let managerSet = Set(managers)
        let management = GraphGroup(id: rng.uuid(), displayName: "Management", members: managers)
        let salesTeam = GraphGroup(id: rng.uuid(), displayName: "Sales Team", members: sales)
        let field = GraphGroup(id: rng.uuid(), displayName: "Field Technicians", members: technicians)
        let everyone = GraphGroup(
            id: rng.uuid(), displayName: "All Staff",
            members: [management.id] + users.filter { $0.accountEnabled == true && !managerSet.contains($0.id) }.prefix(200).map(\.id))
        return GraphTenant(
            tenantId: tenant, domain: domain, clientId: clientId, clientSecret: clientSecret,
            skus: [businessPremium, businessStandard, exchangeStandard], users: users,
            groups: [management, salesTeam, field, everyone])
    }
}

/// SplitMix64: a small, fast generator that gives the same sequence for the same seed on every platform.
public struct GraphSeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next number of the sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A version-4-shaped UUID string drawn from the sequence.
    mutating func uuid() -> String {
        let hex = String(format: "%016llx%016llx", next(), next())
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-4\(String(c[13..<16]))-a\(String(c[17..<20]))-\(String(c[20..<32]))"
    }
}
