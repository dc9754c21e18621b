// More of the end-to-end harness: the log as domain events, PSA edits, adds and deletes, and rollcall.yaml edits.

import ContactSync
import Emulators
import EventLog
import Foundation
import SyncEngine

extension Scenario {
    /// Every event of a company, decoded, in log order.
    func events(_ company: String) async throws -> [EventEnvelope] {
        var all: [EventEnvelope] = []
        for try await envelope in engine.log(for: company).envelopes() { all.append(envelope) }
        return all
    }

    /// The company's events of one run (by correlation: the event ids carry the run id).
    func events(_ company: String, run runId: String) async throws -> [EventEnvelope] {
        try await events(company).filter { ($0.eventId ?? "").hasPrefix("\(company)/\(runId)/") }
    }

    /// The PSA emulator's control (request counting, faults).
    var psaControl: EmulatorControl {
        switch psa {
        case .autotask: running.autotask.control
        case .connectwise: running.connectwise.control
        }
    }

    /// Deletes a contact in the PSA behind Rollcall's back.
    func deleteInPSA(_ contactId: Int) async -> Bool {
        switch psa {
        case .autotask: await running.autotask.deleteContact(id: contactId)
        case .connectwise: await running.connectwise.deleteContact(id: contactId)
        }
    }

    /// Edits a contact's last name in the PSA behind Rollcall's back.
    func editInPSA(_ contactId: Int, lastName: String) async throws {
        switch psa {
        case .autotask: _ = try await running.autotask.editContact(id: contactId, ["lastName": .string(lastName)])
        case .connectwise: try await running.connectwise.editContact(id: contactId) { $0.lastName = lastName }
        }
    }

    /// Edits a contact's primary email in the PSA behind Rollcall's back.
    func editInPSA(_ contactId: Int, email: String) async throws {
        switch psa {
        case .autotask: _ = try await running.autotask.editContact(id: contactId, ["emailAddress": .string(email)])
        case .connectwise:
            try await running.connectwise.editContact(id: contactId) { contact in
                if let index = contact.communicationItems.firstIndex(where: { $0.typeId == 13 && $0.defaultFlag }) {
                    contact.communicationItems[index].value = email
                }
            }
        }
    }

    /// Adds a contact to a company in the PSA, as the MSP made it by hand; `otherEmail` is a secondary email
    /// (Autotask `emailAddress2`, ConnectWise a non-default Email item). Returns its id.
    func addInPSA(
        _ company: String, first: String, last: String, email: String?, otherEmail: String? = nil, active: Bool = true
    ) async -> Int {
        let companyId = companyIdOf[company]!
        let site = company == "Contoso" ? 1001 : 2001
        switch psa {
        case .autotask:
            return await running.autotask.addContact(AutotaskFixture.Contact(
                id: 0, companyID: companyId, firstName: first, lastName: last, emailAddress: email, emailAddress2: otherEmail,
                isActive: active ? 1 : 0, companyLocationID: site))
        case .connectwise:
            var items: [ConnectWiseFixture.CommunicationItem] = []
            if let email { items.append(.init(typeId: 13, value: email, defaultFlag: true)) }
            if let otherEmail { items.append(.init(typeId: 13, value: otherEmail, defaultFlag: false)) }
            return await running.connectwise.addContact(ConnectWiseFixture.Contact(
                id: 0, companyId: companyId, firstName: first, lastName: last, siteId: site, inactiveFlag: !active,
                typeIds: [1], communicationItems: items))
        }
    }

    /// The one contact holding a sample user's UPN; nil when there is none or more than one.
    func only(_ company: String, _ first: String, _ last: String) async -> HeldContact? {
        let found = await contact(company, email: Scenario.upn(first, last, company))
        return found.count == 1 ? found[0] : nil
    }

    /// The emulated Graph tenant of a company.
    func tenant(_ company: String) -> String { tenantOf[company]! }
}

/// Edits of the sample rollcall.yaml, by company block.
enum YAML {
    /// Replaces `key: old` with `key: new` inside one company's block only.
    static func set(_ yaml: String, company: String, _ key: String, _ value: String) -> String {
        var blocks = yaml.components(separatedBy: "\n  - name: ")
        guard let index = blocks.firstIndex(where: { $0.hasPrefix(company + "\n") }) else { return yaml }
        var lines = blocks[index].components(separatedBy: "\n")
        if let line = lines.firstIndex(where: { $0.hasPrefix("    \(key):") }) {
            lines[line] = "    \(key): \(value)"
        } else {
            lines.insert("    \(key): \(value)", at: 1)
        }
        blocks[index] = lines.joined(separator: "\n")
        return blocks.joined(separator: "\n  - name: ")
    }

    /// Replaces one company's filters (none when `filters` is empty) with the given flow mappings.
    static func filters(_ yaml: String, company: String, _ filters: [String]) -> String {
        var blocks = yaml.components(separatedBy: "\n  - name: ")
        guard let index = blocks.firstIndex(where: { $0.hasPrefix(company + "\n") }) else { return yaml }
        var lines = blocks[index].components(separatedBy: "\n")
        if let start = lines.firstIndex(of: "    filters:") {
            var end = start + 1
            while end < lines.count, lines[end].hasPrefix("      ") { end += 1 }
            lines.removeSubrange(start..<end)
        }
        if !filters.isEmpty {
            let at = lines.lastIndex { $0.hasPrefix("    ") }.map { $0 + 1 } ?? lines.count
            lines.insert(contentsOf: ["    filters:"] + filters.map { "      - \($0)" }, at: at)
        }
        blocks[index] = lines.joined(separator: "\n")
        return blocks.joined(separator: "\n  - name: ")
    }

    /// Adds raw lines (indented as company keys) to one company's block.
    static func add(_ yaml: String, company: String, _ raw: String) -> String {
        var blocks = yaml.components(separatedBy: "\n  - name: ")
        guard let index = blocks.firstIndex(where: { $0.hasPrefix(company + "\n") }) else { return yaml }
        var lines = blocks[index].components(separatedBy: "\n")
        let at = lines.lastIndex { $0.hasPrefix("    ") }.map { $0 + 1 } ?? lines.count
        lines.insert(contentsOf: raw.components(separatedBy: "\n"), at: at)
        blocks[index] = lines.joined(separator: "\n")
        return blocks.joined(separator: "\n  - name: ")
    }
}

extension Array where Element == EventEnvelope {
    /// The events of one type name.
    func of(_ type: String) -> [EventEnvelope] { filter { $0.event.typeName == type } }
}
