// Autotask and ConnectWise answers a hostile or broken server sends: nonsense Retry-After values, impossible budget
// counts, next-page links and zones on other servers, redirects. None may crash Rollcall or carry credentials away.

@testable import Autotask
import ConnectWise
import ContactSync
import Emulators
import Foundation
import Logging
import Testing

private let company = 29_683_616

@Suite("PSA answers from a hostile server")
struct HostileAnswerTests {
    static let badRetryAfter = ["nan", "inf", "1e300", "-5", "garbage", "Fri, 31 Dec 9999 23:59:59 GMT"]

    @Test("Autotask: Retry-After nan, inf, 1e300, -5, garbage and a date in 9999 are ignored; the read waits its own backoff and finishes")
    func autotaskRetryAfter() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3), maxRetries: 8)
        defer { Task { await harness.stop() } }
        for value in Self.badRetryAfter {
            await harness.emulator.control.inject(AutotaskEmulator.throttleFault(retryAfter: value, pathContains: "/Contacts/query"))
        }
        #expect(try await harness.connection.contacts(companyId: company, modifiedSince: nil).count == 3)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0/Contacts/query"] == 7)
        #expect(harness.log.all.filter { $0.contains("retrying Autotask request") }.count == 6)
    }

    @Test("Autotask: a ThresholdInformation count near Int.max stops the run as an exhausted budget; negative or Int.min counts are refused naming the server")
    func autotaskThreshold() async throws {
        for (used, limit, kind) in [
            ("9223372036854775807", "10000", PSAError.Kind.budgetExhausted), ("-9223372036854775808", "10000", .unexpectedResponse),
            ("-5", "10000", .unexpectedResponse), ("0", "-9223372036854775808", .unexpectedResponse),
            ("0", "9223372036854775807", nil as PSAError.Kind?),
        ] {
            let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 1))
            let body = #"{"externalRequestThreshold":\#(limit),"requestThresholdTimeframe":60,"currentTimeframeRequestCount":\#(used)}"#
            await harness.emulator.control.inject(
                Fault(.status(code: 200, retryAfter: nil, body: body), pathContains: "/ThresholdInformation", count: nil))
            await harness.connection.beginRun()
            do {
                // A write: the budget is read by the first write of a run, not by reads.
                let fields = ContactFields(firstName: "New", lastName: "Hire", email: "new.hire@contoso.example")
                _ = try await harness.connection.write(.create(NewContact(fields: fields, siteId: nil)), companyId: company, current: nil)
                #expect(kind == nil, "used \(used), limit \(limit) let a request through")
            } catch let error as PSAError {
                #expect(error.kind == kind, "used \(used), limit \(limit): \(error)")
                #expect(error.message.contains(harness.host.baseURL.replacingOccurrences(of: "http://", with: "")))
            }
            await harness.stop()
        }
    }

    @Test("Autotask: a nextPageUrl on another port fails the read naming both servers, and nothing is sent there")
    func autotaskNextPageElsewhere() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3))
        defer { Task { await harness.stop() } }
        let page = #"{"items":[],"pageDetails":{"count":0,"requestCount":500,"prevPageUrl":null,"nextPageUrl":"http://127.0.0.1:1/ATServicesRest/V1.0/Contacts/query?paging=1"}}"#
        await harness.emulator.control.inject(Fault(.status(code: 200, retryAfter: nil, body: page), pathContains: "/Contacts/query"))
        let error = await #expect(throws: PSAError.self) { try await harness.connection.contacts(companyId: company, modifiedSince: nil) }
        #expect(error?.message.contains("127.0.0.1:1") == true)
        #expect(error?.message.contains(harness.host.baseURL) == true)
    }

    @Test("Autotask: a nextPageUrl that comes back is followed once, then the read stops instead of looping")
    func autotaskNextPageLoop() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3))
        defer { Task { await harness.stop() } }
        let page = #"{"items":[],"pageDetails":{"count":0,"requestCount":500,"prevPageUrl":null,"nextPageUrl":"\#(harness.api)Contacts/query?paging=same"}}"#
        await harness.emulator.control.inject(Fault(.status(code: 200, retryAfter: nil, body: page), pathContains: "/Contacts/query", count: nil))
        let error = await #expect(throws: PSAError.self) { try await harness.connection.contacts(companyId: company, modifiedSince: nil) }
        #expect(error?.message.contains("same next page again") == true)
        #expect(await harness.emulator.control.requestCounts()["POST /ATServicesRest/V1.0/Contacts/query"] == 2)
    }

    @Test("Autotask: a redirect is not followed; the error names the server")
    func autotaskRedirect() async throws {
        let harness = try await AutotaskHarness.start(AutotaskHarness.fixture(contacts: 3))
        defer { Task { await harness.stop() } }
        await harness.emulator.control.inject(Fault(.status(code: 302, retryAfter: nil, body: ""), pathContains: "/Contacts/query"))
        let error = await #expect(throws: PSAError.self) { try await harness.connection.contacts(companyId: company, modifiedSince: nil) }
        #expect(error?.kind == .unexpectedResponse && error?.message.contains("redirect") == true)
    }

    @Test("Autotask: a discovered zone must be https under autotask.net, or the loopback server that was asked")
    func autotaskZone() throws {
        let discovery = "https://webservices.autotask.net/atservicesrest/"
        try AutotaskConnection.checkZone("https://webservices5.autotask.net/ATServicesRest/", discoveredAt: discovery)
        for zone in ["http://webservices5.autotask.net/ATServicesRest/", "https://autotask.net.evil.example/", "https://127.0.0.1:9/", "garbage"] {
            #expect(throws: PSAError.self, "\(zone)") { try AutotaskConnection.checkZone(zone, discoveredAt: discovery) }
        }
        try AutotaskConnection.checkZone("http://127.0.0.1:8080/ATServicesRest/", discoveredAt: "http://127.0.0.1:8080/atservicesrest/")
        #expect(throws: PSAError.self) { try AutotaskConnection.checkZone("http://127.0.0.1:9/ATServicesRest/", discoveredAt: "http://127.0.0.1:8080/atservicesrest/") }
    }

    @Test("ConnectWise: Retry-After nan, inf, 1e300, -5, garbage and a date in 9999 are ignored; the read finishes")
    func connectWiseRetryAfter() async throws {
        try await withConnectWise(maxRetries: 8) { rig in
            for value in Self.badRetryAfter {
                await rig.emulator.control.inject(Fault(.status(code: 429, retryAfter: value, body: nil), pathContains: "company/contacts", count: 1))
            }
            let contacts = try await rig.connection.contacts(companyId: 250, modifiedSince: nil)
            #expect(contacts.count == 20)
        }
    }

    @Test("ConnectWise: a redirect is not followed; the error names the server")
    func connectWiseRedirect() async throws {
        try await withConnectWise { rig in
            await rig.emulator.control.inject(Fault(.status(code: 307, retryAfter: nil, body: ""), pathContains: "company/contacts", count: 1))
            let error = await #expect(throws: PSAError.self) { try await rig.connection.contacts(companyId: 250, modifiedSince: nil) }
            #expect(error?.kind == .unexpectedResponse && error?.message.contains("redirect") == true)
            #expect(error?.message.contains(rig.host.baseURL.replacingOccurrences(of: "http://", with: "")) == true)
        }
    }
}
