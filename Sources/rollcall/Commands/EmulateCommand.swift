// `rollcall emulate`: runs local stand-ins for Microsoft Graph, Autotask and ConnectWise with a sample MSP.

import ArgumentParser
import Emulators
import Foundation
import UnixSignals

struct EmulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Run local emulators of Microsoft Graph, Autotask and ConnectWise with a sample MSP, to try Rollcall without a tenant.",
        discussion: """
            Example, in one terminal:
              rollcall emulate --write-config rollcall.yaml
            and in another:
              export GRAPH_CLIENT_SECRET=emulator-secret
              export AUTOTASK_SECRET=sample-autotask-secret
              export AUTOTASK_INTEGRATION_CODE=SAMPLE-INTEGRATION
              rollcall run --company Fabrikam

            With --users N, each sample tenant is replaced by a synthetic one of N users (seeded) and the PSA starts \
            empty, for load tests. --existing-percent P seeds the PSA with contacts for P% of each tenant's users \
            (--drift makes some of them differ from Microsoft 365), and --write-manifest says what a correct first \
            run of Contoso writes. Stop with Ctrl-C.
            """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("graph-port"), help: "Port of the Graph emulator (0 picks a free one).") var graphPort = 8401
    @Option(name: .customLong("autotask-port"), help: "Port of the Autotask emulator.") var autotaskPort = 8402
    @Option(name: .customLong("connectwise-port"), help: "Port of the ConnectWise emulator.") var connectwisePort = 8403
    @Option(help: "Which PSA the written settings use: autotask or connectwise.") var psa = "autotask"
    @Option(name: .customLong("write-config"), help: "Write a rollcall.yaml for these emulators to this file.") var writeConfig: String?
    @Option(help: "The event log file named in the written settings.") var database = "rollcall.sqlite3"
    @Option(help: "Replace each sample tenant by a synthetic tenant of this many users.") var users: Int?
    @Option(help: "Seed of the synthetic tenants.") var seed: UInt64 = 42
    @Option(name: .customLong("existing-percent"), help: "With --users: the PSA starts with contacts for this percentage of each tenant's users.")
    var existingPercent = 0
    @Flag(help: "With --existing-percent: some seeded contacts have another title or phone than Microsoft 365.") var drift = false
    @Option(name: .customLong("autotask-threshold"), help: "Autotask's hourly request limit (default 10,000).") var autotaskThreshold: Int?
    @Option(name: .customLong("write-manifest"), help: "With --users: write what a correct first run of Contoso writes, as JSON, to this file.")
    var writeManifest: String?

    func run() async throws {
        guard let which = SampleMSP.PSA(rawValue: psa) else { throw ValidationError("--psa is autotask or connectwise") }
        var tenants = SampleMSP.tenants()
        var autotask = SampleMSP.autotask()
        var connectwise = SampleMSP.connectwise()
        if let users {
            guard users > 0 else { throw ValidationError("--users must be positive") }
            tenants = tenants.enumerated().map { index, tenant in
                var synthetic = GraphTenant.synthetic(users: users, seed: seed + UInt64(index), domain: tenant.domain, tenantId: tenant.tenantId)
                synthetic.groups.append(contentsOf: tenant.groups.filter { group in !synthetic.groups.contains { $0.displayName == group.displayName } })
                return synthetic
            }
            autotask.contacts = []
            connectwise.contacts = []
            guard (0...100).contains(existingPercent) else { throw ValidationError("--existing-percent is between 0 and 100") }
            let companies = [("Contoso", SampleMSP.contosoCompanyId, 1001), ("Fabrikam", SampleMSP.fabrikamCompanyId, 2001)]
            var manifests: [SeededPSA.Manifest] = []
            for (tenant, (name, companyId, siteId)) in zip(tenants, companies) {
                let seeded = SeededPSA(tenant: tenant, company: name, percent: existingPercent, drift: drift)
                let firstId = 1_000_000 * (manifests.count + 1)
                autotask.contacts += seeded.autotaskContacts(companyId: companyId, locationId: siteId, firstId: firstId)
                connectwise.contacts += seeded.connectwiseContacts(companyId: companyId, siteId: siteId, typeId: 1, firstId: firstId)
                manifests.append(seeded.manifest)
            }
            if let writeManifest {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(manifests[0]).write(to: URL(fileURLWithPath: writeManifest))
            }
        } else if existingPercent != 0 || drift || writeManifest != nil {
            throw ValidationError("--existing-percent, --drift and --write-manifest need --users")
        }
        if let autotaskThreshold {
            guard autotaskThreshold > 0 else { throw ValidationError("--autotask-threshold must be positive") }
            autotask.requestThreshold = autotaskThreshold
        }
        let running = try await SampleMSP.start(
            tenants: tenants, autotask: autotask, connectwise: connectwise, host: host,
            ports: (graphPort, autotaskPort, connectwisePort))
        say("Microsoft Graph emulator: \(running.graphHost.baseURL)  (tenants \(SampleMSP.contosoTenant), \(SampleMSP.fabrikamTenant))")
        say("Autotask emulator:        \(running.autotaskHost.baseURL)/ATServicesRest/V1.0")
        say("ConnectWise emulator:     \(running.connectwiseHost.baseURL)/v4_6_release/apis/3.0")
        if let writeConfig {
            try running.settingsYAML(psa: which, database: database).write(toFile: writeConfig, atomically: true, encoding: .utf8)
            say("Wrote \(writeConfig) for the \(which.rawValue) emulator. Its secrets come from the environment:")
            for (name, value) in SampleMSP.environment.sorted(by: { $0.key < $1.key }) { say("  export \(name)=\(value)") }
        }
        say("Ready. Stop with Ctrl-C.")
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        await running.stop()
    }
}
