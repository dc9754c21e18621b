// Hand-written JSON text for the Graph emulator: a user's properties rendered once, pages assembled from fragments.

import Foundation

/// JSON text building blocks; fragments are rendered when a user changes, so paging 10,000 users only joins strings.
enum GraphJSONText {
    /// A JSON string literal.
    static func string(_ value: String) -> String { JSONText.quoted(value) }

    static func optional(_ value: String?) -> String { value.map(string) ?? "null" }

    static func strings(_ values: [String]) -> String { "[" + values.map(string).joined(separator: ",") + "]" }

    /// An object from (key, already-rendered value) pairs, in order.
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}

extension GraphUser {
    /// Every property Graph can return for a user, in the order the emulator writes them.
    static let propertyNames: [String] = [
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "jobTitle", "businessPhones",
        "mobilePhone", "officeLocation", "preferredLanguage", "accountEnabled", "assignedLicenses", "department",
        "companyName", "city", "state", "country", "usageLocation", "employeeType", "userType",
        "onPremisesExtensionAttributes",
    ]

    /// The properties returned without `$select` (user-list.md), in the order of the docs' sample.
    static let defaultPropertyNames: [String] = [
        "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
        "preferredLanguage", "surname", "userPrincipalName", "id",
    ]

    /// Properties that exist on a user but cannot be read in a collection (501 NotImplemented when selected).
    static let notInCollections: Set<String> = [
        "aboutMe", "birthday", "hireDate", "interests", "mySite", "pastProjects", "preferredName",
        "responsibilities", "schools", "skills", "mailboxSettings",
    ]

    static let blankExtensionAttributes = extensionAttributes([:])

    static func extensionAttributes(_ values: [String: String]) -> String {
        GraphJSONText.object((1...15).map { n in
            ("extensionAttribute\(n)", GraphJSONText.optional(values["extensionAttribute\(n)"]))
        })
    }

    /// Each property as JSON text, and whether it is unset (null, or an all-null complex value).
    func renderedProperties() -> [String: (text: String, unset: Bool)] {
        typealias T = GraphJSONText
        func opt(_ value: String?) -> (String, Bool) { (T.optional(value), value == nil) }
        let licenses = "[" + assignedLicenses.map {
            T.object([("disabledPlans", T.strings($0.disabledPlans)), ("skuId", T.string($0.skuId))])
        }.joined(separator: ",") + "]"
        let attributes = onPremisesExtensionAttributes.isEmpty ? Self.blankExtensionAttributes : Self.extensionAttributes(onPremisesExtensionAttributes)
        return [
            "id": (T.string(id), false),
            "userPrincipalName": (T.string(userPrincipalName), false),
            "displayName": opt(displayName), "givenName": opt(givenName), "surname": opt(surname),
            "mail": opt(mail), "jobTitle": opt(jobTitle),
            "businessPhones": (T.strings(businessPhones), false),
            "mobilePhone": opt(mobilePhone), "officeLocation": opt(officeLocation),
            "preferredLanguage": opt(preferredLanguage),
            "accountEnabled": (accountEnabled.map { $0 ? "true" : "false" } ?? "null", accountEnabled == nil),
            "assignedLicenses": (licenses, false),
            "department": opt(department), "companyName": opt(companyName), "city": opt(city), "state": opt(state),
            "country": opt(country), "usageLocation": opt(usageLocation), "employeeType": opt(employeeType),
            "userType": opt(userType),
            "onPremisesExtensionAttributes": (attributes, onPremisesExtensionAttributes.isEmpty),
        ]
    }
}
