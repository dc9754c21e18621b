// R2.2: a field filter names an extension attribute short (`extensionAttribute3`) or with its Graph path
// (`onPremisesExtensionAttributes.extensionAttribute3`), in any letter case, as MSPs copy it from Graph Explorer or
// Entra's attribute list; rollcall.yaml, its JSON Schema, plans and explanations all take both.

import ContactSync
import Foundation
import Testing

@Suite("R2.2 extension attributes in both spellings")
struct ExtensionAttributeTests {
    /// A rollcall.yaml whose one filter is `{ field: <attribute>, equals: Sync, site: Main }`.
    static func yaml(_ attribute: String) -> String {
        """
        microsoft: { clientId: app, clientSecret: s }
        psa:
          autotask: { username: u, secret: s, integrationCode: c }
        companies:
          - name: Contoso
            tenant: contoso.example
            psaCompanyId: 1
            filters:
              - { field: \(attribute), equals: Sync, site: Main }
        """
    }

    @Test("each spelling loads, keeps the spelling it was written in, and selects the users holding the value",
          arguments: [
              ("extensionAttribute3", "extensionAttribute3"),
              ("onPremisesExtensionAttributes.extensionAttribute3", "onPremisesExtensionAttributes.extensionAttribute3"),
              ("ONPREMISESEXTENSIONATTRIBUTES.EXTENSIONATTRIBUTE3", "onPremisesExtensionAttributes.extensionAttribute3"),
              ("extensionattribute3", "extensionAttribute3"),
          ])
    func spelling(written: String, kept: String) throws {
        let settings = try SettingsLoader.load(yaml: Self.yaml(written), path: "rollcall.yaml", environment: [:])
        let kind = try #require(settings.companies.first?.filters.first?.kind)
        #expect(kind == .field(attribute: kept, equals: "Sync"))
        #expect(kind.name == "field \(kept) = Sync")
        let context = ScopeContext(groups: [:], catalog: [])
        let caught = DirectoryUser(id: "1", userPrincipalName: "a@contoso.example", extensionAttributes: ["extensionAttribute3": " sync "])
        let other = DirectoryUser(id: "2", userPrincipalName: "b@contoso.example", extensionAttributes: ["extensionAttribute4": "Sync"])
        #expect(Scope.matches(kind, user: caught, context: context))
        #expect(!Scope.matches(kind, user: other, context: context))
    }

    @Test("a plan's reason names the filter as written with the Graph path")
    func planNamesTheFilter() {
        var t = Tenant {
            $0.filters = [MappingFilter(.field(attribute: "onPremisesExtensionAttributes.extensionAttribute3", equals: "Sync"), site: "Main")]
        }
        let user = t.user("ext") { $0.extensionAttributes = ["extensionAttribute3": "Sync"] }
        let plan = t.run().plan
        let because = Tenant.commands(plan, user: user).flatMap(\.reasons).map(\.because).joined(separator: "; ")
        #expect(because.contains("filter 1, field onPremisesExtensionAttributes.extensionAttribute3 = Sync"), "\(because)")
        #expect(t.contactOf(user) != nil)
    }

    @Test("other Graph paths, and attributes Rollcall does not read, are refused by name",
          arguments: ["onPremisesExtensionAttributes.department", "extensionAttribute16", "onPremisesExtensionAttributes."])
    func refused(attribute: String) {
        #expect {
            try SettingsLoader.load(yaml: Self.yaml(attribute), path: "rollcall.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains("\"\(attribute)\" is not an attribute Rollcall reads")
                && "\(error)".contains("onPremisesExtensionAttributes.extensionAttribute1…15")
        }
    }

    @Test("the settings JSON Schema takes exactly the attributes the loader takes")
    func schemaAgrees() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let schema = try String(contentsOf: root.appendingPathComponent("Schemas/rollcall.schema.json"), encoding: .utf8)
        let pattern = try #require(Self.fieldPattern(in: try JSONSerialization.jsonObject(with: Data(schema.utf8))))
        let regex = try NSRegularExpression(pattern: pattern)
        let spellings = FilterKind.fieldAttributes + FilterKind.fieldAttributes.map { $0.uppercased() } + [
            "onPremisesExtensionAttributes.extensionAttribute1", "onpremisesextensionattributes.EXTENSIONATTRIBUTE15",
            "onPremisesExtensionAttributes.department", "extensionAttribute16", "extensionAttribute0", "manager", "",
        ]
        for spelling in spellings {
            let inSchema = regex.firstMatch(in: spelling, range: NSRange(spelling.startIndex..., in: spelling)) != nil
            #expect(inSchema == (FilterKind.fieldAttribute(spelling) != nil), "\(spelling)")
        }
    }

    /// The `pattern` of the `field` property of a filter, wherever the schema keeps it.
    static func fieldPattern(in node: Any) -> String? {
        if let object = node as? [String: Any] {
            if let field = object["field"] as? [String: Any], let pattern = field["pattern"] as? String { return pattern }
            for value in object.values { if let found = fieldPattern(in: value) { return found } }
        } else if let array = node as? [Any] {
            for value in array { if let found = fieldPattern(in: value) { return found } }
        }
        return nil
    }
}
