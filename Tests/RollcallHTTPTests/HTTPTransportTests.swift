// Rollcall's HTTP/1.1 client against a scripted loopback server: what goes on the wire, connection reuse, and each
// way an exchange can fail.

import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import RollcallHTTP

@Suite("HTTP transport")
struct HTTPTransportTests {
    private func fetch(
        _ url: String, method: HTTPMethod = .GET, headers: HTTPHeaders = [:], body: String? = nil,
        timeout: TimeAmount = .seconds(5), maxBody: Int = 1 << 20
    ) async throws -> HTTPAnswer {
        try await HTTPTransport.fetch(
            method, url, headers: headers, body: body.map { Data($0.utf8) }, timeout: timeout, maxBody: maxBody)
    }

    private func fetchError(
        _ url: String, method: HTTPMethod = .GET, timeout: TimeAmount = .seconds(5), maxBody: Int = 1 << 20
    ) async -> HTTPFetchError? {
        do {
            _ = try await fetch(url, method: method, timeout: timeout, maxBody: maxBody)
            return nil
        } catch {
            return error as? HTTPFetchError
        }
    }

    @Test("a request goes out with its Host, Content-Length and body; three in a row share one connection")
    func keepAlive() async throws {
        let server = try await ScriptedServer { index, _ in
            .bytes("HTTP/1.1 201 Created\r\nContent-Length: 12\r\nX-Index: \(index)\r\n\r\n{\"itemId\":\(index)}")
        }
        defer { Task { try? await server.stop() } }
        var answers: [HTTPAnswer] = []
        for _ in 0..<3 {
            answers.append(try await fetch(
                server.url("/V1.0/Contacts?x=1"), method: .POST, headers: ["ApiIntegrationCode": "CODE"], body: #"{"firstName":"Ann"}"#))
        }
        #expect(answers.map(\.status) == [201, 201, 201])
        #expect(answers.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"itemId":0}"#, #"{"itemId":1}"#, #"{"itemId":2}"#])
        #expect(answers.map { $0.headers.first(name: "X-Index") } == ["0", "1", "2"])
        let seen = server.requests
        #expect(server.connections == 1)
        #expect(seen.map(\.connection) == [0, 0, 0])
        let first = try #require(seen.first).text
        #expect(first.hasPrefix("POST /V1.0/Contacts?x=1 HTTP/1.1\r\n"))
        #expect(first.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(first.contains("\r\nContent-Length: 19\r\n"))
        #expect(first.contains("\r\nApiIntegrationCode: CODE\r\n"))
        #expect(first.hasSuffix("\r\n\r\n{\"firstName\":\"Ann\"}"))
    }

    @Test("a chunked answer is collected whole")
    func chunked() async throws {
        let server = try await ScriptedServer { _, _ in
            .bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n7\r\n, world\r\n0\r\n\r\n")
        }
        defer { Task { try? await server.stop() } }
        let answer = try await fetch(server.url())
        #expect(answer.status == 200)
        #expect(String(decoding: answer.body, as: UTF8.self) == "Hello, world")
    }

    @Test("an answer with Connection: close is not reused: the next request opens a new connection")
    func connectionClose() async throws {
        let server = try await ScriptedServer { _, _ in
            .bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", close: true)
        }
        defer { Task { try? await server.stop() } }
        _ = try await fetch(server.url())
        let second = try await fetch(server.url())
        #expect(String(decoding: second.body, as: UTF8.self) == "ok")
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test("a kept-alive connection the server closes while idle is not used again")
    func staleIdleConnection() async throws {
        let server = try await ScriptedServer { index, _ in
            // Answers as if keeping the connection, then closes it anyway (a server's idle timeout).
            .bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n\(index)", close: index == 0)
        }
        defer { Task { try? await server.stop() } }
        _ = try await fetch(server.url())
        try await Task.sleep(for: .milliseconds(200))
        let second = try await fetch(server.url())
        #expect(String(decoding: second.body, as: UTF8.self) == "1")
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test("a gzip answer is unpacked, and the request says it accepts gzip")
    func gzip() async throws {
        // "hello gzip", gzip-compressed.
        let packed: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x48, 0xaf,
            0xca, 0x2c, 0x00, 0x00, 0x19, 0x6a, 0xd2, 0xdf, 0x0a, 0x00, 0x00, 0x00,
        ]
        let server = try await ScriptedServer { _, _ in
            .raw(Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(packed.count)\r\n\r\n".utf8) + packed)
        }
        defer { Task { try? await server.stop() } }
        let answer = try await fetch(server.url())
        #expect(String(decoding: answer.body, as: UTF8.self) == "hello gzip")
        #expect(try #require(server.requests.first).text.lowercased().contains("\r\naccept-encoding: deflate, gzip\r\n"))
    }

    @Test("a refused connection fails before sending, so even a create may be sent again")
    func refused() async throws {
        let server = try await ScriptedServer()
        let url = server.url()
        try await server.stop()
        let error = try #require(await fetchError(url, method: .POST))
        #expect(error.kind == .connectFailed)
        #expect(error.beforeSending)
    }

    @Test("a server that closes without answering fails the exchange as possibly sent")
    func closedWithoutAnswer() async throws {
        let server = try await ScriptedServer { _, _ in .close }
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError(server.url(), method: .POST))
        #expect(error.kind == .connectionClosed)
        #expect(!error.beforeSending)
    }

    @Test("an answer cut off before its Content-Length is not taken for a whole one")
    func cutOff() async throws {
        let server = try await ScriptedServer { _, _ in .cutOff("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"items\":[") }
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError(server.url()))
        #expect(error.kind == .connectionClosed)
    }

    @Test("an answer over the body limit fails, and its connection is not reused")
    func tooLarge() async throws {
        let big = String(repeating: "x", count: 5000)
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n\(big)") }
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError(server.url(), maxBody: 4096))
        #expect(error.kind == .bodyTooLarge)
        let answer = try await fetch(server.url(), maxBody: 8192)
        #expect(answer.body.count == 5000)
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test("a server that never answers times the exchange out, and the connection is dropped")
    func timeout() async throws {
        let server = try await ScriptedServer { index, _ in
            index == 0 ? .hang : .bytes("HTTP/1.1 204 No Content\r\n\r\n")
        }
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError(server.url(), timeout: .milliseconds(300)))
        #expect(error.kind == .timedOut)
        let answer = try await fetch(server.url())
        #expect(answer.status == 204)
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test("cancelling the calling task ends the exchange at once")
    func cancel() async throws {
        let server = try await ScriptedServer { _, _ in .hang }
        defer { Task { try? await server.stop() } }
        let task = Task { try await fetch(server.url(), timeout: .seconds(60)) }
        while server.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test("TLS to a server that does not speak it fails before sending")
    func tlsRefused() async throws {
        let server = try await ScriptedServer(raw: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError("https://127.0.0.1:\(server.port)/x", method: .POST))
        #expect(error.kind == .tlsFailed)
        #expect(error.beforeSending)
    }

    @Test("URLs are read without Foundation: scheme, host, port, request target; unusable ones are refused")
    func targets() throws {
        let plain = try HTTPTarget("http://127.0.0.1:8080/V1.0/Contacts/query?search=%7B%7D#frag")
        #expect(plain.endpoint == HTTPEndpoint(secure: false, host: "127.0.0.1", port: 8080))
        #expect(plain.authority == "127.0.0.1:8080")
        #expect(plain.requestTarget == "/V1.0/Contacts/query?search=%7B%7D")
        let secure = try HTTPTarget("HTTPS://webservices5.autotask.net")
        #expect(secure.endpoint == HTTPEndpoint(secure: true, host: "webservices5.autotask.net", port: 443))
        #expect(secure.requestTarget == "/")
        let query = try HTTPTarget("http://host?a=b")
        #expect(query.endpoint.port == 80 && query.requestTarget == "/?a=b")
        let six = try HTTPTarget("http://[::1]:9000/p")
        #expect(six.endpoint.host == "::1" && six.endpoint.port == 9000 && six.authority == "[::1]:9000")
        for bad in [
            "ftp://host/", "host/path", "http:///path", "http://user:secret@host/", "http://host:0/", "http://host:99999/",
            "http://host:8x/", "http://host/a b", "http://host/\u{e9}", "http://[::1/", "http://:80/",
        ] {
            #expect(throws: HTTPFetchError.self, "\(bad)") { try HTTPTarget(bad) }
        }
        #expect((try? HTTPTarget("http://user:secret@host/")) == nil)
        do {
            _ = try HTTPTarget("http://user:secret@host/")
        } catch {
            #expect(error.kind == .invalidURL && error.beforeSending)
        }
    }
}
