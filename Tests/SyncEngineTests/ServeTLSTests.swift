// `rollcall serve --tls-cert --tls-key`: the API and the console over https, the console's cookies marked Secure.

import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import Testing
import X509

@Suite("serve over TLS", .serialized)
struct ServeTLSTests {
    @Test("with --tls-cert and --tls-key, serve answers https only, and the console's session cookie is Secure, HttpOnly and SameSite=Strict")
    func servesHTTPS() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        // A self-signed certificate for 127.0.0.1, written as PEM files as an MSP would give them.
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("rollcall serve test") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(digitalSignature: true, keyCertSign: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(key))
        let certFile = space.folder.appendingPathComponent("serve.crt")
        let keyFile = space.folder.appendingPathComponent("serve.key")
        try String(certificate.serializeAsPEM().pemString).write(to: certFile, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)

        let port = KillResumeE2ETests.freePort()
        let served = try KillResumeE2ETests.Served(space, port: port, extra: ["--tls-cert", certFile.path, "--tls-key", keyFile.path])
        defer { served.stop() }
        #expect(await KillResumeE2ETests.eventually(20) { served.output.contains("console on https://") }, "serve started: \(served.output)")

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem)])
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        defer { _ = client.shutdown() }

        var health = HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz")
        health.headers.add(name: "Authorization", value: "Bearer kill-resume-test-token-0123456789")
        #expect(try await client.execute(health, timeout: .seconds(10)).status.code == 200)

        let login = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/console/login"), timeout: .seconds(10))
        let cookie = login.headers["Set-Cookie"].joined(separator: "; ")
        #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.lowercased().contains("samesite=strict"), "\(cookie)")

        // Plain http to the same port gets no answer a browser would use.
        let plain = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
        #expect(plain == nil || plain?.status.code != 200)
    }
}
