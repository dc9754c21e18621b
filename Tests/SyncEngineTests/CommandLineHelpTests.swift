// Help texts as a technician reads them in an 80-column terminal: ArgumentParser wraps every paragraph itself, so a
// discussion hand-wrapped at another width comes out broken mid-sentence. These tests run the built `rollcall`.

import Foundation
import Testing

@Suite("rollcall --help at 80 columns")
struct CommandLineHelpTests {
    /// The `rollcall` executable built beside this test bundle.
    static var rollcall: URL {
        let beside = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rollcall")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/rollcall")
    }

    static func help(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = rollcall
        process.arguments = arguments + ["--help"]
        process.environment = ["COLUMNS": "80", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    /// The subcommands the top-level help lists.
    static func subcommands() throws -> [String] {
        let top = try help([])
        guard let section = top.components(separatedBy: "SUBCOMMANDS:").last else { return [] }
        let listing = section.components(separatedBy: "\n\n").first ?? ""
        return listing.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
    }

    /// Lines of `text` that break a sentence early: a line followed by more of the same paragraph although the next
    /// word would have fitted. Greedy wrapping at `width` never leaves such a line; a second wrap of hand-wrapped text
    /// always does. ArgumentParser fills a line to at most `width - 1` characters.
    static func earlyBreaks(in text: String, width: Int = 80) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var found: [String] = []
        for (line, next) in zip(lines, lines.dropFirst()) {
            let indent = line.prefix { $0 == " " }.count
            let nextIndent = next.prefix { $0 == " " }.count
            let nextText = next.dropFirst(nextIndent)
            // The same paragraph continues: same indent for prose, or an option's help continuing in its column.
            let isOptionLine = line.hasPrefix("  -") && line.contains("   ")
            let continues = !line.isEmpty && !nextText.isEmpty && !nextText.hasPrefix("-") && !line.hasSuffix(":")
                && (isOptionLine ? nextIndent >= 20 : nextIndent == indent && indent == 0)
            guard continues, let word = nextText.split(separator: " ").first else { continue }
            if line.count + 1 + word.count < width { found.append("\(line)⏎\(next)") }
        }
        return found
    }

    @Test("every command's help fits 80 columns and breaks no sentence early")
    func helpReadsAt80Columns() throws {
        let commands = try Self.subcommands()
        #expect(commands.count >= 10, "the top-level help lists its subcommands: \(commands)")
        for command in [[]] + commands.map({ [$0] }) {
            let text = try Self.help(command)
            #expect(text.contains("USAGE:"), "rollcall \(command.joined()) --help printed help")
            let long = text.split(separator: "\n").map(String.init).filter { $0.count > 80 }
            #expect(long.isEmpty, "rollcall \(command.joined()) --help has lines over 80 columns: \(long)")
            let early = Self.earlyBreaks(in: text)
            #expect(early.isEmpty, "rollcall \(command.joined()) --help breaks mid-sentence: \(early)")
        }
    }

    @Test("the early-break check finds text wrapped twice")
    func earlyBreakCheckCanFail() {
        let twice = """
            With --users N, each sample tenant is replaced by a synthetic one of N users
            (seeded), and the PSA starts
            empty, for load tests.
            """
        #expect(Self.earlyBreaks(in: twice).count == 1)
        let once = """
            With --users N, each sample tenant is replaced by a synthetic one of N users
            (seeded) and the PSA starts empty, for load tests.
            """
        #expect(Self.earlyBreaks(in: once).isEmpty)
    }
}
