// The small part of OData `$filter` the Graph emulator understands on users: eq, ne, startsWith, endsWith.

import Foundation

/// One `$filter` clause on a user's string or boolean property.
struct GraphUserFilter {
    enum Operation { case eq, ne, startsWith, endsWith }
    var property: String
    var operation: Operation
    /// The literal; `nil` for `null`.
    var value: String?

    /// Parses `$filter`; `ne`, `not` and `endsWith` need `ConsistencyLevel: eventual` and `$count=true` (aad-advanced-queries.md).
    static func parse(_ call: GraphCall) -> Result<GraphUserFilter?, GraphReplyError> {
        guard let raw = call.query["$filter"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return .success(nil) }
        let advanced = call.consistencyEventual && call.query["$count"] == "true"
        func unsupported(_ operatorName: String) -> Result<GraphUserFilter?, GraphReplyError> {
            .failure(.init(GraphStore.graphError(
                400, "Request_UnsupportedQuery",
                "Operator '\(operatorName)' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
                call)))
        }
        if raw.lowercased().hasPrefix("not(") || raw.lowercased().hasPrefix("not ") {
            return advanced ? .failure(.init(GraphStore.graphError(400, "Request_UnsupportedQuery", "Unsupported Query.", call))) : unsupported("not")
        }
        for (name, operation) in [("startswith(", Operation.startsWith), ("endswith(", Operation.endsWith)] where raw.lowercased().hasPrefix(name) {
            if operation == .endsWith && !advanced { return unsupported("endsWith") }
            let inner = raw.dropFirst(name.count).dropLast(raw.hasSuffix(")") ? 1 : 0)
            let parts = inner.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, GraphUser.propertyNames.contains(parts[0]), let literal = literal(parts[1]) else { break }
            return .success(GraphUserFilter(property: parts[0], operation: operation, value: literal))
        }
        let words = raw.split(separator: " ", maxSplits: 2).map(String.init)
        if words.count == 3, GraphUser.propertyNames.contains(words[0]), ["eq", "ne"].contains(words[1].lowercased()) {
            let operation: Operation = words[1].lowercased() == "eq" ? .eq : .ne
            if operation == .ne && !advanced { return unsupported("ne") }
            if words[2] == "null" { return .success(GraphUserFilter(property: words[0], operation: operation, value: nil)) }
            if let literal = literal(words[2]) {
                return .success(GraphUserFilter(property: words[0], operation: operation, value: literal))
            }
        }
        return .failure(.init(GraphStore.graphError(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property.", call)))
    }

    /// `'text'` (quotes doubled inside), `true`/`false`.
    static func literal(_ text: String) -> String? {
        if text == "true" || text == "false" { return text }
        guard text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") else { return nil }
        return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
    }

    /// `property eq 'value'`, as used to find groups.
    static func eqClause(_ raw: String) -> (property: String, value: String)? {
        let words = raw.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 2).map(String.init)
        guard words.count == 3, words[1].lowercased() == "eq", let value = literal(words[2]) else { return nil }
        return (words[0], value)
    }

    func matches(_ record: GraphUserRecord) -> Bool {
        let fragment = record.fragments[property]
        let actual = fragment.flatMap { $0.unset ? nil : GraphUserFilter.literalText($0.text) }
        switch operation {
        case .eq: return actual?.lowercased() == value?.lowercased()
        case .ne: return actual?.lowercased() != value?.lowercased()
        case .startsWith: return value.map { actual?.lowercased().hasPrefix($0.lowercased()) ?? false } ?? false
        case .endsWith: return value.map { actual?.lowercased().hasSuffix($0.lowercased()) ?? false } ?? false
        }
    }

    /// The string inside a rendered JSON string fragment (no escapes expected in filterable values).
    static func literalText(_ json: String) -> String {
        json.hasPrefix("\"") ? String(json.dropFirst().dropLast()) : json
    }
}
