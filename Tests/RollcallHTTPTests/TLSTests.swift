// HTTPS through Rollcall's client: a server whose certificate is trusted is talked to (and its connection kept), one
// whose certificate is not is refused before a byte of the request leaves.

import Crypto
import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import Testing
import X509
@testable import RollcallHTTP

@Suite("HTTPS")
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1 and localhost, and the server's TLS context built on it.
    private static func certificate(maximum: TLSVersion? = nil) throws -> (certificate: NIOSSLCertificate, server: NIOSSLContext) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Rollcall test server") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(digitalSignature: true, keyCertSign: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let trusted = try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
        let privateKey = try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(trusted)], privateKey: .privateKey(privateKey))
        if let maximum {
            configuration.minimumTLSVersion = .tlsv1
            configuration.maximumTLSVersion = maximum
        }
        return (trusted, try NIOSSLContext(configuration: configuration))
    }

    @Test("a server with a trusted certificate answers over TLS")
    func trusted() async throws {
        let (certificate, context) = try Self.certificate()
        let server = try await ScriptedServer(tls: context) { index, _ in
            .bytes("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"itemId\":\(100 + index)}")
        }
        defer { Task { try? await server.stop() } }
        let service = HTTPService(trustRoots: [certificate])
        var bodies: [String] = []
        for _ in 0..<2 {
            let answer = try await service.fetch(
                .POST, "https://127.0.0.1:\(server.port)/V1.0/Contacts", headers: ["Secret": "s"], body: Data("{}".utf8),
                timeout: .seconds(10), maxBody: 1024)
            #expect(answer.status == 200)
            bodies.append(String(decoding: answer.body, as: UTF8.self))
        }
        #expect(bodies == [#"{"itemId":100}"#, #"{"itemId":101}"#])
        #expect(try #require(server.requests.first).text.hasPrefix("POST /V1.0/Contacts HTTP/1.1\r\n"))
        try await service.shutdown()
    }

    @Test("a server whose certificate is not trusted is refused before anything is sent")
    func untrusted() async throws {
        let (_, context) = try Self.certificate()
        let server = try await ScriptedServer(tls: context) { _, _ in .bytes("HTTP/1.1 204 No Content\r\n\r\n") }
        defer { Task { try? await server.stop() } }
        do {
            _ = try await HTTPService.shared.fetch(
                .POST, "https://127.0.0.1:\(server.port)/V1.0/Contacts", headers: [:], body: Data("{}".utf8),
                timeout: .seconds(10), maxBody: 1024)
            Issue.record("an untrusted server was talked to")
        } catch let error as HTTPFetchError {
            #expect(error.kind == .tlsFailed && error.beforeSending)
        }
        #expect(server.requests.isEmpty)
    }

    @Test("a trusted server that offers only TLS 1.1 or older is refused: TLS 1.2 is the minimum")
    func oldTLSRefused() async throws {
        let (certificate, context) = try Self.certificate(maximum: .tlsv11)
        let server = try await ScriptedServer(tls: context) { _, _ in .bytes("HTTP/1.1 204 No Content\r\n\r\n") }
        defer { Task { try? await server.stop() } }
        let service = HTTPService(trustRoots: [certificate])
        do {
            _ = try await service.fetch(
                .GET, "https://127.0.0.1:\(server.port)/", headers: [:], body: nil, timeout: .seconds(10), maxBody: 1024)
            Issue.record("a TLS 1.1 server was talked to")
        } catch let error as HTTPFetchError {
            #expect(error.kind == .tlsFailed && error.beforeSending)
        }
        #expect(server.requests.isEmpty)
        try await service.shutdown()
    }
}
