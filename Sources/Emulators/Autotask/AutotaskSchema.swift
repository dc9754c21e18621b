// The Autotask entities the emulator serves (ContactModel, CompanyLocationModel), their field types and lengths.

import Foundation

/// How a field's values compare and what JSON it takes.
enum AutotaskFieldType: String, Sendable {
    case string, integer, boolean, datetime, udfs
}

/// One field of an entity: name (camelCase, as served), type, length, and whether writes may set it.
struct AutotaskField: Sendable {
    var name: String
    var type: AutotaskFieldType
    var length: Int = 0
    var isRequired = false
    var isReadOnly = false
    var isQueryable = true
    var referenceEntityType = ""
}

/// An entity's fields, found by name without regard to case as Autotask does.
struct AutotaskEntitySchema: Sendable {
    var name: String
    var fields: [AutotaskField]
    private var byLowercased: [String: AutotaskField]

    init(name: String, fields: [AutotaskField]) {
        self.name = name
        self.fields = fields
        self.byLowercased = Dictionary(uniqueKeysWithValues: fields.map { ($0.name.lowercased(), $0) })
    }

    func field(_ name: String) -> AutotaskField? { byLowercased[name.lowercased()] }

    /// `ContactModel` (swagger, camelCase as the live API) with the lengths of reference §1.5.
    static let contact = AutotaskEntitySchema(name: "Contact", fields: [
        .init(name: "id", type: .integer, isReadOnly: true),
        .init(name: "additionalAddressInformation", type: .string, length: 100),
        .init(name: "addressLine", type: .string, length: 128),
        .init(name: "addressLine1", type: .string, length: 128),
        .init(name: "alternatePhone", type: .string, length: 32),
        .init(name: "apiVendorID", type: .integer),
        .init(name: "bulkEmailOptOutTime", type: .datetime, isReadOnly: true),
        .init(name: "city", type: .string, length: 32),
        .init(name: "companyID", type: .integer, isRequired: true, referenceEntityType: "Company"),
        .init(name: "companyLocationID", type: .integer, referenceEntityType: "CompanyLocation"),
        .init(name: "countryID", type: .integer, referenceEntityType: "Country"),
        .init(name: "createDate", type: .datetime, isReadOnly: true),
        .init(name: "emailAddress", type: .string, length: 254),
        .init(name: "emailAddress2", type: .string, length: 254),
        .init(name: "emailAddress3", type: .string, length: 254),
        .init(name: "extension", type: .string, length: 10),
        .init(name: "externalID", type: .string, length: 50),
        .init(name: "facebookUrl", type: .string, length: 200),
        .init(name: "faxNumber", type: .string, length: 25),
        .init(name: "firstName", type: .string, length: 50, isRequired: true),
        .init(name: "impersonatorCreatorResourceID", type: .integer, isReadOnly: true),
        .init(name: "isActive", type: .integer, isRequired: true),
        .init(name: "isOptedOutFromBulkEmail", type: .boolean, isQueryable: false),
        .init(name: "lastActivityDate", type: .datetime, isReadOnly: true),
        .init(name: "lastModifiedDate", type: .datetime, isReadOnly: true),
        .init(name: "lastName", type: .string, length: 50, isRequired: true),
        .init(name: "linkedInUrl", type: .string, length: 200),
        .init(name: "middleInitial", type: .string, length: 50),
        .init(name: "mobilePhone", type: .string, length: 25),
        .init(name: "namePrefix", type: .integer),
        .init(name: "nameSuffix", type: .integer),
        .init(name: "note", type: .string, length: 50),
        .init(name: "receivesEmailNotifications", type: .boolean),
        .init(name: "phone", type: .string, length: 25),
        .init(name: "primaryContact", type: .boolean),
        .init(name: "roomNumber", type: .string, length: 50),
        .init(name: "solicitationOptOut", type: .boolean, isQueryable: false),
        .init(name: "solicitationOptOutTime", type: .datetime, isReadOnly: true),
        .init(name: "state", type: .string, length: 40),
        .init(name: "surveyOptOut", type: .boolean, isQueryable: false),
        .init(name: "title", type: .string, length: 50),
        .init(name: "twitterUrl", type: .string, length: 200),
        .init(name: "zipCode", type: .string, length: 16),
        .init(name: "userDefinedFields", type: .udfs, isQueryable: false),
    ])

    /// `CompanyLocationModel`; `isActive`/`isPrimary` are booleans here, unlike a contact's `isActive`.
    /// The few `Company` fields the emulator keeps (clients look a company up by id or name, and filter on `isActive`).
    static let company = AutotaskEntitySchema(name: "Company", fields: [
        .init(name: "id", type: .integer, isReadOnly: true),
        .init(name: "companyName", type: .string, length: 100, isRequired: true),
        .init(name: "companyType", type: .integer, isRequired: true),
        .init(name: "isActive", type: .boolean),
        .init(name: "phone", type: .string, length: 25, isRequired: true),
    ])

    static let companyLocation = AutotaskEntitySchema(name: "CompanyLocation", fields: [
        .init(name: "id", type: .integer, isReadOnly: true),
        .init(name: "address1", type: .string, length: 128),
        .init(name: "address2", type: .string, length: 128),
        .init(name: "alternatePhone1", type: .string, length: 25),
        .init(name: "alternatePhone2", type: .string, length: 25),
        .init(name: "city", type: .string, length: 50),
        .init(name: "companyID", type: .integer, isRequired: true, referenceEntityType: "Company"),
        .init(name: "countryID", type: .integer),
        .init(name: "description", type: .string, length: 500),
        .init(name: "fax", type: .string, length: 25),
        .init(name: "isActive", type: .boolean),
        .init(name: "isPrimary", type: .boolean),
        .init(name: "isTaxExempt", type: .boolean),
        .init(name: "overrideAccountTaxSettings", type: .boolean),
        .init(name: "name", type: .string, length: 100, isRequired: true),
        .init(name: "phone", type: .string, length: 25),
        .init(name: "postalCode", type: .string, length: 20),
        .init(name: "roundtripDistance", type: .integer),
        .init(name: "state", type: .string, length: 25),
        .init(name: "taxRegionID", type: .integer),
        .init(name: "userDefinedFields", type: .udfs, isQueryable: false),
    ])

    /// The `entityInformation/fields` answer for this entity.
    ///
    /// Field names are served with a capital first letter, as the only verbatim sample (reference
    /// `entityInformation_fields_response_excerpt.json`) shows them; clients must compare names case-insensitively.
    func fieldInformation() -> AutotaskJSON {
        .object(["fields": .array(fields.filter { $0.type != .udfs }.map { field in
            let dataType: String = switch field.type {
            case .string: "string"
            case .integer: field.name == "id" ? "long" : "integer"
            case .boolean: "boolean"
            case .datetime: "datetime"
            case .udfs: "string"
            }
            return .object([
                "name": .string(field.name.prefix(1).uppercased() + field.name.dropFirst()),
                "dataType": .string(dataType),
                "length": .int(field.length),
                "isRequired": .bool(field.isRequired),
                "isReadOnly": .bool(field.isReadOnly),
                "isQueryable": .bool(field.isQueryable),
                "isReference": .bool(!field.referenceEntityType.isEmpty),
                "referenceEntityType": .string(field.referenceEntityType),
                "isPickList": .bool(false),
                "picklistValues": .null,
                "picklistParentValueField": .string(""),
                "isSupportedWebhookField": .bool(false),
            ])
        })])
    }
}
