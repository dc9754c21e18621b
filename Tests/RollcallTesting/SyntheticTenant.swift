// A large synthetic tenant already folded into state, for planner tests and `rollcall-bench plan`.

import ContactSync

/// Synthetic company states shaped like real ones, of any size.
public enum SyntheticTenant {
    /// A tenant shaped like a real one: the article's five filters, most users matched and in step, and a few
    /// percent each of new users, edited users, users who lost their license, contacts not yet matched, and
    /// contacts of former employees nobody matches: as many contacts as users.
    public static func planned(users n: Int) -> (CompanyState, CompanySettings) {
        let settings = CompanySettings(
            name: "Bench", tenant: "bench.onmicrosoft.com", psaCompanyId: 1, deactivationThreshold: DeactivationThreshold(count: n, percent: 100),
            filters: [
                MappingFilter(.group("Management"), site: "New Site"),
                MappingFilter(.field(attribute: "department", equals: "IT"), site: "New Site"),
                MappingFilter(.license("EXCHANGESTANDARD"), site: "Site 2"),
                MappingFilter(.license("SPB"), site: "Main"),
                MappingFilter(.allLicensed, site: "Site 3"),
            ])
        let sites = ["Main", "New Site", "Site 2", "Site 3"].enumerated().map { PSASite(id: $0.offset + 1, name: $0.element, isPrimary: $0.offset == 0) }
        let siteId = Dictionary(uniqueKeysWithValues: sites.map { ($0.name, $0.id) })
        let skus = [LicenseSku(skuId: "sku-spb", skuPartNumber: "SPB"), LicenseSku(skuId: "sku-ex1", skuPartNumber: "EXCHANGESTANDARD")]
        var state = CompanyState(company: "Bench")
        state.psa.sites = sites
        state.directory.catalog = skus
        state.settings = settings
        state.settingsVersion = 1
        var managers = Set<String>()
        var pos: Int64 = 1
        for i in 0..<n {
            let id = "user-\(i)"
            let department = i % 10 == 0 ? "IT" : "Sales"
            let license = i % 3 == 0 ? "sku-ex1" : "sku-spb"
            if i % 50 == 0 { managers.insert(id) }
            let lost = i % 100 == 7
            let user = DirectoryUser(
                id: id, userPrincipalName: "user\(i)@bench.example", givenName: "Given\(i)", surname: "Surname\(i)",
                jobTitle: "Title \(i % 40)", businessPhones: ["+1 555 \(100_000 + i)"], mobilePhone: nil, accountEnabled: true,
                assignedLicenses: lost ? [] : [AssignedLicense(skuId: license)], department: department)
            let changed = Dictionary(uniqueKeysWithValues: SyncedField.allCases.map { ($0, pos) })
            state.directory.users[id] = UserRecord(
                user: user, position: pos, removal: nil, removalPosition: nil, fieldChangedAt: changed, eligibilitySince: pos)
            pos += 1
            if i % 100 == 3 {  // a new user with no contact yet, and a former employee's contact nobody matches
                let stray = PSAContact(id: 10_000 + i, companyId: 1, firstName: "Former", lastName: "Employee\(i)", emails: ["former\(i)@bench.example"], isActive: false, siteId: 1)
                state.psa.contacts[stray.id] = ContactRecord(contact: stray, position: pos, missing: false, missingPosition: nil)
                pos += 1
                continue
            }
            let site = managers.contains(id) || department == "IT" ? "New Site" : license == "sku-ex1" ? "Site 2" : "Main"
            let contact = PSAContact(
                id: 10_000 + i, companyId: 1, firstName: "Given\(i)", lastName: "Surname\(i)",
                title: i % 100 == 5 ? "Old title" : "Title \(i % 40)", phone: "+1 555 \(100_000 + i)",
                emails: ["user\(i)@bench.example"], isActive: true, siteId: siteId[site])
            state.psa.contacts[contact.id] = ContactRecord(contact: contact, position: pos, missing: false, missingPosition: nil)
            pos += 1
            if i % 100 != 9 {  // not yet matched: matched by email this run
                state.matches.byUser[id] = MatchRecord(userId: id, contactId: contact.id, basis: .email, position: pos, runId: "r0")
                state.matches.byContact[contact.id] = id
                pos += 1
            }
        }
        state.directory.groups["management"] = GroupRecord(groupId: "g-mgmt", displayName: "Management", userIds: managers, position: pos)
        state.position = pos
        return (state, settings)
    }
}
