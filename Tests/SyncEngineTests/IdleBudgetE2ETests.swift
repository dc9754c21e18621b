// End to end over loopback, for both PSAs: a 10,000-user company's idle run stays within its budget of events and
// requests once the first run has matched everyone.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine
import Testing

@Suite("Idle run budget end to end")
struct IdleBudgetE2ETests {
    static let psas: [SampleMSP.PSA] = [.autotask, .connectwise]

    /// The PSA already holds a contact for every eligible user, each changed during the last two minutes (as by a first
    /// sync that just wrote them), so the first run only matches and the idle run comes right after those writes.
    static func fixtures(for tenant: GraphTenant) -> (AutotaskFixture, ConnectWiseFixture) {
        let start = Date().addingTimeInterval(-120).timeIntervalSince1970.rounded(.down)
        var autotask = SampleMSP.autotask()
        var connectwise = SampleMSP.connectwise()
        autotask.contacts = []
        connectwise.contacts = []
        let eligible = tenant.users.filter { $0.accountEnabled == true && !$0.assignedLicenses.isEmpty }
        for (index, user) in eligible.enumerated() {
            let id = 100_000 + index
            let changed = Date(timeIntervalSince1970: start + Double(index * 100 / eligible.count))
            autotask.contacts.append(AutotaskFixture.Contact(
                id: id, companyID: SampleMSP.contosoCompanyId, firstName: String((user.givenName ?? "").prefix(50)),
                lastName: String((user.surname ?? "").prefix(50)), title: user.jobTitle.map { String($0.prefix(50)) },
                phone: user.businessPhones.first, mobilePhone: user.mobilePhone, emailAddress: user.userPrincipalName,
                companyLocationID: 1001, lastModifiedDate: changed.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))))
            var items = [ConnectWiseFixture.CommunicationItem(typeId: 13, value: user.userPrincipalName, defaultFlag: true)]
            if let phone = user.businessPhones.first { items.append(.init(typeId: 2, value: phone, defaultFlag: true)) }
            if let mobile = user.mobilePhone { items.append(.init(typeId: 4, value: mobile)) }
            connectwise.contacts.append(ConnectWiseFixture.Contact(
                id: id, companyId: SampleMSP.contosoCompanyId, firstName: String((user.givenName ?? "").prefix(30)),
                lastName: user.surname.map { String($0.prefix(30)) }, title: user.jobTitle.map { String($0.prefix(100)) },
                siteId: 1001, typeIds: [1], communicationItems: items, lastUpdated: changed))
        }
        return (autotask, connectwise)
    }

    @Test("idle run of a 10,000-user company: at most 5 events and 5 requests after the token", arguments: psas)
    func idleBudget(psa: SampleMSP.PSA) async throws {
        let tenant = GraphTenant.synthetic(users: 10_000, seed: 10_000, domain: SampleMSP.contosoTenant)
        let (autotask, connectwise) = Self.fixtures(for: tenant)
        let scenario = try await Scenario(psa: psa, tenants: [tenant], autotask: autotask, connectwise: connectwise)
        defer { Task { await scenario.stop() } }
        let first = try await scenario.run("Contoso")
        #expect(first.status == .completed)
        #expect(first.matched == autotask.contacts.count)
        #expect(await scenario.contacts("Contoso").count == autotask.contacts.count)   // nobody created twice

        let eventsBefore = try await scenario.store.count()
        let graphBefore = await scenario.running.graph.control.requestCounts()
        let psaBefore = await scenario.psaControl.requestCounts()
        let writes = await scenario.psaWrites()
        let idle = try await scenario.run("Contoso")
        #expect(idle.status == .completed)
        #expect(await scenario.psaWrites() == writes)
        let appended = try await scenario.store.events(EventQuery(after: Int64(eventsBefore))).collect()
        #expect(appended.count <= 5, "idle run appended \(appended.map(\.type))")

        func delta(_ after: [String: Int], _ before: [String: Int]) -> [String: Int] {
            after.compactMapValues { $0 }.reduce(into: [:]) { out, item in
                let d = item.value - (before[item.key] ?? 0)
                if d > 0 && !item.key.contains("/token") { out[item.key] = d }
            }
        }
        let graph = delta(await scenario.running.graph.control.requestCounts(), graphBefore)
        let psaRequests = delta(await scenario.psaControl.requestCounts(), psaBefore)
        let total = graph.values.reduce(0, +) + psaRequests.values.reduce(0, +)
        #expect(total <= 5, "idle run requests: Graph \(graph), PSA \(psaRequests)")
    }
}

@Suite("Idle run right after a run that wrote")
struct IdleAfterWritesE2ETests {
    @Test("an idle run just after a first run that created 1,500 contacts re-reads none of them", arguments: IdleBudgetE2ETests.psas)
    func idleAfterCreates(psa: SampleMSP.PSA) async throws {
        let tenant = GraphTenant.synthetic(users: 1_800, seed: 1_800, domain: SampleMSP.contosoTenant)
        var autotask = SampleMSP.autotask()
        var connectwise = SampleMSP.connectwise()
        autotask.contacts = []
        connectwise.contacts = []
        let scenario = try await Scenario(psa: psa, tenants: [tenant], autotask: autotask, connectwise: connectwise)
        defer { Task { await scenario.stop() } }
        let first = try await scenario.run("Contoso")
        #expect(first.status == .completed)
        #expect(first.created > 1_000)   // more than two Autotask pages and one ConnectWise page

        let eventsBefore = try await scenario.store.count()
        let before = await scenario.requests()
        let idle = try await scenario.run("Contoso")
        let after = await scenario.requests()
        #expect(idle.status == .completed)
        #expect(idle.contactsObserved == 0)
        #expect(try await scenario.store.count() - eventsBefore <= 5)
        #expect((after.graph - before.graph) + (after.psa - before.psa) <= 5)
    }
}
