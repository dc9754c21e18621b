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
            Example:
              rollcall emulate --write-config rollcall.yaml      # then, in another terminal:
              GRAPH_CLIENT_SECRET=emulator-secret AUTOTASK_SECRET=sample-autotask-secret \\
                AUTOTASK_INTEGRATION_CODE=SAMPLE-INTEGRATION rollcall run --company Fabrikam
            With --users N, each sample tenant is replaced by a synthetic one of N users (seeded), and the PSA starts
            empty, for load tests. Stop with Ctrl-C.
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
