// The product article's own example: five filters, every user on the highest filter it matches, nobody twice.

import ContactSync
import Foundation
import Testing

@Suite("Article example")
struct ArticleExampleTests {
    @Test("R2.5 article example: Management, IT, Exchange Plan 1, Business Premium, all licensed")
    func articleExample() {
        var t = Tenant {
            $0.filters = [
                MappingFilter(.group("Management"), site: "New Site"),
                MappingFilter(.field(attribute: "department", equals: "IT"), site: "New Site"),
                MappingFilter(.license("Exchange Online (Plan 1)"), site: "Site 2"),
                MappingFilter(.license("Business Premium"), site: "Main"),
                MappingFilter(.allLicensed, site: "Site 3"),
            ]
        }
        t.catalog = [SKU.exchangePlan1, LicenseSku(skuId: "sku-spb", skuPartNumber: "SPB", displayName: "Business Premium"), SKU.businessStandard]
        let ceo = t.user("ceo", licenses: [SKU.businessStandard]) { $0.department = "IT" }  // Management and IT: first wins
        let admin = t.user("admin", licenses: [SKU.exchangePlan1]) { $0.department = "it" }  // IT and Exchange: IT wins
        let clerk = t.user("clerk", licenses: [SKU.exchangePlan1, SKU.businessPremium])  // Exchange before Premium
        let sales = t.user("sales", licenses: [SKU.businessPremium])
        let temp = t.user("temp", licenses: [SKU.businessStandard])
        let unlicensedBoss = t.user("boss", licenses: [])  // in Management, but not eligible
        t.groups["Management"] = [ceo, unlicensedBoss]
        let plan = t.run().plan

        let site = { (id: String) in t.contactOf(id)?.siteId }
        #expect(site(ceo) == 2)  // New Site
        #expect(site(admin) == 2)  // New Site
        #expect(site(clerk) == 3)  // Site 2
        #expect(site(sales) == 1)  // Main
        #expect(site(temp) == 4)  // Site 3
        #expect(site(unlicensedBoss) == nil)
        let creates = plan.commands.filter { $0.kind == .create }
        #expect(creates.count == 5)
        #expect(Set(creates.compactMap(\.userId)).count == 5)
        #expect(t.contacts.count == 5)
        #expect(t.state.assignments.byUser.mapValues { $0.filterIndex } == [ceo: 0, admin: 1, clerk: 2, sales: 3, temp: 4])
        #expect(t.run().plan.commands.isEmpty)
    }
}
