// Small output helpers shared by the commands: errors to stderr, JSON to stdout.

import Foundation
import SyncEngine

/// A JSON value for `--json` output, with keys printed in a stable order.
enum JSONOutput: Sendable, Encodable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONOutput])
    case object([String: JSONOutput])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// Prints a message to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Settings a run refused are an error: the reasons go to standard error whatever the output format.
func printRefusal(_ summary: RunSummary) {
    guard summary.status == .badSettings else { return }
    printError("\(summary.company): the settings were refused; nothing was written to the PSA:")
    for line in (summary.message ?? "").split(separator: "\n") { printError("  \(line)") }
}

/// Prints an object as pretty, key-sorted JSON.
func printJSON(_ object: [String: JSONOutput]) throws {
    try printJSON(JSONOutput.object(object))
}

/// Prints any encodable value as pretty, key-sorted JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints a line to standard output at once, unbuffered (for lines another process waits for).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
