// A small sample MSP for the demo, `rollcall emulate` and the end-to-end tests: two customer tenants and a PSA.

import Foundation

/// Two customers of a sample MSP: Contoso (everyone licensed goes to one site) and Fabrikam (the help article's
/// five mapping filters), with their Microsoft 365 tenants and their PSA companies in Autotask and ConnectWise.
public enum SampleMSP {
    /// Contoso's tenant domain and PSA company id.
    public static let contosoTenant = "contoso.onmicrosoft.com"
    public static let contosoCompanyId = 100
    /// Fabrikam's tenant domain and PSA company id.
    public static let fabrikamTenant = "fabrikam.onmicrosoft.com"
    public static let fabrikamCompanyId = 200

    /// The Autotask API user the sample PSA accepts.
    public static let autotaskCredentials = AutotaskFixture.Credentials(
        username: "api-user@msp.example", secret: "sample-autotask-secret", integrationCode: "SAMPLE-INTEGRATION")
    /// The ConnectWise API member the sample PSA accepts.
    public static let connectwiseCredentials = ConnectWiseFixture.Credentials(
        company: "mspco", publicKey: "sample-public", privateKey: "sample-private", clientId: "5d3c3d1e-0000-4000-8000-00000000c0de")

    static let spb = GraphTenant.businessPremium
    static let standard = GraphTenant.businessStandard
    static let exchange = GraphTenant.exchangeStandard

    /// Contoso: ten staff, one of them unlicensed and one disabled.
    public static func contoso() -> GraphTenant {
        let people: [(String, String, String, String, [GraphSku], Bool)] = [
            ("Adele", "Vance", "Sales Manager", "Sales", [spb], true),
            ("Alex", "Wilber", "Marketing Assistant", "Marketing", [spb], true),
            ("Megan", "Bowen", "Marketing Manager", "Marketing", [standard], true),
            ("Lidia", "Holloway", "Product Manager", "Engineering", [spb], true),
            ("Patti", "Fernandez", "President", "Executive", [spb], true),
            ("Diego", "Siciliani", "HR Manager", "Human Resources", [standard], true),
            ("Grady", "Archie", "Designer", "Engineering", [exchange], true),
            ("Isaiah", "Langer", "Sales Rep", "Sales", [spb], true),
            ("Joni", "Sherman", "Paralegal", "Legal", [], true),
            ("Lee", "Gu", "Director", "Operations", [spb], false),
        ]
        return tenant(id: "9a1c0b7e-0000-4000-8000-00000000c070", domain: contosoTenant, people: people, groups: [])
    }

    /// Fabrikam: the article's example — Management group, department IT, Exchange Online (Plan 1), Business
    /// Premium, and everyone else licensed.
    public static func fabrikam() -> GraphTenant {
        let people: [(String, String, String, String, [GraphSku], Bool)] = [
            ("Miriam", "Graham", "CEO", "Executive", [spb], true),          // Management → New Site
            ("Nestor", "Wilke", "CFO", "Finance", [standard], true),         // Management → New Site
            ("Pradeep", "Gupta", "Sysadmin", "IT", [spb], true),             // IT → New Site
            ("Christie", "Cline", "Helpdesk", "IT", [exchange], true),       // IT → New Site
            ("Debra", "Berger", "Receptionist", "Operations", [exchange], true), // Exchange Plan 1 → Site 2
            ("Cameron", "White", "Driver", "Logistics", [exchange], true),   // Exchange Plan 1 → Site 2
            ("Delia", "Dennis", "Accountant", "Finance", [spb], true),       // Business Premium → Main
            ("Henrietta", "Mueller", "Engineer", "Engineering", [spb], true), // Business Premium → Main
            ("Johanna", "Lorenz", "Analyst", "Finance", [standard], true),   // all licensed → Site 3
            ("Lynne", "Robbins", "Planner", "Operations", [standard], true), // all licensed → Site 3
            ("Mallory", "Cortez", "Intern", "Operations", [], true),         // unlicensed: not synced
        ]
        let users = people.map(\.0)
        let management = GraphGroup(
            id: "0d1e2f30-0000-4000-8000-0000000000aa", displayName: "Management",
            members: [userId(domain: fabrikamTenant, index: users.firstIndex(of: "Miriam")!),
                      userId(domain: fabrikamTenant, index: users.firstIndex(of: "Nestor")!)])
        return tenant(id: "7b2d4c6e-0000-4000-8000-00000000fab1", domain: fabrikamTenant, people: people, groups: [management])
    }

    /// Both tenants.
    public static func tenants() -> [GraphTenant] { [contoso(), fabrikam()] }

