// Rollcall's HTTP on AsyncHTTPClient against a scripted loopback server: what goes on the wire, connection reuse, and
// each way an exchange can fail, including answers a hostile server would send.

import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import RollcallHTTP

@Suite("HTTP service")
struct HTTPServiceTests {
    private func fetch(
        _ url: String, method: HTTPMethod = .GET, headers: HTTPHeaders = [:], body: String? = nil,
        timeout: Duration = .seconds(5), maxBody: Int = 1 << 20
    ) async throws -> HTTPAnswer {
        try await HTTPService.shared.fetch(
            method, url, headers: headers, body: body.map { Data($0.utf8) }, timeout: timeout, maxBody: maxBody)
    }

    private func fetchError(
        _ url: String, method: HTTPMethod = .GET, headers: HTTPHeaders = [:], timeout: Duration = .seconds(5),
        maxBody: Int = 1 << 20
    ) async -> HTTPFetchError? {
        do {
            _ = try await fetch(url, method: method, headers: headers, timeout: timeout, maxBody: maxBody)
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
        // Its own service, keeping idle connections a minute: on a loaded machine the default four seconds can pass
        // between two requests of this test.
        let service = HTTPService(proxy: nil, trustRoots: nil, idleLimit: .seconds(60), readTimeout: .seconds(60))
        var answers: [HTTPAnswer] = []
        for _ in 0..<3 {
            answers.append(try await service.fetch(
                .POST, server.url("/V1.0/Contacts?x=1"), headers: ["ApiIntegrationCode": "CODE"],
                body: Data(#"{"firstName":"Ann"}"#.utf8), timeout: .seconds(10), maxBody: 1 << 20))
        }
        try await service.shutdown()
        #expect(answers.map(\.status) == [201, 201, 201])
        #expect(answers.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"itemId":0}"#, #"{"itemId":1}"#, #"{"itemId":2}"#])
        #expect(answers.map { $0.headers.first(name: "X-Index") } == ["0", "1", "2"])
        let seen = server.requests
        #expect(server.connections == 1)
        #expect(seen.map(\.connection) == [0, 0, 0])
        let first = try #require(seen.first).text
        let lower = first.lowercased()
        #expect(first.hasPrefix("POST /V1.0/Contacts?x=1 HTTP/1.1\r\n"))
        #expect(lower.contains("\r\nhost: 127.0.0.1:\(server.port)\r\n"))
        #expect(lower.contains("\r\ncontent-length: 19\r\n"))
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

    @Test("a compressed answer is inflated; one that inflates past the ratio limit (a zip bomb) is refused")
    func compressed() async throws {
        let small = try #require(Data(base64Encoded: "H4sIAAAAAAACA6tWKkvMKU1VslLKzEvLSSxJTVGqBQD0HRMlFAAAAA=="))
        let bomb = try #require(Data(base64Encoded: "H4sIAAAAAAACA+3BMQEAAADCoErrn84QvkABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHwG2nWmNwAAEAA="))
        let server = try await ScriptedServer { index, _ in
            let body = index == 0 ? small : bomb
            return .raw(Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + Array(body))
        }
        defer { Task { try? await server.stop() } }
        let answer = try await fetch(server.url())
        #expect(String(decoding: answer.body, as: UTF8.self) == #"{"value":"inflated"}"#)
        let error = try #require(await fetchError(server.url()))
        #expect(error.kind == .bodyTooLarge)
    }

    @Test("interim 1xx answers are skipped, a 204 has no body, and an HTTP/1.0 body runs until the close")
    func framings() async throws {
        let server = try await ScriptedServer { index, _ in
            switch index {
            case 0: .bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            case 1: .bytes("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n")
            default: .bytes("HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nuntil the end", close: true)
            }
        }
        defer { Task { try? await server.stop() } }
        let first = try await fetch(server.url())
        #expect(first.status == 200 && String(decoding: first.body, as: UTF8.self) == "ok")
        let second = try await fetch(server.url())
        #expect(second.status == 204 && second.body.isEmpty && second.headers.first(name: "x-a") == "1")
        let third = try await fetch(server.url())
        #expect(third.status == 200 && String(decoding: third.body, as: UTF8.self) == "until the end")
        #expect(third.headers.first(name: "X-Old") == "yes")
    }

    @Test("a header that would break the request line is refused before anything is sent")
    func headerInjection() async throws {
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 204 No Content\r\n\r\n") }
        defer { Task { try? await server.stop() } }
        for headers: HTTPHeaders in [["Secret": "abc\r\nX-Evil: 1"], ["Bad Name": "x"], ["Secret": "a\u{0}b"]] {
            let error = await fetchError(server.url(), headers: headers)
            #expect(error?.kind == .invalidRequest && error?.beforeSending == true, "\(headers)")
        }
        #expect(server.requests.isEmpty)
    }

    @Test("answers llhttp refuses are refused: bad status lines, two lengths, Transfer-Encoding with Content-Length, signed or bad chunk sizes, control characters in a header, an endless head")
    func malformed() async throws {
        let answers = [
            "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nHello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nHello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nHello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: a\u{1}b\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: 0123456789abcdef0123456789abcdef\r\n", count: 4000) + "Content-Length: 0\r\n\r\n",
        ]
        for answer in answers {
            let server = try await ScriptedServer { _, _ in .bytes(answer) }
            let error = await fetchError(server.url())
            #expect(error?.kind == .malformedAnswer, "\(answer.prefix(120).debugDescription): \(String(describing: error))")
            try await server.stop()
        }
    }

    @Test("a redirect is answered, not followed: the other server is never contacted")
    func redirectNotFollowed() async throws {
        let elsewhere = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        defer { Task { try? await elsewhere.stop() } }
        let server = try await ScriptedServer { _, _ in
            .bytes("HTTP/1.1 307 Temporary Redirect\r\nLocation: \(elsewhere.url("/steal"))\r\nContent-Length: 0\r\n\r\n")
        }
        defer { Task { try? await server.stop() } }
        let answer = try await fetch(server.url(), headers: ["Secret": "s3cr3t"])
        #expect(answer.status == 307)
        #expect(elsewhere.connections == 0)
    }

    @Test("plain http to a host that is not loopback is refused before anything is sent")
    func plainHTTPRefused() async throws {
        for url in ["http://webservices5.autotask.net/ATServicesRest/V1.0/Contacts", "http://10.0.0.1/x", "ftp://127.0.0.1/x", "not a url"] {
            let error = await fetchError(url)
            #expect(error?.kind == .invalidURL && error?.beforeSending == true, "\(url)")
        }
    }

    @Test("a refused connection fails at once, before sending, so even a create may be sent again")
    func refused() async throws {
        // Port 1: nothing listens there, and no server of another test can be given it (a stopped server's port can).
        let error = try #require(await fetchError("http://127.0.0.1:1/Contacts", method: .POST))
        #expect(error.kind == .connectFailed)
        #expect(error.beforeSending)
        #expect(error.message.contains("127.0.0.1:1") && error.message.contains("connection refused"))
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
        #expect(!error.beforeSending)
    }

    @Test("an answer over the body limit fails, and the next request is answered whole")
    func tooLarge() async throws {
        let big = String(repeating: "x", count: 5000)
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n\(big)") }
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError(server.url(), maxBody: 4096))
        #expect(error.kind == .bodyTooLarge)
        let answer = try await fetch(server.url(), maxBody: 8192)
        #expect(answer.body.count == 5000)
        #expect(server.requests.count == 2)
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

    @Test("a server that sends a head and then stalls mid-body times out within the request's deadline, as possibly sent")
    func stallAfterHead() async throws {
        let server = try await ScriptedServer { _, _ in
            .raw(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n".utf8))
        }
        defer { Task { try? await server.stop() } }
        let service = HTTPService.shared
        do {
            _ = try await service.fetch(.POST, server.url("/Contacts"), headers: [:], body: Data("{}".utf8), timeout: .milliseconds(400), maxBody: 1024)
            Issue.record("a stalled answer was taken for a whole one")
        } catch let error as HTTPFetchError {
            #expect(error.kind == .timedOut && !error.beforeSending)
        }
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

    @Test("a proxy is read from HTTPS_PROXY with NO_PROXY's exceptions; loopback never goes through it")
    func proxyFromEnvironment() throws {
        #expect(try HTTPProxy.fromEnvironment([:]) == nil)
        let proxy = try #require(try HTTPProxy.fromEnvironment(["HTTPS_PROXY": "http://user:pw@proxy.msp.example:3128", "NO_PROXY": "internal.example, .corp"]))
        #expect(proxy.host == "proxy.msp.example" && proxy.port == 3128)
        #expect(proxy.description == "proxy.msp.example:3128")
        #expect(!proxy.bypasses("graph.microsoft.com"))
        #expect(proxy.bypasses("127.0.0.1") && proxy.bypasses("localhost"))
        #expect(proxy.bypasses("api.internal.example") && proxy.bypasses("psa.corp"))
        #expect(throws: HTTPFetchError.self) { try HTTPProxy(url: "https://proxy:443") }
    }
}
