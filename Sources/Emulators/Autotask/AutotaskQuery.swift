// The Autotask query language as the emulator evaluates it: filters, and/or groups, MaxRecords, IncludeFields.

import Foundation

/// A query the API refuses; Autotask answers these with HTTP 500 and `{"errors": [message]}`.
struct AutotaskQueryError: Error, Sendable {
    var message: String
}

/// A parsed `QueryModel`: filters (ANDed at the top level), the page size, and the fields to return.
struct AutotaskQuery: Sendable {
    var filter: [AutotaskJSON]
    var maxRecords: Int
    var includeFields: [String]

    /// Reads a query body; names are case-insensitive (`Filter`/`filter`, `MaxRecords`/`maxRecords`).
    init(_ body: AutotaskJSON) throws {
        guard case .object = body else { throw AutotaskQueryError(message: "The query body could not be read as a JSON object.") }
        switch body.member("filter") {
        case .array(let items)?: filter = items
        case nil, .null?: filter = []
        default: throw AutotaskQueryError(message: "The filter of the query must be an array.")
        }
        if let records = body.member("maxRecords"), !records.isNull {
            guard let value = records.intValue, (1...500).contains(value) else {
                throw AutotaskQueryError(message: "MaxRecords must be between 1 and 500.")
            }
            maxRecords = value
        } else {
            maxRecords = 500
        }
        if case .array(let names)? = body.member("includeFields") {
            includeFields = names.compactMap(\.stringValue)
        } else {
            includeFields = []
        }
    }

    /// Whether an entity matches every top-level filter; unknown fields and operators throw.
    func matches(_ entity: [String: AutotaskJSON], schema: AutotaskEntitySchema) throws -> Bool {
        for item in filter where try !Self.evaluate(item, entity, schema) { return false }
        return true
    }

    /// Checks the filter's fields and operators even when no entity exists to evaluate them on.
    func validate(schema: AutotaskEntitySchema) throws {
        let empty = Dictionary(uniqueKeysWithValues: schema.fields.map { ($0.name, AutotaskJSON.null) })
        _ = try matches(empty, schema: schema)
    }

    private static func evaluate(_ filter: AutotaskJSON, _ entity: [String: AutotaskJSON], _ schema: AutotaskEntitySchema) throws -> Bool {
        guard let op = filter.member("op")?.stringValue?.lowercased() else {
            throw AutotaskQueryError(message: "Each filter needs an op.")
        }
        if op == "and" || op == "or" {
            guard case .array(let items)? = filter.member("items") else {
                throw AutotaskQueryError(message: "The \(op) group needs items.")
            }
            // Evaluate every item (no short cut) so an unknown field anywhere is reported, as the API validates first.
            let results = try items.map { try evaluate($0, entity, schema) }
            return op == "and" ? !results.contains(false) : results.contains(true)
        }
        guard let fieldName = filter.member("field")?.stringValue else {
            throw AutotaskQueryError(message: "The \(op) filter needs a field.")
        }
        let stored: AutotaskJSON
        let type: AutotaskFieldType
        if filter.member("udf") == .bool(true) {
            guard case .array(let udfs)? = entity["userDefinedFields"],
                  let udf = udfs.first(where: { $0.member("name")?.stringValue?.lowercased() == fieldName.lowercased() })
            else { throw AutotaskQueryError(message: "Unable to find \(fieldName) in the Entity") }
            stored = udf.member("value") ?? .null
            type = .string
        } else {
            guard let field = schema.field(fieldName), field.type != .udfs else {
                throw AutotaskQueryError(message: "Unable to find \(fieldName) in the Entity")
            }
            stored = entity[field.name] ?? .null
            type = field.type
        }
        let value = filter.member("value") ?? .null
        switch op {
        case "eq": return try compare(stored, value, type) == .orderedSame
        // Assumed: `noteq` also holds for an empty (null) field, as "not equal to the value" reads.
        case "noteq": return try compare(stored, value, type) != .orderedSame
        case "gt": return try compare(stored, value, type) == .orderedDescending
        case "gte": return try [.orderedDescending, .orderedSame].contains(compare(stored, value, type))
        case "lt": return try compare(stored, value, type) == .orderedAscending
        case "lte": return try [.orderedAscending, .orderedSame].contains(compare(stored, value, type))
        case "beginswith", "endswith", "contains":
            guard let have = text(of: stored)?.lowercased(), let wanted = text(of: value)?.lowercased() else { return false }
            return op == "beginswith" ? have.hasPrefix(wanted) : op == "endswith" ? have.hasSuffix(wanted) : have.contains(wanted)
        case "exist": return !isEmpty(stored)
        case "notexist": return isEmpty(stored)
        case "in", "notin":
            guard case .array(let values) = value else {
                throw AutotaskQueryError(message: "The \(op) filter on \(fieldName) needs an array value.")
            }
            let found = try values.contains { try compare(stored, $0, type) == .orderedSame }
            return op == "in" ? found : !found
        default:
            throw AutotaskQueryError(message: "The operator \(op) is not a valid filter operator.")
        }
    }

    private static func isEmpty(_ value: AutotaskJSON) -> Bool {
        value.isNull || value == .string("")
    }

    private static func text(of value: AutotaskJSON) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// Compares a stored value with a filter value; `nil` when either is empty or they cannot be compared.
    ///
    /// Strings compare case-insensitively: Autotask runs on SQL Server with its default case-insensitive
    /// collation, so `eq` on an email finds `Jane.Doe@…` for `jane.doe@…` (an assumption; the reference is silent).
    private static func compare(_ stored: AutotaskJSON, _ value: AutotaskJSON, _ type: AutotaskFieldType) throws -> ComparisonResult? {
        if stored.isNull || value.isNull { return nil }
        switch type {
        case .string, .udfs:
            guard let left = text(of: stored)?.lowercased(), let right = text(of: value)?.lowercased() else { return nil }
            return left == right ? .orderedSame : (left < right ? .orderedAscending : .orderedDescending)
        case .integer:
            guard let left = number(stored), let right = number(value) else {
                throw AutotaskQueryError(message: "The value \(text(of: value) ?? "?") is not a valid number.")
            }
            return left == right ? .orderedSame : (left < right ? .orderedAscending : .orderedDescending)
        case .boolean:
            guard let left = flag(stored), let right = flag(value) else {
                throw AutotaskQueryError(message: "The value \(text(of: value) ?? "?") is not a valid boolean; use true or false.")
            }
            return left == right ? .orderedSame : (!left ? .orderedAscending : .orderedDescending)
        case .datetime:
            guard let left = stored.stringValue.flatMap(AutotaskClock.parse) else { return nil }
            guard let right = value.stringValue.flatMap(AutotaskClock.parse) else {
                throw AutotaskQueryError(message: "The value \(text(of: value) ?? "?") is not a valid date.")
            }
            return left == right ? .orderedSame : (left < right ? .orderedAscending : .orderedDescending)
        }
    }

    private static func number(_ value: AutotaskJSON) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        case .string(let text): Double(text)
        case .bool(let flag): flag ? 1 : 0
        default: nil
        }
    }

    private static func flag(_ value: AutotaskJSON) -> Bool? {
        switch value {
        case .bool(let flag): flag
        case .string(let text): text.lowercased() == "true" ? true : text.lowercased() == "false" ? false : nil
        case .int(let number): number != 0
        default: nil
        }
    }
}

/// Autotask's timestamps: ISO 8601, UTC, milliseconds.
enum AutotaskClock {
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
