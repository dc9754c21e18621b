// The data a ConnectWise emulator starts with: credentials, communication and contact types, companies, contacts.

import Foundation
import Yams

/// A ConnectWise tenant to emulate, loadable from JSON or YAML.
public struct ConnectWiseFixture: Codable, Sendable, Hashable {
    /// An API member's keys that the emulator accepts (Basic `company+public:private`) and the `clientId` it wants.
    public struct Credentials: Codable, Sendable, Hashable {
        public var company: String
        public var publicKey: String
        public var privateKey: String
        /// When set, requests must send this `clientId` header.
        public var clientId: String?

        /// Makes a credential.
        public init(company: String, publicKey: String, privateKey: String, clientId: String? = nil) {
            self.company = company
            self.publicKey = publicKey
            self.privateKey = privateKey
            self.clientId = clientId
        }
    }

    /// A row of `/company/communicationTypes`; ids differ per tenant.
    public struct CommunicationType: Codable, Sendable, Hashable {
        public var id: Int
        public var description: String
        public var phoneFlag: Bool
        public var faxFlag: Bool
        public var emailFlag: Bool
        public var defaultFlag: Bool

        /// Makes a communication type.
        public init(id: Int, description: String, phoneFlag: Bool = false, faxFlag: Bool = false, emailFlag: Bool = false, defaultFlag: Bool = false) {
            self.id = id
            self.description = description
            self.phoneFlag = phoneFlag
            self.faxFlag = faxFlag
            self.emailFlag = emailFlag
            self.defaultFlag = defaultFlag
        }

        /// `Email`, `Fax` or `Phone`, as items of this type report in `communicationType`.
        public var kind: String { emailFlag ? "Email" : faxFlag ? "Fax" : "Phone" }
    }

    /// A row of `/company/contacts/types`.
    public struct ContactType: Codable, Sendable, Hashable {
        public var id: Int
        public var description: String
        public var defaultFlag: Bool

        /// Makes a contact type.
        public init(id: Int, description: String, defaultFlag: Bool = false) {
            self.id = id
            self.description = description
            self.defaultFlag = defaultFlag
        }
    }

    /// A company site.
    public struct Site: Codable, Sendable, Hashable {
        public var id: Int
        public var name: String
        public var primaryAddressFlag: Bool
        public var inactiveFlag: Bool
        public var addressLine1: String?
        public var city: String?
        /// The state's identifier (`FL`), rendered as `stateReference`.
        public var state: String?
        public var zip: String?
        public var phoneNumber: String?

        /// Makes a site.
        public init(
            id: Int, name: String, primaryAddressFlag: Bool = false, inactiveFlag: Bool = false, addressLine1: String? = nil,
            city: String? = nil, state: String? = nil, zip: String? = nil, phoneNumber: String? = nil
        ) {
            self.id = id
            self.name = name
            self.primaryAddressFlag = primaryAddressFlag
            self.inactiveFlag = inactiveFlag
            self.addressLine1 = addressLine1
            self.city = city
            self.state = state
            self.zip = zip
            self.phoneNumber = phoneNumber
        }
    }

    /// A company and its sites.
    public struct Company: Codable, Sendable, Hashable {
        public var id: Int
        public var identifier: String
        public var name: String
        public var sites: [Site]

        /// Makes a company.
        public init(id: Int, identifier: String, name: String, sites: [Site] = []) {
            self.id = id
            self.identifier = identifier
            self.name = name
            self.sites = sites
        }
    }

    /// One communication item of a contact; `id` is given by the emulator when absent.
    public struct CommunicationItem: Codable, Sendable, Hashable {
        public var id: Int?
        public var typeId: Int
        public var value: String
        public var `extension`: String?
        public var defaultFlag: Bool

        /// Makes a communication item.
        public init(id: Int? = nil, typeId: Int, value: String, extension: String? = nil, defaultFlag: Bool = false) {
            self.id = id
            self.typeId = typeId
            self.value = value
            self.extension = `extension`
            self.defaultFlag = defaultFlag
        }
    }

    /// A contact of a company (`companyId` 0: a contact without company).
    public struct Contact: Codable, Sendable, Hashable {
        public var id: Int
        public var companyId: Int
        public var firstName: String
        public var lastName: String?
        public var title: String?
        public var siteId: Int?
        public var inactiveFlag: Bool
        public var typeIds: [Int]
        public var communicationItems: [CommunicationItem]
        /// `_info.lastUpdated`; the emulator sets it on every change.
        public var lastUpdated: Date?

