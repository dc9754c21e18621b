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

    @Test("a connection idle longer than servers commonly keep one (five seconds) is not used again")
    func idleLimit() async throws {
        let server = try await ScriptedServer { index, _ in .bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n\(index)") }
        defer { Task { try? await server.stop() } }
        _ = try await fetch(server.url())
        _ = try await fetch(server.url())
        try await Task.sleep(for: .milliseconds(4_300))
        let third = try await fetch(server.url())
        #expect(String(decoding: third.body, as: UTF8.self) == "2")
        #expect(server.requests.map(\.connection) == [0, 0, 1])
    }

    @Test("answers are not asked for compressed, and one compressed anyway is refused with a clear error")
    func compressedRefused() async throws {
        let server = try await ScriptedServer { _, _ in
            .bytes("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc")
        }
        defer { Task { try? await server.stop() } }
        let error = try #require(await fetchError(server.url()))
        #expect(error.kind == .malformedAnswer && error.message.contains("gzip"))
        #expect(try #require(server.requests.first).text.lowercased().contains("accept-encoding") == false)
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
        #expect(server.requests.map(\.connection) == [0, 0, 0])
    }

    @Test("bytes after a whole answer (a sloppy server's extra CRLF) leave the answer whole, and the connection is not reused")
    func excessBytes() async throws {
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n") }
        defer { Task { try? await server.stop() } }
        for _ in 0..<2 {
            let answer = try await fetch(server.url())
            #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self) == "ok")
        }
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test("a header that would break the request line is refused before anything is sent")
    func headerInjection() async throws {
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 204 No Content\r\n\r\n") }
        defer { Task { try? await server.stop() } }
        for headers: HTTPHeaders in [["Secret": "abc\r\nX-Evil: 1"], ["Bad Name": "x"], ["Secret": "a\u{0}b"]] {
            do {
                _ = try await fetch(server.url(), headers: headers)
                Issue.record("\(headers) was sent")
            } catch let error as HTTPFetchError {
                #expect(error.kind == .invalidRequest && error.beforeSending)
            }
        }
        #expect(server.requests.isEmpty)
    }

    @Test("answers that are not HTTP/1.x are refused: a bad status line, a folded header, two lengths, a bad chunk size")
    func malformed() async throws {
        let answers = [
            "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ]
        for answer in answers {
            let server = try await ScriptedServer { _, _ in .bytes(answer) }
            let error = await fetchError(server.url())
            #expect(error?.kind == .malformedAnswer, "\(answer.debugDescription)")
            try await server.stop()
        }
    }

    @Test("a refused connection fails before sending, so even a create may be sent again")
    func refused() async throws {
        // Port 1: nothing listens there, and no server of another test can be given it (a stopped server's port can).
        let error = try #require(await fetchError("http://127.0.0.1:1/Contacts", method: .POST))
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

    @Test("an answer read a byte at a time is the same as one read at once: chunked with extensions and trailers")
    func byteAtATime() throws {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Request-Id: 7\r\n\r\n"
            + "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n"
        var whole = ResponseReader(maxBody: 1000, headRequest: false)
        var all = ByteBuffer(string: wire)
        #expect(try whole.read(&all))
        var pieces = ResponseReader(maxBody: 1000, headRequest: false)
        // A stray CRLF before the status line (left over from an earlier answer) is skipped.
        var stray = ByteBuffer(string: "\r\n")
        #expect(try !pieces.read(&stray))
        var done = false
        for (index, byte) in wire.utf8.enumerated() {
            var one = ByteBuffer(bytes: [byte])
            done = try pieces.read(&one)
            #expect(done == (index == wire.utf8.count - 1))
        }
        for reader in [whole, pieces] {
            #expect(reader.status == 200 && reader.headers.first(name: "x-request-id") == "7" && reader.keepsAlive)
            #expect(String(buffer: reader.body) == "Wikipedia in\r\n\r\nchunks.")
        }
    }
}
