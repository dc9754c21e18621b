// What an Autotask emulator starts with: the accepted API user, companies with their locations, and contacts.

import Foundation
import Yams

/// The starting state of an Autotask emulator, loadable from JSON or YAML.
public struct AutotaskFixture: Codable, Sendable {
    /// The API user the emulator accepts (headers `UserName`, `Secret`, `ApiIntegrationCode`).
    public struct Credentials: Codable, Sendable, Hashable {
        public var username: String
        public var secret: String
        public var integrationCode: String

        /// Makes credentials.
        public init(username: String, secret: String, integrationCode: String) {
            self.username = username
            self.secret = secret
            self.integrationCode = integrationCode
        }
    }

    /// A company location (Autotask `CompanyLocations`).
    public struct Location: Codable, Sendable, Hashable {
        public var id: Int
        public var name: String
        public var isActive: Bool?
        public var isPrimary: Bool?
        public var city: String?

        /// Makes a location.
        public init(id: Int, name: String, isActive: Bool? = true, isPrimary: Bool? = false, city: String? = nil) {
            self.id = id
            self.name = name
            self.isActive = isActive
            self.isPrimary = isPrimary
            self.city = city
        }
    }

    /// A company and its locations.
    public struct Company: Codable, Sendable, Hashable {
        public var id: Int
        public var name: String
        public var locations: [Location]?

        /// Makes a company.
        public init(id: Int, name: String, locations: [Location] = []) {
            self.id = id
            self.name = name
            self.locations = locations
        }
    }

    /// A contact, with Autotask's field names; fields left out take Autotask's defaults.
    public struct Contact: Codable, Sendable, Hashable {
        public var id: Int
        public var companyID: Int
        public var firstName: String
        public var lastName: String
        public var title: String?
        public var phone: String?
        public var mobilePhone: String?
        public var emailAddress: String?
        public var emailAddress2: String?
        public var emailAddress3: String?
        /// 0 or 1, as Autotask stores it; missing means 1.
        public var isActive: Int?
        public var companyLocationID: Int?
        public var externalID: String?
        /// ISO 8601; missing means when the emulator started.
        public var lastModifiedDate: String?

        /// Makes a contact.
        public init(
            id: Int, companyID: Int, firstName: String, lastName: String, title: String? = nil, phone: String? = nil,
            mobilePhone: String? = nil, emailAddress: String? = nil, emailAddress2: String? = nil,
            emailAddress3: String? = nil, isActive: Int? = 1, companyLocationID: Int? = nil, externalID: String? = nil,
            lastModifiedDate: String? = nil
        ) {
            self.id = id
            self.companyID = companyID
            self.firstName = firstName
            self.lastName = lastName
            self.title = title
            self.phone = phone
            self.mobilePhone = mobilePhone
            self.emailAddress = emailAddress
            self.emailAddress2 = emailAddress2
            self.emailAddress3 = emailAddress3
            self.isActive = isActive
            self.companyLocationID = companyLocationID
            self.externalID = externalID
            self.lastModifiedDate = lastModifiedDate
        }
    }

    public var credentials: Credentials
    public var companies: [Company]
    public var contacts: [Contact]
    /// `externalRequestThreshold`; missing means 10,000.
    public var requestThreshold: Int?
    /// Requests other integrations already made this hour; added to the emulator's own count.
    public var requestsUsedBeforeStart: Int?

    /// Makes a fixture.
    public init(
        credentials: Credentials, companies: [Company], contacts: [Contact], requestThreshold: Int? = 10_000,
        requestsUsedBeforeStart: Int? = 0
    ) {
        self.credentials = credentials
        self.companies = companies
        self.contacts = contacts
        self.requestThreshold = requestThreshold
        self.requestsUsedBeforeStart = requestsUsedBeforeStart
    }

    /// Reads a fixture from JSON or YAML text (JSON is YAML, so one parser reads both).
    public static func load(_ text: String) throws -> AutotaskFixture {
        do { return try YAMLDecoder().decode(AutotaskFixture.self, from: text) } catch {
            throw EmulatorError("the Autotask fixture could not be read: \(error)")
        }
    }

    /// Reads a fixture from a JSON or YAML file.
    public static func load(contentsOf url: URL) throws -> AutotaskFixture {
        try load(String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// A company with `count` contacts (`user1@…`), `locations` locations, and the given API user.
    public static func synthetic(
        companyId: Int = 29_683_616, companyName: String = "Contoso", contacts count: Int, locations: Int = 2,
        emailDomain: String = "contoso.example", firstContactId: Int = 30_000_001,
        credentials: Credentials = Credentials(username: "api-user@msp.example", secret: "s3cret", integrationCode: "TRACKING-ID")
    ) -> AutotaskFixture {
        let sites = (0..<max(0, locations)).map { index in
            Location(id: companyId * 10 + index + 1, name: index == 0 ? "Headquarters" : "Site \(index + 1)",
                     isActive: true, isPrimary: index == 0, city: "City \(index + 1)")
        }
        let people = (0..<max(0, count)).map { index in
            Contact(
                id: firstContactId + index, companyID: companyId, firstName: "First\(index + 1)", lastName: "Last\(index + 1)",
                title: index % 3 == 0 ? "Engineer" : nil, phone: "+1 555 01\(String(format: "%02d", index % 100))",
                emailAddress: "user\(index + 1)@\(emailDomain)", isActive: 1,
                companyLocationID: sites.isEmpty ? nil : sites[index % sites.count].id)
        }
        return AutotaskFixture(
            credentials: credentials, companies: [Company(id: companyId, name: companyName, locations: sites)],
            contacts: people)
    }
}