        /// Makes a contact.
        public init(
            id: Int, companyId: Int, firstName: String, lastName: String? = nil, title: String? = nil, siteId: Int? = nil,
            inactiveFlag: Bool = false, typeIds: [Int] = [], communicationItems: [CommunicationItem] = [], lastUpdated: Date? = nil
        ) {
            self.id = id
            self.companyId = companyId
            self.firstName = firstName
            self.lastName = lastName
            self.title = title
            self.siteId = siteId
            self.inactiveFlag = inactiveFlag
            self.typeIds = typeIds
            self.communicationItems = communicationItems
            self.lastUpdated = lastUpdated
        }
    }

    public var credentials: [Credentials]
    public var communicationTypes: [CommunicationType]
    public var contactTypes: [ContactType]
    public var companies: [Company]
    public var contacts: [Contact]

    /// Makes a fixture.
    public init(credentials: [Credentials], communicationTypes: [CommunicationType], contactTypes: [ContactType], companies: [Company], contacts: [Contact]) {
        self.credentials = credentials
        self.communicationTypes = communicationTypes
        self.contactTypes = contactTypes
        self.companies = companies
        self.contacts = contacts
    }

    /// Reads a fixture from a `.json`, `.yaml` or `.yml` file (dates as ISO-8601 strings).
    public static func load(contentsOf url: URL) throws -> ConnectWiseFixture {
        do {
            let data = try Data(contentsOf: url)
            if ["yaml", "yml"].contains(url.pathExtension.lowercased()) {
                return try YAMLDecoder().decode(ConnectWiseFixture.self, from: data)
            }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(ConnectWiseFixture.self, from: data)
        } catch {
            throw EmulatorError("the ConnectWise fixture \(url.path) could not be read: \(error)")
        }
    }

    /// The credentials of `synthetic(...)` fixtures.
    public static let syntheticCredentials = Credentials(
        company: "rollcall_msp", publicKey: "pubKEY123", privateKey: "privKEY456", clientId: "5c6a4a0e-1f2b-4c3d-9e8f-0a1b2c3d4e5f")

    /// A made-up tenant: communication types with sandbox-like ids (e-mail 13, direct phone 2, mobile 4, faxes 3/26),
    /// three contact types, `companies` companies (ids 250, 251, …) with two sites each, and `contactsPerCompany`
    /// contacts each with an e-mail, a direct phone and a mobile, last updated on 2024-01-01.
    public static func synthetic(companies: Int = 1, contactsPerCompany: Int = 20) -> ConnectWiseFixture {
        let types = [
            CommunicationType(id: 13, description: "Individual Professional", emailFlag: true, defaultFlag: true),
            CommunicationType(id: 2, description: "Phone - Direct", phoneFlag: true, defaultFlag: true),
            CommunicationType(id: 4, description: "Mobile", phoneFlag: true),
            CommunicationType(id: 3, description: "Fax - Work", faxFlag: true, defaultFlag: true),
            CommunicationType(id: 26, description: "Work Fax", faxFlag: true),
            CommunicationType(id: 17, description: "Personal Email", emailFlag: true),
        ]
        let contactTypes = [
            ContactType(id: 1, description: "End User", defaultFlag: true),
            ContactType(id: 5, description: "Decision Maker"),
            ContactType(id: 9, description: "Billing"),
        ]
        let since = Date(timeIntervalSince1970: 1_704_067_200)
        var companyList: [Company] = []
        var contacts: [Contact] = []
        var nextContact = 58_000
        var nextItem = 99_000
        for c in 0..<companies {
            let id = 250 + c
            let sites = [Site(id: 1000 + 10 * c, name: "Main", primaryAddressFlag: true, addressLine1: "\(c + 1) Main St", city: "Tampa", state: "FL", zip: "33602", phoneNumber: "8135551212"), Site(id: 1001 + 10 * c, name: "Branch")]
            companyList.append(Company(id: id, identifier: "Company\(id)", name: "Company \(id) Ltd", sites: sites))
            for n in 0..<contactsPerCompany {
                nextContact += 1
                let items = [
                    CommunicationItem(id: nextItem + 1, typeId: 13, value: "user\(n).c\(id)@contoso.example", defaultFlag: true),
                    CommunicationItem(id: nextItem + 2, typeId: 2, value: "+1 813 555 \(String(format: "%04d", n % 10000))", defaultFlag: true),
                    CommunicationItem(id: nextItem + 3, typeId: 4, value: "+1 727 555 \(String(format: "%04d", n % 10000))"),
                ]
                nextItem += 3
                contacts.append(Contact(
                    id: nextContact, companyId: id, firstName: "First\(n)", lastName: "Last\(n)", title: n % 3 == 0 ? "Engineer" : nil,
                    siteId: sites[n % 2].id, typeIds: [1], communicationItems: items, lastUpdated: since))
            }
        }
        return ConnectWiseFixture(credentials: [syntheticCredentials], communicationTypes: types, contactTypes: contactTypes, companies: companyList, contacts: contacts)
    }
}
