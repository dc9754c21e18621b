// The shapes Rollcall reads from Graph: token answers, error bodies, user pages with `@removed`, SKUs, groups.

import ContactSync
import Foundation

/// A JSON key known only at run time.
struct GraphKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `{"token_type","expires_in","access_token"}` from the token endpoint.
struct TokenAnswer: Decodable {
    var access_token: String
    var expires_in: Double

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: GraphKey.self)
        access_token = try c.decode(String.self, forKey: GraphKey("access_token"))
        // Some servers send expires_in as a string.
        if let number = try? c.decode(Double.self, forKey: GraphKey("expires_in")) {
            expires_in = number
        } else {
            expires_in = Double(try c.decode(String.self, forKey: GraphKey("expires_in"))) ?? 3599
        }
    }
}

/// The identity platform's error body: `error`, `error_description` (starts "AADSTSnnnn: …"), `error_codes`.
struct TokenErrorAnswer: Decodable {
    var error: String
    var error_description: String?
    var error_codes: [Int]?
}

/// Graph's error body `{"error":{"code","message","innerError"|"innererror"}}`.
struct GraphErrorAnswer: Decodable {
    struct Body: Decodable {
        var code: String
        var message: String?
        var requestId: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: GraphKey.self)
            code = try c.decode(String.self, forKey: GraphKey("code"))
            message = try c.decodeIfPresent(String.self, forKey: GraphKey("message"))
            let inner = c.allKeys.first { $0.stringValue.lowercased() == "innererror" }
            if let inner, let details = try? c.decode([String: String].self, forKey: inner) {
                requestId = details["request-id"]
            }
        }
    }
    var error: Body
}

/// One page of users: `value`, and `@odata.nextLink` or `@odata.deltaLink`.
struct UserPage: Decodable {
    var value: [UserEntry]
    var nextLink: String?
    var deltaLink: String?

    init(value: [UserEntry], nextLink: String?, deltaLink: String?) {
        self.value = value
        self.nextLink = nextLink
        self.deltaLink = deltaLink
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: GraphKey.self)
        value = try c.decode([UserEntry].self, forKey: GraphKey("value"))
        nextLink = try c.decodeIfPresent(String.self, forKey: GraphKey("@odata.nextLink"))
        deltaLink = try c.decodeIfPresent(String.self, forKey: GraphKey("@odata.deltaLink"))
    }
}

/// One user of a page: its properties, with the keys that were actually sent, or an `@removed` annotation.
struct UserEntry: Decodable {
    var patch: DirectoryUserPatch
    var removed: RemovalReason?

    private struct Removed: Decodable { var reason: String? }
    init(patch: DirectoryUserPatch, removed: RemovalReason?) {
        self.patch = patch
        self.removed = removed
    }

    private struct License: Decodable {
        var skuId: String
        var disabledPlans: [String]?
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: GraphKey.self)
        func string(_ key: String) throws -> String? { try c.decodeIfPresent(String.self, forKey: GraphKey(key)) }
        let id = try c.decode(String.self, forKey: GraphKey("id"))
        if let removed = try c.decodeIfPresent(Removed.self, forKey: GraphKey("@removed")) {
            // "changed" means restorable from deleted items; anything else is treated as gone for good.
            self.removed = removed.reason == "changed" ? .softDeleted : .deleted
            patch = DirectoryUserPatch(id: id, present: [], values: DirectoryUser(id: id, userPrincipalName: ""))
            return
        }
        removed = nil
        let sent = Set(c.allKeys.map(\.stringValue))
        let licenses = try c.decodeIfPresent([License].self, forKey: GraphKey("assignedLicenses")) ?? []
        let attributes = try c.decodeIfPresent([String: String?].self, forKey: GraphKey("onPremisesExtensionAttributes")) ?? [:]
        let user = DirectoryUser(
            id: id, userPrincipalName: try string("userPrincipalName") ?? "", mail: try string("mail"),
            displayName: try string("displayName"), givenName: try string("givenName"), surname: try string("surname"),
            jobTitle: try string("jobTitle"),
            businessPhones: try c.decodeIfPresent([String].self, forKey: GraphKey("businessPhones")) ?? [],
            mobilePhone: try string("mobilePhone"),
            accountEnabled: try c.decodeIfPresent(Bool.self, forKey: GraphKey("accountEnabled")),
            assignedLicenses: licenses.map { AssignedLicense(skuId: $0.skuId.lowercased(), disabledPlans: $0.disabledPlans ?? []) },
            department: try string("department"), companyName: try string("companyName"),
            officeLocation: try string("officeLocation"), city: try string("city"), state: try string("state"),
            country: try string("country"), usageLocation: try string("usageLocation"),
            employeeType: try string("employeeType"),
            extensionAttributes: attributes.compactMapValues { value in
                guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
                return value
            })
        patch = DirectoryUserPatch(id: id, present: sent.intersection(DirectoryUser.propertyNames), values: user)
    }
}

/// A page of `subscribedSkus`.
struct SkuPage: Decodable {
    struct Sku: Decodable {
        var skuId: String
        var skuPartNumber: String
    }
    var value: [Sku]
    var nextLink: String?

    enum CodingKeys: String, CodingKey {
        case value
        case nextLink = "@odata.nextLink"
    }
}

/// A page of directory objects that carry an id (and, for groups, a display name).
struct ObjectPage: Decodable {
    struct Object: Decodable {
        var id: String
        var displayName: String?
        var type: String?

        enum CodingKeys: String, CodingKey {
            case id, displayName
            case type = "@odata.type"
        }
    }
    var value: [Object]
    var nextLink: String?

    enum CodingKeys: String, CodingKey {
        case value
        case nextLink = "@odata.nextLink"
    }
}

/// A single group.
struct GroupAnswer: Decodable {
    var id: String
    var displayName: String?
}

/// A page of `/groups/delta` with `members@delta` (delta-query-groups.md): a group may come on several pages, each
/// with part of its members; `@removed` on a member means it left the group, on the group that it was deleted.
struct GroupDeltaPage: Decodable {
    struct Removed: Decodable { var reason: String? }
    struct Member: Decodable {
        var id: String
        var type: String?
        var removed: Removed?
        enum CodingKeys: String, CodingKey {
            case id
            case type = "@odata.type"
            case removed = "@removed"
        }
    }
    struct Group: Decodable {
        var id: String
        var displayName: String?
        var members: [Member]?
        var removed: Removed?
        enum CodingKeys: String, CodingKey {
            case id, displayName
            case members = "members@delta"
            case removed = "@removed"
        }
    }
    var value: [Group]
    var nextLink: String?
    var deltaLink: String?
    enum CodingKeys: String, CodingKey {
        case value
        case nextLink = "@odata.nextLink"
        case deltaLink = "@odata.deltaLink"
    }
}

/// A `$batch` answer (json-batching.md): one response per request, in any order, each with its own status.
struct BatchAnswer: Decodable {
    struct Item: Decodable {
        var id: String
        var status: Int
        var headers: [String: String]?
    }
    var responses: [Item]
}
