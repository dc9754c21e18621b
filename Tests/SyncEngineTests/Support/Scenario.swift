// The end-to-end harness: the sample MSP's emulators on loopback, a real log in a temporary folder, and the engine.

import Autotask
import ContactSync
import Emulators
import EventLog
import Foundation
import Logging
import SyncEngine

/// A contact as the emulated PSA holds it, in one shape for both PSAs.
struct HeldContact: Hashable {
    var id: Int
    var firstName: String
    var lastName: String?
    var title: String?
    var email: String?
    var phone: String?
    var mobile: String?
    var active: Bool
    var siteId: Int?
    var typeIds: [Int]
}

/// One end-to-end scenario: emulators, settings, a log, an engine.
final class Scenario: Sendable {
    let psa: SampleMSP.PSA
    let running: SampleMSP.Running
    let folder: URL
    let settings: RollcallSettings
    let store: EventStore
    let engine: SyncEngine
    let database: String

    init(
        psa: SampleMSP.PSA, tenants: [GraphTenant] = SampleMSP.tenants(), autotask: AutotaskFixture = SampleMSP.autotask(),
        connectwise: ConnectWiseFixture = SampleMSP.connectwise(), autotaskBudget: AutotaskBudget? = nil,
        editYAML: (String) -> String = { $0 }
    ) async throws {
        self.psa = psa
        running = try await SampleMSP.start(tenants: tenants, autotask: autotask, connectwise: connectwise)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("rollcall.sqlite3").path
        self.database = database
        let yaml = editYAML(running.settingsYAML(psa: psa, database: database))
        settings = try SettingsLoader.load(yaml: yaml, path: folder.appendingPathComponent("rollcall.yaml").path, environment: SampleMSP.environment)
        store = try EventStore(path: database)
        var logger = Logger(label: "rollcall.test")
        logger.logLevel = .error
        engine = SyncEngine(
            settings: settings, store: store,
            connections: LiveConnections(
                settings: settings, logger: logger, retryBaseDelay: 0.01, autotaskBudget: autotaskBudget),
            logger: logger)
    }

    func stop() async {
        await running.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs a company and returns the summary.
    @discardableResult
    func run(_ company: String, _ options: RunOptions = RunOptions()) async throws -> RunSummary {
        try await engine.run(company: company, options: options)
    }

    var tenantOf: [String: String] { ["Contoso": SampleMSP.contosoTenant, "Fabrikam": SampleMSP.fabrikamTenant] }
    var companyIdOf: [String: Int] { ["Contoso": SampleMSP.contosoCompanyId, "Fabrikam": SampleMSP.fabrikamCompanyId] }

    /// The contacts the emulated PSA holds for a company.
    func contacts(_ company: String) async -> [HeldContact] {
        let companyId = companyIdOf[company]!
        switch psa {
        case .autotask:
            return await running.autotask.contacts(companyId: companyId).map {
                HeldContact(id: $0.id, firstName: $0.firstName, lastName: $0.lastName, title: $0.title, email: $0.emailAddress,
                            phone: $0.phone, mobile: $0.mobilePhone, active: ($0.isActive ?? 1) == 1,
                            siteId: $0.companyLocationID, typeIds: [])
            }
        case .connectwise:
            return await running.connectwise.contacts(companyId: companyId).map { c in
                let email = c.communicationItems.first { $0.typeId == 13 && $0.defaultFlag } ?? c.communicationItems.first { $0.typeId == 13 }
                return HeldContact(
                    id: c.id, firstName: c.firstName, lastName: c.lastName, title: c.title, email: email?.value,
                    phone: c.communicationItems.first { $0.typeId == 2 }?.value,
                    mobile: c.communicationItems.first { $0.typeId == 4 }?.value,
                    active: !c.inactiveFlag, siteId: c.siteId, typeIds: c.typeIds)
            }
        }
    }

    /// The contact holding an email (case-insensitive), if any; `nil` when none, and a test failure is the caller's.
    func contact(_ company: String, email: String) async -> [HeldContact] {
        await contacts(company).filter { $0.email?.lowercased() == email.lowercased() }
    }

    /// PSA writes made so far.
    func psaWrites() async -> Int {
        switch psa {
        case .autotask: await running.autotask.writeCount()
        case .connectwise: await running.connectwise.writeCount()
        }
    }

    /// Requests the emulators have counted so far (Graph, PSA).
    func requests() async -> (graph: Int, psa: Int) {
        let graph = await running.graph.control.requestCount()
        let psa = switch psa {
        case .autotask: await running.autotask.control.requestCount()
        case .connectwise: await running.connectwise.control.requestCount()
        }
        return (graph, psa)
    }

    /// Edits a contact in the PSA behind Rollcall's back.
    func editInPSA(_ contactId: Int, title: String) async throws {
        switch psa {
        case .autotask: _ = try await running.autotask.editContact(id: contactId, ["title": .string(title)])
        case .connectwise: try await running.connectwise.editContact(id: contactId) { $0.title = title }
        }
    }

    /// A user's UPN in the sample.
    static func upn(_ first: String, _ last: String, _ company: String) -> String {
        SampleMSP.upn(first, last, domain: company == "Contoso" ? SampleMSP.contosoTenant : SampleMSP.fabrikamTenant)
    }

    /// A sample user's object id by position in its tenant.
    static func userId(_ company: String, _ index: Int) -> String {
        SampleMSP.userId(domain: company == "Contoso" ? SampleMSP.contosoTenant : SampleMSP.fabrikamTenant, index: index)
    }
}
