// `rollcall demo`: the whole product on a fresh machine — emulated tenants and PSA, two syncs, and the audit trail.

import ArgumentParser
import ContactSync
import Emulators
import EventLog
import Foundation
import Logging
import SyncEngine

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "See Rollcall work end to end against built-in emulators of Microsoft 365 and your PSA (nothing to configure).",
        discussion: """
            Starts local emulators of Microsoft Graph and Autotask (or ConnectWise) with a sample MSP of two \
            customers, runs a first sync, then changes the tenants (a leaver, a new hire, a license removed, a \
            contact edited in the PSA), syncs again, and shows the plans, the summaries and why the leaver's contact \
            was deactivated.

            Examples:
              rollcall demo
              rollcall demo --psa connectwise --keep demo-folder
            """
    )

    @Option(help: "The PSA to emulate: autotask or connectwise.") var psa = "autotask"
    @Option(help: "Keep the demo's settings and event log in this folder (a temporary folder otherwise).") var keep: String?

    func run() async throws {
        guard let which = SampleMSP.PSA(rawValue: psa) else { throw ValidationError("--psa is autotask or connectwise") }
        let folder = URL(fileURLWithPath: keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-demo-\(UUID().uuidString)").path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }

        heading("Starting emulators of Microsoft Graph and \(which == .autotask ? "Autotask" : "ConnectWise") on loopback")
        let running = try await SampleMSP.start()
        defer { Task { await running.stop() } }
        let database = folder.appendingPathComponent("rollcall.sqlite3").path
        let yaml = running.settingsYAML(psa: which, database: database)
        let settingsPath = folder.appendingPathComponent("rollcall.yaml").path
        try yaml.write(toFile: settingsPath, atomically: true, encoding: .utf8)
        let settings = try SettingsLoader.load(yaml: yaml, path: settingsPath, environment: SampleMSP.environment)
        var logger = Logger(label: "rollcall.demo")
        logger.logLevel = .error
        let store = try EventStore(path: database)
        let engine = SyncEngine(
            settings: settings, store: store, connections: LiveConnections(settings: settings, logger: logger), logger: logger)
        print("""
              Sample MSP: Contoso (10 staff, every licensed user to site "Main"; the PSA already has an inactive contact
              for Adele Vance and a "Front Desk" contact that matches nobody) and Fabrikam (11 staff, the help article's
              five filters: Management group → New Site, department IT → New Site, Exchange Online (Plan 1) → Site 2,
              Business Premium → Main, everyone else licensed → Site 3).
              \(keep == nil
                  ? "Settings and log: in a temporary folder removed when the demo ends (keep them with --keep FOLDER)."
                  : "Settings: \(settingsPath)")
              """)

        heading("First sync: what Rollcall plans, and what it did")
        for company in ["Contoso", "Fabrikam"] {
            try await show(engine: engine, company: company)
        }

        heading("Meanwhile, at Contoso: Alex Wilber leaves, Nina New joins, Megan Bowen loses her license, and someone edits Lidia Holloway's title in the PSA")
        let tenant = SampleMSP.contosoTenant
        try await running.graph.softDelete(SampleMSP.userId(domain: tenant, index: 1), in: tenant)
        try await running.graph.upsertUser(GraphUser(
            id: "c0099999-0000-4000-8000-000000099999", userPrincipalName: "nina.new@contoso.com", displayName: "Nina New",
            givenName: "Nina", surname: "New", mail: "nina.new@contoso.com", jobTitle: "Analyst",
            businessPhones: ["+1 425 555 0199"], assignedLicenses: [GraphAssignedLicense(skuId: GraphTenant.businessPremium.skuId)],
            department: "Finance"), in: tenant)
        try await running.graph.removeLicenses(SampleMSP.userId(domain: tenant, index: 2), in: tenant)
        let lidia = SampleMSP.upn("Lidia", "Holloway", domain: tenant)
        let lidiaContact = try await engine.log(for: "Contoso").currentState().psa.contacts.values
            .first { $0.contact.emails.contains { $0.lowercased() == lidia } }?.contact.id
        if let lidiaContact {
            switch which {
            case .autotask: _ = try await running.autotask.editContact(id: lidiaContact, ["title": .string("Typed in the PSA")])
            case .connectwise: try await running.connectwise.editContact(id: lidiaContact) { $0.title = "Typed in the PSA" }
            }
        }

        heading("Second sync")
        try await show(engine: engine, company: "Contoso")

        heading("Why is Alex Wilber's contact inactive?  (rollcall why --company Contoso --email alex.wilber@contoso.com)")
        var events: [EventEnvelope] = []
        for try await envelope in engine.log(for: "Contoso").envelopes() { events.append(envelope) }
        let alex = SampleMSP.upn("Alex", "Wilber", domain: tenant)
        for line in Explainer(timeZone: .current).story(of: .email(alex), in: events) {
            print("  \(formatTime(line.time))  \(line.text)  [\(line.ruleIds.joined(separator: ", ")); event \(line.position)]")
        }

        let report = try await store.verify()
        heading("The log")
        print("  \(report.events) events in \(keep == nil ? "the demo's log" : database); hash chain \(report.isIntact ? "intact" : "BROKEN at \(report.firstBrokenPosition!)") (rollcall verify)")
        if keep != nil {
            print("  Kept in \(folder.path). Try: rollcall history --config \(settingsPath) --company Contoso")
        }
        print("\nNext: `rollcall init` writes a rollcall.yaml for your own tenants and PSA; see README.md.")
    }

    private func show(engine: SyncEngine, company: String) async throws {
        let plan = try await engine.run(company: company, options: RunOptions(dryRun: true))
        let state = try await engine.log(for: company).currentState()
        print("\(company): the plan")
        if let commands = plan.plan { Printer.plan(commands, state: state).forEach { print($0) } }
        let summary = try await engine.run(company: company)
        Printer.summary(summary).forEach { print($0) }
        print("")
    }

    private func heading(_ text: String) {
        print("\n== \(text)\n")
    }
}
