// Writes a company's sync settings back into rollcall.yaml (the console's Save): only that company's block changes,
// and only the keys the console edits; credentials, `${VAR}` references, other companies and comments elsewhere stay
// as written. The new text is loaded again before it is written, and written atomically.

import Foundation
import Yams

/// Edits rollcall.yaml in place of a person, keeping it the one source of truth.
public enum SettingsWriter {
    /// The keys of a company block the console edits; every other key (name, tenant, psaCompanyId, dailyAt, …) is
    /// kept exactly as written.
    public static let editedKeys = ["enabled", "updateExisting", "useEmail", "defaultSite", "contactType", "deactivationThreshold", "filters"]

    /// rollcall.yaml's text with company `name`'s edited keys set from `edited`. Throws the problems when the result
    /// would not load, or would not load as `edited`; the text given is then unchanged.
    public static func replacing(
        company name: String, with edited: CompanySettings, in yaml: String, path: String, environment: [String: String]
    ) throws(SettingsError) -> String {
        let before = try SettingsLoader.load(yaml: yaml, path: path, environment: environment)
        guard let current = before.company(named: name) else {
            throw SettingsError(problems: [SettingsProblem(file: path, line: nil, company: name, field: "name", message: "is not a company of this file; reload the page")])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else { throw SettingsError(problems: []) }
            root = composed
        } catch {
            throw SettingsError(problems: [SettingsProblem(file: path, line: nil, company: name, field: "(file)", message: "cannot be read as YAML: \(error)")])
        }
        guard var top = root.mapping, var companies = top["companies"]?.sequence,
              let index = companies.firstIndex(where: { $0.mapping?["name"]?.scalar?.string.lowercased() == current.name.lowercased() }),
              var block = companies[index].mapping
        else {
            throw SettingsError(problems: [SettingsProblem(file: path, line: nil, company: name, field: "name", message: "was not found as written in the file; edit it by hand")])
        }
        set(&block, edited: edited, current: current, defaults: CompanySettings(name: "", tenant: "", psaCompanyId: 0))

        // The text must load, give the company as edited, and leave everything else as it was.
        func readsBack(_ text: String) throws(SettingsError) -> Bool {
            let after = try SettingsLoader.load(yaml: text, path: path, environment: environment)
            guard let written = after.company(named: name), same(written, edited) else { return false }
            var unchanged = after
            unchanged.companies = before.companies.map { $0.name == current.name ? written : $0 }
            unchanged.source = before.source
            var compared = after
            compared.source = before.source
            return compared == unchanged
        }
        // First choice: replace the company's lines only, so comments elsewhere survive.
        if let spliced = splice(yaml, companies: companies, index: index, top: top, with: block),
           (try? readsBack(spliced)) == true {
            return spliced
        }
        // Otherwise the whole document is written again from its nodes (values and references kept, comments lost).
        companies[index] = .mapping(block)
        top["companies"] = .sequence(companies)
        let whole: String
        do { whole = try Yams.serialize(node: .mapping(top)) } catch {
            throw SettingsError(problems: [SettingsProblem(file: path, line: nil, company: name, field: "(file)", message: "could not be written as YAML: \(error)")])
        }
        guard try readsBack(whole) else {
            throw SettingsError(problems: [SettingsProblem(file: path, line: nil, company: name, field: "(file)", message: "would not read back as saved; edit it by hand")])
        }
        return whole
    }

