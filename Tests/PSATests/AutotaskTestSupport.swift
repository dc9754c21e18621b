// Helpers for the Autotask tests: a running emulator, a connection to it, raw HTTP, and a log that can be read back.

import AsyncHTTPClient
import Autotask
import ContactSync
import Emulators
import Foundation
import Logging
import RollcallTesting
import NIOCore

/// A started Autotask emulator and a connection to it; `stop()` shuts the server down.
struct AutotaskHarness {
    static let credentials = AutotaskFixture.Credentials(
        username: "api-user@msp.example", secret: "Sup3r-S3cret-Value", integrationCode: "TRACKING-ID-1")

    let emulator: AutotaskEmulator
    let host: EmulatorHost
    let connection: AutotaskConnection
    let log: LogCapture

    /// The REST base the connection uses (`{host}/ATServicesRest/V1.0/`).
    var api: String { host.baseURL + "/ATServicesRest/V1.0/" }

    static func start(
        _ fixture: AutotaskFixture, discover: Bool = false, maxRetries: Int = 3, budgetShare: Int = 100, budgetCeiling: Int = 100,
        secret: String = credentials.secret, timeout: Duration = .seconds(10)
    ) async throws -> AutotaskHarness {
        let emulator = AutotaskEmulator(fixture: fixture)
        let host = try await emulator.start()
        let configuration = AutotaskConfiguration(
            username: credentials.username, secret: secret, integrationCode: credentials.integrationCode,
            baseURL: discover ? nil : host.baseURL + "/ATServicesRest/",
            discoveryURL: host.baseURL + "/atservicesrest/", maxRetries: maxRetries,
            retryBaseDelay: .milliseconds(2), requestTimeout: timeout, budgetShare: budgetShare, budgetCeiling: budgetCeiling)
        let log = LogCapture()
        let logger = log.logger(label: "test.autotask")
        let connection = AutotaskConnection(configuration: configuration, logger: logger)
        return AutotaskHarness(emulator: emulator, host: host, connection: connection, log: log)
    }

    /// A fixture with one company (29683616, locations 296836161 and 296836162) and `count` synthetic contacts.
    static func fixture(contacts count: Int, threshold: Int = 10_000, used: Int = 0) -> AutotaskFixture {
        var fixture = AutotaskFixture.synthetic(contacts: count, credentials: credentials)
        fixture.companies.append(.init(id: 555, name: "Fabrikam", locations: [.init(id: 5551, name: "Main")]))
        fixture.requestThreshold = threshold
        fixture.requestsUsedBeforeStart = used
        return fixture
    }

    func stop() async { await host.stop() }

    /// Sends one raw request to the emulator and answers the status and the body.
    func raw(
        _ method: String, _ path: String, body: String? = nil, authenticated: Bool = true, headers: [(String, String)] = []
    ) async throws -> (status: Int, body: String) {
        let url = path.hasPrefix("http") ? path : host.baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if authenticated {
            request.headers.add(name: "ApiIntegrationcode", value: Self.credentials.integrationCode)
            request.headers.add(name: "UserName", value: Self.credentials.username)
            request.headers.add(name: "Secret", value: Self.credentials.secret)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), String(buffer: buffer))
    }
}

/// Parses JSON text into nested dictionaries and arrays.
func autotaskJSON(_ text: String) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

