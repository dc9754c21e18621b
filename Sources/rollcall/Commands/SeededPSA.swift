// PSA contacts seeded from a synthetic tenant for `rollcall emulate --existing-percent`: a PSA that already holds
// part of the tenant, some of it drifted, and a manifest of how many writes a correct first run makes.

import Emulators
import Foundation

/// Contacts an MSP's PSA already holds for a synthetic tenant, and what a first run has to write because of them.
struct SeededPSA {
    /// One PSA contact as seeded, in one shape for both PSAs.
    struct Seed {
        var user: GraphUser
        var firstName: String
        var lastName: String
        var title: String?
        var phone: String?
        var mobile: String?
        var email: String
    }

    /// What a correct first run of a company without filters writes: a create for each eligible user without a
    /// contact, an update for each eligible user whose contact differs (R6.2), nothing else.
    struct Manifest: Encodable {
        var company: String
        var users: Int
        var eligible: Int
        var existing: Int
        var existingEligible: Int
        var drifted: Int
        var expectedCreates: Int
        var expectedUpdates: Int
        var expectedWrites: Int

        init(company: String, users: Int, eligible: Int, existing: Int, existingEligible: Int, drifted: Int) {
            self.company = company
            self.users = users
            self.eligible = eligible
            self.existing = existing
            self.existingEligible = existingEligible
            self.drifted = drifted
            expectedCreates = eligible - existingEligible
            expectedUpdates = drifted
            expectedWrites = expectedCreates + expectedUpdates
        }
    }

    let seeds: [Seed]
    let manifest: Manifest

    /// Seeds contacts for `percent`% of the tenant's users (every user whose index modulo 100 is below it); with
    /// `drift`, every fifth seeded contact has another title and every seventh with a phone another phone number.
    init(tenant: GraphTenant, company: String, percent: Int, drift: Bool) {
        var seeds: [Seed] = []
        var eligible = 0
        var existingEligible = 0
        var drifted = 0
        for (index, user) in tenant.users.enumerated() {
            let isEligible = user.accountEnabled == true && !user.assignedLicenses.isEmpty
            if isEligible { eligible += 1 }
            guard index % 100 < percent else { continue }
            var seed = Seed(
                user: user, firstName: user.givenName ?? user.displayName ?? "Unknown", lastName: user.surname ?? "Unknown",
                title: user.jobTitle, phone: user.businessPhones.first, mobile: user.mobilePhone, email: user.userPrincipalName)
            var differs = user.givenName == nil || user.surname == nil
            if drift && index % 5 == 0, user.jobTitle != nil {
                seed.title = "Former " + (user.jobTitle ?? "title")
                differs = true
            }
            if drift && index % 7 == 0, let phone = user.businessPhones.first {
                seed.phone = phone.replacingOccurrences(of: "425", with: "360")
                differs = true
            }
            if isEligible {
                existingEligible += 1
                if differs { drifted += 1 }
            }
            seeds.append(seed)
        }
        self.seeds = seeds
        manifest = Manifest(
            company: company, users: tenant.users.count, eligible: eligible, existing: seeds.count,
            existingEligible: existingEligible, drifted: drifted)
    }

    /// The seeds as Autotask contacts of one company, at one location, ids from `firstId`.
    func autotaskContacts(companyId: Int, locationId: Int, firstId: Int) -> [AutotaskFixture.Contact] {
        seeds.enumerated().map { offset, seed in
            AutotaskFixture.Contact(
                id: firstId + offset, companyID: companyId, firstName: seed.firstName, lastName: seed.lastName, title: seed.title,
                phone: seed.phone, mobilePhone: seed.mobile, emailAddress: seed.email, isActive: 1, companyLocationID: locationId)
        }
    }

    /// The seeds as ConnectWise contacts of one company, at one site, with the default contact type.
    func connectwiseContacts(companyId: Int, siteId: Int, typeId: Int, firstId: Int) -> [ConnectWiseFixture.Contact] {
        seeds.enumerated().map { offset, seed in
            var items = [ConnectWiseFixture.CommunicationItem(typeId: 13, value: seed.email, defaultFlag: true)]
            if let phone = seed.phone { items.append(.init(typeId: 2, value: phone, defaultFlag: true)) }
            if let mobile = seed.mobile { items.append(.init(typeId: 4, value: mobile)) }
            return ConnectWiseFixture.Contact(
                id: firstId + offset, companyId: companyId, firstName: seed.firstName, lastName: seed.lastName, title: seed.title,
                siteId: siteId, typeIds: [typeId], communicationItems: items)
        }
    }
}
