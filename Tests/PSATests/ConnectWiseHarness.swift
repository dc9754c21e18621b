// Shared set-up for the ConnectWise tests: an emulator on loopback and a connection to it.

import AsyncHTTPClient
import ConnectWise
import ContactSync
import Emulators
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A running ConnectWise emulator and a client connection pointed at it.
struct ConnectWiseRig {
    let emulator: ConnectWiseEmulator
    let host: EmulatorHost
    let connection: ConnectWiseConnection
    let configuration: ConnectWiseConfiguration

    /// The API base URL of the running emulator.
    var apiBase: String { host.baseURL + ConnectWiseEmulator.apiRoot }

    /// Another connection to the same emulator with changed settings.
    func connection(_ change: (inout ConnectWiseConfiguration) -> Void) -> ConnectWiseConnection {
        var configuration = self.configuration
        change(&configuration)
        return ConnectWiseConnection(configuration: configuration, logger: Logger(label: "test.connectwise"))
    }

    /// Raw request against the emulator with the fixture's credentials (for emulator checks).
    func raw(_ method: HTTPMethod, _ pathAndQuery: String, body: String? = nil, authorized: Bool = true) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: host.baseURL + pathAndQuery)
        request.method = method
        if authorized {
            let credentials = ConnectWiseFixture.syntheticCredentials
            let token = Data("\(credentials.company)+\(credentials.publicKey):\(credentials.privateKey)".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(token)")
            request.headers.add(name: "clientId", value: credentials.clientId ?? "")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), response.headers, String(buffer: bytes))
    }
}

/// Runs `body` against a fresh emulator over `fixture`, stopping the emulator afterwards.
func withConnectWise<T>(
    _ fixture: ConnectWiseFixture = .synthetic(), maxRetries: Int = 3,
    _ body: (ConnectWiseRig) async throws -> T
) async throws -> T {
    let emulator = ConnectWiseEmulator(fixture: fixture)
    let host = try await emulator.start()
    let credentials = ConnectWiseFixture.syntheticCredentials
    let configuration = ConnectWiseConfiguration(
        baseURL: host.baseURL + ConnectWiseEmulator.apiRoot, company: credentials.company, publicKey: credentials.publicKey,
        privateKey: credentials.privateKey, clientId: credentials.clientId ?? "", maxRetries: maxRetries, retryBaseDelay: 0.001)
    let connection = ConnectWiseConnection(configuration: configuration, logger: Logger(label: "test.connectwise"))
    let rig = ConnectWiseRig(emulator: emulator, host: host, connection: connection, configuration: configuration)
    do {
        let result = try await body(rig)
        await host.stop()
        return result
    } catch {
        await host.stop()
        throw error
    }
}

/// Parses JSON text into Foundation objects for shape comparisons.
func jsonObject(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}
