// Microsoft Graph answers a hostile or broken server sends: nonsense Retry-After values, next and delta links on other
// servers, a next link that comes back. None may crash Rollcall or carry the bearer token away.

import ContactSync
import Emulators
import Foundation
import MicrosoftGraph
import Testing

@Suite("Graph answers from a hostile server")
struct HostileGraphTests {
    @Test("Retry-After nan, inf, 1e300, -5, garbage and a date in 9999 are ignored: the read waits its own backoff and finishes")
    func badRetryAfter() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        for value in ["nan", "inf", "1e300", "-5", "garbage", "Fri, 31 Dec 9999 23:59:59 GMT"] {
            await harness.emulator.control.inject(GraphEmulator.throttling(retryAfter: value, pathContains: "/v1.0/users", count: 1))
        }
        let read = try await harness.client(maxRetries: 8).fullRead()
        #expect(read.users.count == 3)
        let retries = harness.logs.entries.filter { $0.message.contains("retrying") }
        #expect(retries.count == 6)
        // The client's backoff is capped at 0.2 s in these tests: no value the server sent was waited for.
        #expect(retries.allSatisfy { Double("\($0.metadata["delaySeconds"] ?? "")").map { $0 <= 0.2 } == true })
    }

    @Test("a next link on another port fails the read naming both servers; nothing is sent there")
    func nextLinkElsewhere() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let page = #"{"value":[],"@odata.nextLink":"http://127.0.0.1:1/v1.0/users?$skiptoken=steal"}"#
        await harness.emulator.control.inject(
            Fault(.status(code: 200, retryAfter: nil, body: page), pathContains: "/v1.0/users", count: 1, after: 1))
        let error = await #expect(throws: DirectoryError.self) { try await harness.client().fullRead() }
        #expect(error?.message.contains("http://127.0.0.1:1") == true)
        #expect(error?.message.contains(harness.host.baseURL) == true)
    }

    @Test("a delta link from the log that points at another server is not followed: it counts as expired, so a full read takes its place; nothing is sent, the token included")
    func deltaLinkElsewhere() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let client = harness.client()
        let error = await #expect(throws: DirectoryError.self) {
            try await client.deltaRound(from: "https://graph.microsoft.com.evil.example/v1.0/users/delta?$deltatoken=x")
        }
        #expect(error?.kind == .resyncRequired)
        #expect(error?.message.contains("graph.microsoft.com.evil.example") == true)
        #expect(await harness.emulator.control.requestCount() == 0)
        #expect(await client.requestCount() == 0)
    }

    @Test("a delta link on another server, sent at the end of a round, fails the read and is not kept")
    func deltaLinkElsewhereOnReceipt() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let page = #"{"value":[],"@odata.deltaLink":"http://127.0.0.1:1/v1.0/users/delta?$deltatoken=steal"}"#
        await harness.emulator.control.inject(
            Fault(.status(code: 200, retryAfter: nil, body: page), pathContains: "/v1.0/users/delta", count: 1))
        let error = await #expect(throws: DirectoryError.self) { try await harness.client().fullRead() }
        #expect(error?.message.contains("http://127.0.0.1:1") == true)
    }

    @Test("a next link that comes back is followed once, then the read stops instead of looping")
    func nextLinkLoop() async throws {
        let harness = try await GraphHarness.start([GraphHarness.smallTenant()])
        defer { Task { await harness.stop() } }
        let page = #"{"value":[],"@odata.nextLink":"\#(harness.host.baseURL)/v1.0/users?$skiptoken=again"}"#
        await harness.emulator.control.inject(
            Fault(.status(code: 200, retryAfter: nil, body: page), pathContains: "/v1.0/users", count: nil, after: 1))
        let error = await #expect(throws: DirectoryError.self) { try await harness.client().fullRead() }
        #expect(error?.message.contains("same next page again") == true)
        #expect(await harness.emulator.control.requestCounts()["GET /v1.0/users"] == 2)
    }
}
