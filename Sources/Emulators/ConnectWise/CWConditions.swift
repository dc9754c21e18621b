// ConnectWise's query language (`conditions`, `childConditions`): a tokenizer, a parser and an evaluator.

import Foundation

/// A parsed `conditions` expression.
indirect enum CWCondition: Sendable, Equatable {
    case and(CWCondition, CWCondition)
    case or(CWCondition, CWCondition)
    case not(CWCondition)
    case compare(path: [String], op: CWOperator, value: CWLiteral)
    case inList(path: [String], values: [CWLiteral], negated: Bool)

    /// The first path component of every comparison (the top-level fields the expression reads).
    var roots: Set<String> {
        switch self {
        case .and(let left, let right), .or(let left, let right): return left.roots.union(right.roots)
        case .not(let inner): return inner.roots
        case .compare(let path, _, _), .inList(let path, _, _): return [path.first?.lowercased() ?? ""]
        }
    }
}

/// A comparison operator of the query language.
enum CWOperator: String, Sendable, Equatable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains, like, notContains = "not contains", notLike = "not like"
}

/// A literal: `"string"`, `[date]`, number, `true`/`false`, `null`.
enum CWLiteral: Sendable, Equatable {
    case string(String)
    case date(Date)
    case number(Double)
    case bool(Bool)
    case null
}

/// A condition string ConnectWise would refuse; the message says where.
struct CWConditionError: Error, CustomStringConvertible {
    let description: String
}

/// Parses and evaluates ConnectWise condition strings.
enum CWConditionParser {
    private enum Token: Equatable {
        case word(String)      // identifiers, paths, keywords
        case string(String)
        case date(String)
        case number(Double)
        case op(String)
        case open, close, comma
    }

    /// Parses a whole condition string.
    static func parse(_ text: String) throws -> CWCondition {
        var parser = Parser(tokens: try tokenize(text))
        let condition = try parser.expression()
        guard parser.position == parser.tokens.count else {
            throw CWConditionError(description: "Unexpected text after the end of the condition in \(text)")
        }
        return condition
    }