    /// Writes `text` to `path` atomically: a private (0600) file beside it, flushed to disk, then renamed over it, so
    /// a reader sees the old file or the new one and never half of either.
    public static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path]) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Whether two company settings agree on what the console edits.
    static func same(_ a: CompanySettings, _ b: CompanySettings) -> Bool {
        a.enabled == b.enabled && a.updateExisting == b.updateExisting && a.useEmail == b.useEmail
            && a.defaultSite == b.defaultSite && a.contactType == b.contactType
            && a.deactivationThreshold == b.deactivationThreshold && a.filters == b.filters
    }

    /// Sets the edited keys of a company block; a key left out stays out while its value is the default, and a filter
    /// as it was loaded keeps its node as written (its `${VAR}` references with it).
    static func set(_ block: inout Node.Mapping, edited: CompanySettings, current: CompanySettings, defaults: CompanySettings) {
        func put(_ key: String, _ value: Node?, isDefault: Bool) {
            if block[key] == nil && isDefault { return }
            block[key] = value
        }
        if edited.enabled != current.enabled { put("enabled", literal(edited.enabled ? "true" : "false"), isDefault: edited.enabled == defaults.enabled) }
        if edited.updateExisting != current.updateExisting {
            put("updateExisting", literal(edited.updateExisting ? "true" : "false"), isDefault: edited.updateExisting == defaults.updateExisting)
        }
        if edited.useEmail != current.useEmail { put("useEmail", literal(edited.useEmail ? "true" : "false"), isDefault: edited.useEmail == defaults.useEmail) }
        if edited.defaultSite != current.defaultSite { put("defaultSite", edited.defaultSite.map(scalar), isDefault: edited.defaultSite == nil) }
        if edited.contactType != current.contactType { put("contactType", edited.contactType.map(scalar), isDefault: edited.contactType == nil) }
        if edited.deactivationThreshold != current.deactivationThreshold {
            let t = edited.deactivationThreshold
            var pairs: [(Node, Node)] = [(scalar("count"), literal("\(t.count)")), (scalar("percent"), literal("\(t.percent)"))]
            if t.alwaysAbovePercent != DeactivationThreshold.standard.alwaysAbovePercent {
                pairs.append((scalar("alwaysAbovePercent"), literal("\(t.alwaysAbovePercent)")))
            }
            put("deactivationThreshold", .mapping(Node.Mapping(pairs, .implicit, .flow)), isDefault: t == defaults.deactivationThreshold)
        }
        if edited.filters != current.filters {
            let written = block["filters"]?.sequence.map(Array.init) ?? []
            let nodes: [Node] = edited.filters.map { filter in
                if written.count == current.filters.count, let j = current.filters.firstIndex(of: filter) { return flow(written[j]) }
                return node(of: filter)
            }
            put("filters", .sequence(Node.Sequence(nodes, .implicit, .block)), isDefault: edited.filters.isEmpty)
        }
    }

    /// A filter as a person writes it: `{ group: Management, site: Main }`.
    static func node(of filter: MappingFilter) -> Node {
        var pairs: [(Node, Node)]
        switch filter.kind {
        case .allLicensed: pairs = [(scalar("allLicensed"), literal("true"))]
        case .group(let g): pairs = [(scalar("group"), scalar(g))]
        case .field(let a, let v): pairs = [(scalar("field"), scalar(FilterKind.shortAttribute(a))), (scalar("equals"), scalar(v))]
        case .upnDomain(let d): pairs = [(scalar("upnDomain"), scalar(d))]
        case .license(let l): pairs = [(scalar("license"), scalar(l))]
        }
        pairs.append((scalar("site"), scalar(filter.site)))
        if let type = filter.contactType { pairs.append((scalar("contactType"), scalar(type))) }
        return .mapping(Node.Mapping(pairs, .implicit, .flow))
    }

    /// A node written on one line, as filters are: `{ group: Management, site: Main }`.
    static func flow(_ node: Node) -> Node {
        guard var mapping = node.mapping else { return node }
        mapping.style = .flow
        return .mapping(mapping)
    }

    /// A YAML boolean or number, written plain.
    static func literal(_ text: String) -> Node { Node(text) }

    /// A text value.
    static func scalar(_ text: String) -> Node {
        // A value that YAML would read as something other than text is quoted, so it reads back as written.
        let plain = Node(text)
        let looksTyped = ["true", "false", "yes", "no", "on", "off", "null", "~", ""].contains(text.lowercased())
            || Double(text) != nil || text.contains("${")
        return looksTyped ? .scalar(Node.Scalar(text, .implicit, .doubleQuoted)) : plain
    }

    /// The file with the company's lines replaced by `block` written in block style at the same indentation; nil when
    /// the company's lines cannot be told apart (the caller then writes the whole document).
    static func splice(_ yaml: String, companies: Node.Sequence, index: Int, top: Node.Mapping, with block: Node.Mapping) -> String? {
        let items = Array(companies)
        guard let mark = items[index].mark, mark.column > 1 else { return nil }
        var lines = yaml.components(separatedBy: "\n")
        let start = mark.line - 1
        guard start < lines.count else { return nil }
        let dashLine = lines[start]
        let column = mark.column - 1
        let prefix = String(dashLine.prefix(column))
        guard prefix.trimmingCharacters(in: .whitespaces) == "-" else { return nil }
        // The block ends where the next company or the next top-level key begins, less trailing comments and blanks.
        var end = lines.count
        if index + 1 < items.count, let next = items[index + 1].mark { end = next.line - 1 }
        else if let after = top.keys.compactMap(\.mark).map(\.line).filter({ $0 > mark.line }).min() { end = after - 1 }
        while end > start + 1 {
            let line = lines[end - 1].trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line == "-" { end -= 1 } else { break }
        }
        guard end > start, let text = try? Yams.serialize(node: .mapping(blockStyle(block))) else { return nil }
        var written = text.components(separatedBy: "\n")
        while written.last?.isEmpty == true { written.removeLast() }
        let indent = String(repeating: " ", count: column)
        let replacement = written.enumerated().map { $0.offset == 0 ? prefix + $0.element : indent + $0.element }
        lines.replaceSubrange(start..<end, with: replacement)
        return lines.joined(separator: "\n")
    }

    /// The company block written in block style, its filters and threshold kept in the style they have.
    static func blockStyle(_ block: Node.Mapping) -> Node.Mapping {
        var copy = block
        copy.style = .block
        return copy
    }
}
