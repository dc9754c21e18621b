// Fixtures shared by the test targets. Concurrency: what tests share sits behind a `Mutex`.

import Logging
import Synchronization

/// Keeps every line a logger was given, so a test can show what was logged (retries, warnings) and what was not
/// (secrets).
public final class LogCapture: Sendable {
    /// One logged line.
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    private let lines = Mutex<[Entry]>([])

    /// Makes an empty capture.
    public init() {}

    /// Every line logged so far, in order.
    public var entries: [Entry] { lines.withLock { $0 } }

    /// Every line as "level message key=value …", metadata keys sorted.
    public var all: [String] {
        entries.map { entry in
            let fields = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(entry.level) \(entry.message) \(fields)"
        }
    }

    /// Every line as "message metadata", one per line.
    public var text: String { entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n") }

    /// A logger whose lines, down to `level`, land in this capture.
    public func logger(label: String = "rollcall.test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in CapturingHandler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ entry: Entry) {
        lines.withLock { $0.append(entry) }
    }
}

/// The handler behind `LogCapture.logger`.
private struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(.init(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}