    private static func tokenize(_ text: String) throws -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            let char = chars[index]
            if char.isWhitespace { index += 1; continue }
            switch char {
            case "(": tokens.append(.open); index += 1
            case ")": tokens.append(.close); index += 1
            case ",": tokens.append(.comma); index += 1
            case "\"":
                let quote = char
                var value = ""
                index += 1
                var closed = false
                while index < chars.count {
                    let c = chars[index]
                    if c == "\\", index + 1 < chars.count { value.append(chars[index + 1]); index += 2; continue }
                    if c == quote { closed = true; index += 1; break }
                    value.append(c)
                    index += 1
                }
                guard closed else { throw CWConditionError(description: "A string in the condition is not closed") }
                tokens.append(.string(value))
            case "[":
                guard let end = chars[index...].firstIndex(of: "]") else { throw CWConditionError(description: "A date in the condition is not closed with ]") }
                tokens.append(.date(String(chars[(index + 1)..<end])))
                index = end + 1
            case "=": tokens.append(.op("=")); index += 1
            case "!":
                guard index + 1 < chars.count, chars[index + 1] == "=" else { throw CWConditionError(description: "Unknown operator !") }
                tokens.append(.op("!=")); index += 2
            case "<", ">":
                if index + 1 < chars.count, chars[index + 1] == "=" { tokens.append(.op("\(char)=")); index += 2 }
                else { tokens.append(.op(String(char))); index += 1 }
            default:
                if char.isNumber || (char == "-" && index + 1 < chars.count && chars[index + 1].isNumber) {
                    var end = index + 1
                    while end < chars.count, chars[end].isNumber || chars[end] == "." { end += 1 }
                    guard let number = Double(String(chars[index..<end])) else { throw CWConditionError(description: "Bad number in condition") }
                    tokens.append(.number(number))
                    index = end
                } else if char.isLetter || char == "_" {
                    var end = index + 1
                    while end < chars.count, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" || chars[end] == "/" || chars[end] == "." { end += 1 }
                    tokens.append(.word(String(chars[index..<end])))
                    index = end
                } else {
                    throw CWConditionError(description: "Unexpected character \(char) in condition")
                }
            }
        }
        return tokens
    }

    private struct Parser {
        let tokens: [Token]
        var position = 0

        init(tokens: [Token]) { self.tokens = tokens }

        private func peek() -> Token? { position < tokens.count ? tokens[position] : nil }
        private func isKeyword(_ token: Token?, _ keyword: String) -> Bool {
            if case .word(let word)? = token { return word.lowercased() == keyword }
            return false
        }

        mutating func expression() throws -> CWCondition {
            var left = try conjunction()
            while isKeyword(peek(), "or") {
                position += 1
                left = .or(left, try conjunction())
            }
            return left
        }

        mutating func conjunction() throws -> CWCondition {
            var left = try unary()
            while isKeyword(peek(), "and") {
                position += 1
                left = .and(left, try unary())
            }
            return left
        }

        mutating func unary() throws -> CWCondition {
            if isKeyword(peek(), "not") {
                position += 1
                return .not(try unary())
            }
            if peek() == .open {
                position += 1
                let inner = try expression()
                guard peek() == .close else { throw CWConditionError(description: "Missing ) in condition") }
                position += 1
                return inner
            }
            return try comparison()
        }

        mutating func comparison() throws -> CWCondition {
            guard case .word(let field)? = peek(), !["and", "or", "not"].contains(field.lowercased()) else {
                throw CWConditionError(description: "Expected a field name in condition")
            }
            position += 1
            let path = field.split(separator: "/").map(String.init)
            var negated = false
            if isKeyword(peek(), "not") { negated = true; position += 1 }
            if isKeyword(peek(), "in") {
                position += 1
                guard peek() == .open else { throw CWConditionError(description: "Expected ( after in") }
                position += 1
                var values: [CWLiteral] = []
                while true {
                    values.append(try literal())
                    if peek() == .comma { position += 1; continue }
                    guard peek() == .close else { throw CWConditionError(description: "Expected ) to close the in list") }
                    position += 1
                    break
                }
                return .inList(path: path, values: values, negated: negated)
            }
            let op: CWOperator
            switch peek() {
            case .op(let symbol)?:
                guard !negated, let parsed = CWOperator(rawValue: symbol) else { throw CWConditionError(description: "Unexpected operator \(symbol)") }
                op = parsed
            case .word(let word)? where word.lowercased() == "contains":
                op = negated ? .notContains : .contains
            case .word(let word)? where word.lowercased() == "like":
                op = negated ? .notLike : .like
            default:
                throw CWConditionError(description: "Expected an operator after \(field)")
            }
            position += 1
            return .compare(path: path, op: op, value: try literal())
        }

        mutating func literal() throws -> CWLiteral {
            guard let token = peek() else { throw CWConditionError(description: "Expected a value at the end of the condition") }
            position += 1
            switch token {
            case .string(let value): return .string(value)
            case .number(let value): return .number(value)
            case .date(let text):
                guard let date = CWDates.parse(text) else { throw CWConditionError(description: "Bad date [\(text)] in condition") }
                return .date(date)
            case .word(let word):
                switch word.lowercased() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "null": return .null
                default: throw CWConditionError(description: "Expected a value, found \(word); strings go in double quotes")
                }
            default:
                throw CWConditionError(description: "Expected a value in condition")
            }
        }
    }

    // MARK: Evaluation

    /// Whether a rendered record satisfies the condition.
    static func matches(_ condition: CWCondition, _ record: CWValue) -> Bool {
        switch condition {
        case .and(let left, let right): return matches(left, record) && matches(right, record)
        case .or(let left, let right): return matches(left, record) || matches(right, record)
        case .not(let inner): return !matches(inner, record)
        case .inList(let path, let values, let negated):
            let found = resolve(path, in: record)
            let hit = found.contains { value in values.contains { compare(value, .equal, $0) } }
            return negated ? !hit : hit
        case .compare(let path, let op, let literal):
            let found = resolve(path, in: record)
            switch op {
            case .notEqual:
                if case .null = literal { return found.contains { $0 != .null } }
                return !found.contains { compare($0, .equal, literal) }
            case .notLike: return !found.contains { compare($0, .like, literal) }
            case .notContains: return !found.contains { compare($0, .contains, literal) }
            default:
                if found.isEmpty, case .null = literal, op == .equal { return true }
                return found.contains { compare($0, op, literal) }
            }
        }
    }

    /// Whether any one element of a child collection satisfies the whole condition on its own.
    static func matchesChild(_ condition: CWCondition, _ record: CWValue) -> Bool {
        guard case .object(let object) = record else { return false }
        let roots = condition.roots
        guard roots.count == 1, let root = roots.first, let key = object.keys.first(where: { $0.lowercased() == root }),
              case .array(let elements)? = object[key] else { return matches(condition, record) }
        return elements.contains { matches(condition, .object([key: $0])) }
    }

    /// The values at a `/`-path; arrays on the way are searched element by element.
    /// A top-level name not found on the record is looked up in `_info` (`lastUpdated` lives there).
    static func resolve(_ path: [String], in record: CWValue) -> [CWValue] {
        var current: [CWValue] = [record]
        for (depth, component) in path.enumerated() {
            var next: [CWValue] = []
            for value in current {
                switch value {
                case .object(let object):
                    if let hit = object[component] ?? object.first(where: { $0.key.caseInsensitiveCompare(component) == .orderedSame })?.value {
                        next.append(hit)
                    } else if depth == 0, let info = object["_info"]?.object,
                              let hit = info.first(where: { $0.key.caseInsensitiveCompare(component) == .orderedSame })?.value {
                        next.append(hit)
                    }
                case .array(let elements):
                    for element in elements {
                        if let hit = element.object?[component] ?? element.object?.first(where: { $0.key.caseInsensitiveCompare(component) == .orderedSame })?.value { next.append(hit) }
                    }
                default: break
                }
            }
            current = next.flatMap { value -> [CWValue] in
                if case .array(let elements) = value, depth == path.count - 1 { return elements }
                return [value]
            }
        }
        return current
    }

    private static func compare(_ value: CWValue, _ op: CWOperator, _ literal: CWLiteral) -> Bool {
        switch literal {
        case .null:
            return op == .equal && value == .null
        case .bool(let wanted):
            guard let bool = value.bool else { return false }
            return op == .equal ? bool == wanted : false
        case .number(let wanted):
            let number: Double?
            switch value {
            case .int(let int): number = Double(int)
            case .double(let double): number = double
            case .string(let text): number = Double(text)
            default: number = nil
            }
            guard let number else { return false }
            return ordered(number, wanted, op)
        case .date(let wanted):
            guard let text = value.string, let date = CWDates.parse(text) else { return false }
            return ordered(date, wanted, op)
        case .string(let wanted):
            let text: String
            switch value {
            case .string(let string): text = string
            case .int(let int): text = String(int)
            case .bool(let bool): text = bool ? "true" : "false"
            default: return false
            }
            switch op {
            case .contains: return text.range(of: wanted, options: .caseInsensitive) != nil
            case .like: return like(text, wanted)
            default: return ordered(text.lowercased(), wanted.lowercased(), op)
            }
        }
    }

    private static func ordered<T: Comparable>(_ left: T, _ right: T, _ op: CWOperator) -> Bool {
        switch op {
        case .equal: return left == right
        case .notEqual: return left != right
        case .less: return left < right
        case .lessOrEqual: return left <= right
        case .greater: return left > right
        case .greaterOrEqual: return left >= right
        default: return false
        }
    }

    /// SQL-style `like`: `%` (and `*`, reported by third-party tools) match any run of characters; case-insensitive.
    static func like(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.lowercased()), p = Array(pattern.lowercased())
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (p.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if j == p.count { result = i == t.count }
            else if p[j] == "%" || p[j] == "*" { result = match(i, j + 1) || (i < t.count && match(i + 1, j)) }
            else { result = i < t.count && t[i] == p[j] && match(i + 1, j + 1) }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }
}

/// ISO-8601 dates as ConnectWise writes them (`2024-01-02T03:04:05Z`).
enum CWDates {
    /// Parses `2024-01-02T03:04:05Z`, with or without fractional seconds, or a bare date.
    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: trimmed) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) { return date }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: trimmed)
    }

    /// Formats to the second, UTC.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
