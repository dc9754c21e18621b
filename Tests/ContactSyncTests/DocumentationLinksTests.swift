// The README and the ContactSync DocC catalog link only to files of the repository, so a fresh clone resolves them.

import Foundation
import Testing

/// Checks the links of `README.md` and of `Sources/ContactSync/ContactSync.docc/` against the repository's files.
@Suite("Documentation links")
struct DocumentationLinksTests {
    /// The repository's root: three levels up from this file (`Tests/ContactSyncTests/<this file>`).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The `ContactSync` module's DocC catalog.
    static let catalog = root.appending(path: "Sources/ContactSync/ContactSync.docc")

    /// Every relative link of the README and the catalog resolves from the linking file's folder.
    @Test("every relative Markdown link in README.md and the catalog names a file or folder of the repository")
    func relativeLinksResolve() throws {
        var broken: [String] = []
        for file in try [Self.root.appending(path: "README.md")] + Self.catalogArticles() {
            let folder = file.deletingLastPathComponent()
            for target in try Self.linkTargets(in: file) where !Self.exists(folder.appending(path: target)) {
                broken.append("\(Self.relative(file)) → \(target)")
            }
        }
        #expect(broken.isEmpty, "links to nothing: \(broken.joined(separator: "; "))")
    }

    /// Every `<doc:NAME>` of the catalog has its article `NAME.md` in the catalog.
    @Test("every <doc:NAME> in the catalog names an article NAME.md of the catalog")
    func docLinksNameArticles() throws {
        let articles = try Self.catalogArticles()
        let names = Set(articles.map { $0.deletingPathExtension().lastPathComponent })
        let pattern = try Regex(#"<doc:([^>#\s]+)(?:#[^>]*)?>"#, as: (Substring, Substring).self)
        var broken: [String] = []
        for file in articles {
            let text = try Self.prose(String(contentsOf: file, encoding: .utf8))
            for match in text.matches(of: pattern) where !names.contains(String(match.output.1)) {
                broken.append("\(Self.relative(file)) → <doc:\(match.output.1)>")
            }
        }
        #expect(broken.isEmpty, "doc links to no article: \(broken.joined(separator: "; "))")
    }

    /// The documents that Swift sources cite by file name are in the catalog.
    @Test("RULES.md and DESIGN.md, which Swift sources cite, are articles of the catalog")
    func citedDocumentsShipInTheCatalog() throws {
        var broken: [String] = []
        for name in ["RULES.md", "DESIGN.md"] where !Self.exists(Self.catalog.appending(path: name)) {
            broken.append("\(Self.relative(Self.catalog)) lacks \(name)")
        }
        for file in Self.swiftSources() {
            let text = try String(contentsOf: file, encoding: .utf8)
            for name in ["RULES.md", "DESIGN.md"] where text.contains(name) && !Self.exists(Self.catalog.appending(path: name)) {
                broken.append("\(Self.relative(file)) cites \(name)")
            }
        }
        #expect(broken.isEmpty, "cited documents missing: \(broken.joined(separator: "; "))")
    }

    /// RULES.md names every rule that plans, tests and the audit cite.
    @Test("RULES.md in the catalog has every rule id R1 through R12 as a heading or a bold id")
    func rulesHoldEveryRuleId() throws {
        let file = Self.catalog.appending(path: "RULES.md")
        let rules = try String(contentsOf: file, encoding: .utf8)
        let missing = try (1...12).filter { n in
            try rules.firstMatch(of: Regex("(?m)^#{1,6}[ \\t]+R\(n)(?![0-9])|\\*\\*R\(n)(?![0-9])")) == nil
        }
        #expect(missing.isEmpty, "\(Self.relative(file)) lacks rules \(missing.map { "R\($0)" }.joined(separator: ", "))")
    }

    /// The Markdown files of the catalog, by name.
    static func catalogArticles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: catalog, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The relative link targets of a Markdown file outside fenced code, without `#fragment`, percent-decoded.
    static func linkTargets(in file: URL) throws -> [String] {
        let text = try prose(String(contentsOf: file, encoding: .utf8))
        let pattern = try Regex(#"\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)"#, as: (Substring, Substring).self)
        return text.matches(of: pattern).compactMap { match in
            let target = String(match.output.1)
            let external = ["http:", "https:", "mailto:"].contains { target.lowercased().hasPrefix($0) }
            guard !external, !target.hasPrefix("#") else { return nil }
            let path = String(target.prefix { $0 != "#" })
            return path.removingPercentEncoding ?? path
        }
    }

    /// The text without its fenced code blocks, where a link-like string is code, not a link.
    static func prose(_ text: String) -> String {
        var fenced = false
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                fenced.toggle()
                return false
            }
            return !fenced
        }.joined(separator: "\n")
    }

    /// Every `.swift` file under `Sources/`.
    static func swiftSources() -> [URL] {
        let files = FileManager.default.enumerator(at: root.appending(path: "Sources"), includingPropertiesForKeys: nil)
        var sources: [URL] = []
        while let url = files?.nextObject() as? URL {
            if url.pathExtension == "swift" { sources.append(url) }
        }
        return sources
    }

    /// Whether a file or folder exists at the URL.
    static func exists(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.standardizedFileURL.path(percentEncoded: false))
    }

    /// The URL's path from the repository's root, for messages.
    static func relative(_ url: URL) -> String {
        let base = root.standardizedFileURL.path(percentEncoded: false)
        let path = url.standardizedFileURL.path(percentEncoded: false)
        return path.hasPrefix(base) ? String(path.dropFirst(base.count).drop { $0 == "/" }) : path
    }
}
