// The sample MSP's emulators running on loopback, and a rollcall.yaml that points at them.

import Foundation

extension SampleMSP {
    /// Which PSA the sample settings use.
    public enum PSA: String, Sendable {
        case autotask, connectwise
    }

    /// The three emulators of the sample MSP, started on free loopback ports.
    public final class Running: Sendable {
        public let graph: GraphEmulator
        public let autotask: AutotaskEmulator
        public let connectwise: ConnectWiseEmulator
        public let graphHost: EmulatorHost
        public let autotaskHost: EmulatorHost
        public let connectwiseHost: EmulatorHost

        init(graph: GraphEmulator, autotask: AutotaskEmulator, connectwise: ConnectWiseEmulator,
             graphHost: EmulatorHost, autotaskHost: EmulatorHost, connectwiseHost: EmulatorHost) {
            self.graph = graph
            self.autotask = autotask
            self.connectwise = connectwise
            self.graphHost = graphHost
            self.autotaskHost = autotaskHost
            self.connectwiseHost = connectwiseHost
        }

        /// Stops all three.
        public func stop() async {
            await graphHost.stop()
            await autotaskHost.stop()
            await connectwiseHost.stop()
        }

        /// A rollcall.yaml for the sample MSP against these emulators; secrets come from the environment
        /// (`SampleMSP.environment`), as they would for a real tenant.
        public func settingsYAML(psa: PSA, database: String) -> String {
            SampleMSP.settingsYAML(
                psa: psa, database: database, graphURL: graphHost.baseURL, autotaskURL: autotaskHost.baseURL,
                connectwiseURL: connectwiseHost.baseURL)
        }
    }

    /// Starts the sample's Graph, Autotask and ConnectWise emulators (ports 0 pick free ones).
    public static func start(
        tenants: [GraphTenant] = SampleMSP.tenants(), autotask: AutotaskFixture = SampleMSP.autotask(),
        connectwise: ConnectWiseFixture = SampleMSP.connectwise(), host: String = "127.0.0.1",
        ports: (graph: Int, autotask: Int, connectwise: Int) = (0, 0, 0)
    ) async throws -> Running {
        let graph = GraphEmulator(tenants: tenants)
        let at = AutotaskEmulator(fixture: autotask)
        let cw = ConnectWiseEmulator(fixture: connectwise)
        let graphHost = try await graph.start(host: host, port: ports.graph)
        let atHost = try await at.start(host: host, port: ports.autotask)
        let cwHost = try await cw.start(host: host, port: ports.connectwise)
        return Running(graph: graph, autotask: at, connectwise: cw, graphHost: graphHost, autotaskHost: atHost, connectwiseHost: cwHost)
    }

    /// The environment variables the sample settings read their secrets from.
    public static let environment: [String: String] = [
        "GRAPH_CLIENT_SECRET": GraphTenant.demoClientSecret,
        "AUTOTASK_SECRET": autotaskCredentials.secret,
        "AUTOTASK_INTEGRATION_CODE": autotaskCredentials.integrationCode,
        "CW_PRIVATE_KEY": connectwiseCredentials.privateKey,
    ]

    /// rollcall.yaml for the sample MSP: Contoso with no filters, Fabrikam with the article's five filters.
    public static func settingsYAML(
        psa: PSA, database: String, graphURL: String, autotaskURL: String, connectwiseURL: String
    ) -> String {
        let psaBlock: String
        switch psa {
        case .autotask:
            psaBlock = """
              autotask:
                username: \(autotaskCredentials.username)
                secret: ${AUTOTASK_SECRET}
                integrationCode: ${AUTOTASK_INTEGRATION_CODE}
                url: \(autotaskURL)/ATServicesRest/
            """
        case .connectwise:
            psaBlock = """
              connectwise:
                url: \(connectwiseURL)/v4_6_release/apis/3.0/
                company: \(connectwiseCredentials.company)
                publicKey: \(connectwiseCredentials.publicKey)
                privateKey: ${CW_PRIVATE_KEY}
                clientId: \(connectwiseCredentials.clientId ?? "")
                defaultContactType: Employee
            """
        }
        return """
        # The sample MSP of `rollcall demo`, against local emulators.
        database: \(database)
        microsoft:
          clientId: \(GraphTenant.demoClientId)
          clientSecret: ${GRAPH_CLIENT_SECRET}
          loginUrl: \(graphURL)
          graphUrl: \(graphURL)
        psa:
        \(psaBlock)
        companies:
          - name: Contoso
            tenant: \(contosoTenant)
            psaCompanyId: \(contosoCompanyId)
            enabled: true
            updateExisting: true
            useEmail: false
            defaultSite: Main
            deactivateOutOfScope: true
            deactivationThreshold: { count: 10, percent: 10 }
            dailyAt: "02:00"
          - name: Fabrikam
            tenant: \(fabrikamTenant)
            psaCompanyId: \(fabrikamCompanyId)
            enabled: true
            updateExisting: true
            defaultSite: Main
            dailyAt: "02:30"
            filters:
              - { group: Management, site: New Site }
              - { field: department, equals: IT, site: New Site }
              - { license: EXCHANGESTANDARD, site: Site 2 }
              - { license: SPB, site: Main }
              - { allLicensed: true, site: Site 3\(psa == .connectwise ? ", contactType: Staff" : "") }

        """
    }
}