    /// The object id of the sample user at `index` of a tenant.
    public static func userId(domain: String, index: Int) -> String {
        let tag = domain.hasPrefix("contoso") ? "c0" : "fa"
        return String(format: "%@%06d-0000-4000-8000-%012d", tag, index, index)
    }

    /// The UPN of a sample user by first name.
    public static func upn(_ first: String, _ last: String, domain: String) -> String {
        "\(first).\(last)".lowercased() + "@" + domain.replacingOccurrences(of: ".onmicrosoft.com", with: ".com")
    }

    private static func tenant(
        id: String, domain: String, people: [(String, String, String, String, [GraphSku], Bool)], groups: [GraphGroup]
    ) -> GraphTenant {
        let users = people.enumerated().map { index, person in
            let (first, last, title, department, skus, enabled) = person
            let upn = upn(first, last, domain: domain)
            return GraphUser(
                id: userId(domain: domain, index: index), userPrincipalName: upn, displayName: "\(first) \(last)",
                givenName: first, surname: last, mail: upn, jobTitle: title,
                businessPhones: ["+1 425 555 01\(String(format: "%02d", index))"],
                mobilePhone: index % 3 == 0 ? "+1 206 555 02\(String(format: "%02d", index))" : nil,
                accountEnabled: enabled, assignedLicenses: skus.map { GraphAssignedLicense(skuId: $0.skuId) },
                department: department)
        }
        return GraphTenant(
            tenantId: id, domain: domain, clientId: GraphTenant.demoClientId, clientSecret: GraphTenant.demoClientSecret,
            skus: [spb, standard, exchange], users: users, groups: groups)
    }

    /// The sample PSA in Autotask: both companies with their locations, and a few contacts the MSP already had —
    /// one that matches a Contoso user by email but is inactive, and one that matches nobody.
    public static func autotask() -> AutotaskFixture {
        AutotaskFixture(
            credentials: autotaskCredentials,
            companies: [
                .init(id: contosoCompanyId, name: "Contoso", locations: [.init(id: 1001, name: "Main", isPrimary: true)]),
                .init(id: fabrikamCompanyId, name: "Fabrikam", locations: [
                    .init(id: 2001, name: "Main", isPrimary: true), .init(id: 2002, name: "New Site"),
                    .init(id: 2003, name: "Site 2"), .init(id: 2004, name: "Site 3"),
                ]),
            ],
            contacts: [
                .init(id: 30001, companyID: contosoCompanyId, firstName: "Adele", lastName: "Vance", title: "Sales",
                      emailAddress: upn("Adele", "Vance", domain: contosoTenant), isActive: 0, companyLocationID: 1001),
                .init(id: 30002, companyID: contosoCompanyId, firstName: "Front", lastName: "Desk",
                      phone: "+1 425 555 0000", emailAddress: "frontdesk@contoso.com", companyLocationID: 1001),
            ])
    }

    /// The same sample PSA in ConnectWise, with tenant-specific communication type ids.
    public static func connectwise() -> ConnectWiseFixture {
        ConnectWiseFixture(
            credentials: [connectwiseCredentials],
            communicationTypes: [
                .init(id: 13, description: "Email", emailFlag: true, defaultFlag: true),
                .init(id: 2, description: "Direct", phoneFlag: true, defaultFlag: true),
                .init(id: 4, description: "Mobile", phoneFlag: true),
                .init(id: 3, description: "Fax", faxFlag: true),
            ],
            contactTypes: [.init(id: 1, description: "Employee", defaultFlag: true), .init(id: 7, description: "Staff")],
            companies: [
                .init(id: contosoCompanyId, identifier: "Contoso", name: "Contoso", sites: [.init(id: 1001, name: "Main", primaryAddressFlag: true)]),
                .init(id: fabrikamCompanyId, identifier: "Fabrikam", name: "Fabrikam", sites: [
                    .init(id: 2001, name: "Main", primaryAddressFlag: true), .init(id: 2002, name: "New Site"),
                    .init(id: 2003, name: "Site 2"), .init(id: 2004, name: "Site 3"),
                ]),
            ],
            contacts: [
                .init(id: 30001, companyId: contosoCompanyId, firstName: "Adele", lastName: "Vance", title: "Sales",
                      siteId: 1001, inactiveFlag: true, typeIds: [1],
                      communicationItems: [.init(typeId: 13, value: upn("Adele", "Vance", domain: contosoTenant), defaultFlag: true)]),
                .init(id: 30002, companyId: contosoCompanyId, firstName: "Front", lastName: "Desk", siteId: 1001,
                      communicationItems: [.init(typeId: 13, value: "frontdesk@contoso.com", defaultFlag: true),
                                           .init(typeId: 2, value: "+1 425 555 0000", defaultFlag: true)]),
            ])
    }
}
