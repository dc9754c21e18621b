// The console's Save: rollcall.yaml stays the one source of truth. Only the edited company's block changes; `${VAR}`
// references, other companies and comments elsewhere stay as written; a result that would not load is refused; the
// file is replaced atomically and stays private.

import ContactSync
import Foundation
import Testing

@Suite("Writing a company's settings back to rollcall.yaml")
struct SettingsWriterTests {
    static let environment = ["GRAPH_CLIENT_SECRET": "graph-secret", "AUTOTASK_SECRET": "at-secret", "AUTOTASK_INTEGRATION_CODE": "code", "FABRIKAM_SITE": "Branch"]
    static let yaml = SettingsLoader.sample(for: .autotask) + """
          # Fabrikam keeps its site in the environment.
          - name: Fabrikam
            tenant: fabrikam.onmicrosoft.com
            psaCompanyId: 200
            filters:
              - { upnDomain: fabrikam.com, site: "${FABRIKAM_SITE}" }
        # the end of the file
        """

    static func load(_ text: String) throws -> RollcallSettings {
        try SettingsLoader.load(yaml: text, path: "rollcall.yaml", environment: environment)
    }

    @Test("a new filter dragged to the top, toggles and threshold change only Contoso's block; ${VAR} and comments elsewhere stay")
    func editsOneBlock() throws {
        let before = try Self.load(Self.yaml)
        var contoso = try #require(before.company(named: "Contoso"))
        contoso.filters.insert(MappingFilter(.license("EXCHANGESTANDARD"), site: "Site 2"), at: 0)
        contoso.filters.remove(at: 2)   // { license: SPB, site: Main }
        contoso.useEmail = true
        contoso.deactivationThreshold = DeactivationThreshold(count: 3, percent: 20, alwaysAbovePercent: 50)
        let text = try SettingsWriter.replacing(company: "Contoso", with: contoso, in: Self.yaml, path: "rollcall.yaml", environment: Self.environment)

        let after = try Self.load(text)
        #expect(after.company(named: "Contoso") == contoso)
        #expect(after.company(named: "Fabrikam") == before.company(named: "Fabrikam"))
        #expect(after.microsoft == before.microsoft && after.psa == before.psa)
        for kept in ["${GRAPH_CLIENT_SECRET}", "${AUTOTASK_SECRET}", "\"${FABRIKAM_SITE}\"", "# Fabrikam keeps its site in the environment.",
                     "# the end of the file", "# rollcall.yaml: Microsoft 365 users", "budgetShare: 30%"] {
            #expect(text.contains(kept), "\(kept) was lost:\n\(text)")
        }
        #expect(text.contains("useEmail: true") && text.contains("count: 3"), "booleans and numbers are written plain")
        #expect(!text.contains("at-secret") && !text.contains("graph-secret"), "a secret's value was written into the file")
        #expect(text.contains("- {license: EXCHANGESTANDARD, site: Site 2}") || text.contains("- { license: EXCHANGESTANDARD, site: Site 2 }"), "\(text)")
        let lines = text.components(separatedBy: "\n")
        let first = try #require(lines.firstIndex { $0.contains("EXCHANGESTANDARD") })
        let group = try #require(lines.firstIndex { $0.contains("group: Management") })
        #expect(first < group, "the dragged filter is first")
    }

    @Test("an unchanged filter written with ${VAR} keeps its reference when another company is saved, and when its own order changes")
    func keepsReferences() throws {
        let before = try Self.load(Self.yaml)
        var fabrikam = try #require(before.company(named: "Fabrikam"))
        fabrikam.filters.append(MappingFilter(.allLicensed, site: "Main"))
        fabrikam.filters.reverse()
        let text = try SettingsWriter.replacing(company: "Fabrikam", with: fabrikam, in: Self.yaml, path: "rollcall.yaml", environment: Self.environment)
        #expect(text.contains("\"${FABRIKAM_SITE}\""), "\(text)")
        #expect(try Self.load(text).company(named: "Fabrikam") == fabrikam)
        #expect(try Self.load(text).company(named: "Contoso") == before.company(named: "Contoso"))
    }

    @Test("settings that would not load are refused with the problem, and nothing is written")
    func refusesBadSettings() throws {
        var contoso = try #require(try Self.load(Self.yaml).company(named: "Contoso"))
        contoso.filters.append(MappingFilter(.upnDomain("contoso.com"), site: ""))
        #expect(throws: SettingsError.self) {
            try SettingsWriter.replacing(company: "Contoso", with: contoso, in: Self.yaml, path: "rollcall.yaml", environment: Self.environment)
        }
    }

    @Test("the file is replaced atomically, private (0600), with no temporary file left beside it")
    func writesAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("rollcall.yaml")
        try "old".write(to: file, atomically: false, encoding: .utf8)
        try SettingsWriter.writeAtomically(Self.yaml, to: file.path)
        #expect(try String(contentsOf: file, encoding: .utf8) == Self.yaml)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["rollcall.yaml"])
    }
}
