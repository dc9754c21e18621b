// Test harness: a Graph emulator on loopback, clients pointed at it, and a log handler that keeps what was logged.

import AsyncHTTPClient
import ContactSync
import Emulators
import Foundation
import Logging
import MicrosoftGraph
import NIOCore
import RollcallTesting

/// A running emulator with one client per tenant; `stop()` shuts the server down.
struct GraphHarness {
    let emulator: GraphEmulator
    let host: EmulatorHost
    let logs = LogCapture()

    static let tenantId = "9b6c2c4e-7a51-4d7b-9c43-5d1f3e2a8b10"
    static let domain = "contoso.onmicrosoft.com"

    static func start(_ tenants: [GraphTenant]) async throws -> GraphHarness {
        let emulator = GraphEmulator(tenants: tenants)
        // Stopping a server with keep-alive connections open logs at error level; that is not what tests look at.
        var quiet = Logger(label: "rollcall.emulator.graph.test")
        quiet.logLevel = .critical
        let host = try await emulator.start(logger: quiet)
        return GraphHarness(emulator: emulator, host: host)
    }

    /// A small hand-written tenant: three users, two SKUs, a nested group.
    static func smallTenant() -> GraphTenant {
        GraphTenant(
            tenantId: tenantId, domain: domain, clientId: GraphTenant.demoClientId, clientSecret: "s3cret-value",
            skus: [GraphTenant.businessPremium, GraphTenant.exchangeStandard],
            users: [
                GraphUser(
                    id: "11111111-0000-4000-8000-000000000001", userPrincipalName: "adele@contoso.onmicrosoft.com",
                    displayName: "Adele Vance", givenName: "Adele", surname: "Vance", mail: "adele@contoso.onmicrosoft.com",
                    jobTitle: "Retail Manager", businessPhones: ["+1 425 555 0109"], accountEnabled: true,
                    assignedLicenses: [.init(skuId: GraphTenant.businessPremium.skuId)], department: "Retail",
                    onPremisesExtensionAttributes: ["extensionAttribute3": "VIP"]),
                GraphUser(
                    id: "11111111-0000-4000-8000-000000000002", userPrincipalName: "diego@contoso.onmicrosoft.com",
                    displayName: "Diego Siciliani", givenName: "Diego", surname: "Siciliani",
                    mail: "diego@contoso.onmicrosoft.com", accountEnabled: true,
                    assignedLicenses: [.init(skuId: GraphTenant.exchangeStandard.skuId)], department: "HR"),
                GraphUser(
                    id: "11111111-0000-4000-8000-000000000003", userPrincipalName: "scanner@contoso.onmicrosoft.com",
                    displayName: "Scanner", accountEnabled: false),
            ],
            groups: [
                GraphGroup(id: "22222222-0000-4000-8000-000000000001", displayName: "Management",
                           members: ["11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002"]),
                GraphGroup(id: "22222222-0000-4000-8000-000000000002", displayName: "Board",
                           members: ["11111111-0000-4000-8000-000000000002", "11111111-0000-4000-8000-000000000001"]),
            ])
    }

    func client(
        tenant: String = GraphHarness.tenantId, clientId: String = GraphTenant.demoClientId,
        secret: String = "s3cret-value", company: String = "Contoso", maxRetries: Int = 4
    ) -> GraphClient {
        let configuration = GraphConfiguration(
            loginURL: host.baseURL, graphURL: host.baseURL, tenant: tenant, clientId: clientId, clientSecret: secret,
            companyName: company, maxRetries: maxRetries, retryBaseDelay: 0.005, maxRetryDelay: 0.2, requestTimeout: 10)
        return GraphClient(configuration: configuration, logger: logs.logger(label: "rollcall.graph.test", level: .debug))
    }

    func stop() async { await host.stop() }

    /// A raw request to the emulator, for checking answers against the reference.
    func raw(
        _ path: String, method: String = "GET", headers: [(String, String)] = [], body: String? = nil
    ) async throws -> (status: Int, headers: [String: String], json: Any?, text: String) {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : host.baseURL + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let text = String(buffer: bytes)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return (Int(response.status.code), fields, try? JSONSerialization.jsonObject(with: Data(text.utf8)), text)
    }

    /// A bearer token for the tenant, fetched over HTTP.
    func bearer(tenant: String = GraphHarness.tenantId, secret: String = "s3cret-value") async throws -> String {
        let form = "client_id=\(GraphTenant.demoClientId)&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_secret=\(secret)&grant_type=client_credentials"
        let answer = try await raw("/\(tenant)/oauth2/v2.0/token", method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form)
        return ((answer.json as? [String: Any])?["access_token"] as? String) ?? ""
    }
}
