// The JSON shapes ConnectWise sends and takes for contacts, sites, types and errors (psa reference §2.4).

import Foundation

/// `{id, name}` references (company, site, type, communication type).
struct CWReference: Codable, Hashable {
    var id: Int?
    var name: String?
}

/// One element of `Contact.communicationItems`.
struct CWCommunicationItem: Codable, Hashable {
    var id: Int?
    var type: CWReference?
    var value: String?
    var `extension`: String?
    var defaultFlag: Bool?
    var communicationType: String?
}

/// The `_info` block; only `lastUpdated` is read.
struct CWInfo: Codable, Hashable {
    var lastUpdated: String?
}

/// The fields of a ConnectWise `Contact` that Rollcall reads.
struct CWContact: Codable, Hashable {
    var id: Int
    var firstName: String?
    var lastName: String?
    var title: String?
    var company: CWReference?
    var site: CWReference?
    var inactiveFlag: Bool?
    var communicationItems: [CWCommunicationItem]?
    var types: [CWReference]?
    var _info: CWInfo?
}

/// `GET /company/communicationTypes` elements.
struct CWCommunicationType: Codable, Hashable {
    var id: Int
    var description: String?
    var phoneFlag: Bool?
    var faxFlag: Bool?
    var emailFlag: Bool?
    var defaultFlag: Bool?
}

/// `GET /company/contacts/types` elements.
struct CWContactType: Codable, Hashable {
    var id: Int
    var description: String?
}

/// `GET /company/companies/{id}/sites` elements.
struct CWSite: Codable, Hashable {
    var id: Int
    var name: String?
    var inactiveFlag: Bool?
    var primaryAddressFlag: Bool?
}

/// A company, of which Rollcall reads only its id.
struct CWCompanyReference: Decodable {
    var id: Int
}

/// ConnectWise's error body `{code, message, errors[]}`.
struct CWErrorBody: Decodable {
    struct Item: Decodable {
        var code: String?
        var message: String?
        var field: String?
    }
    var code: String?
    var message: String?
    var errors: [Item]?

    /// The message and each validation error, in one sentence.
    var summary: String {
        var parts: [String] = []
        if let message, !message.isEmpty { parts.append(message) }
        for item in errors ?? [] {
            if let text = item.message ?? item.code { parts.append(text) }
        }
        if parts.isEmpty, let code { parts.append(code) }
        return parts.joined(separator: "; ")
    }
}

/// A JSON value for building request bodies (JSON Patch values are of mixed types).
enum CWJSON: Encodable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([CWJSON])
    case object([String: CWJSON])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// One JSON Patch operation.
struct CWPatchOperation: Encodable, Hashable {
    var op: String
    var path: String
    var value: CWJSON?
}
