// The one request policy: Retry-After read without trusting it, backoff bounds, origins, saturating numbers, page
// trails, and HTTPRequester's retries against a scripted loopback server (waits recorded, not slept).

import Foundation
import Logging
import NIOHTTP1
import Synchronization
import Testing
@testable import RollcallHTTP

@Suite("Request policy")
struct RequestPolicyTests {
    @Test("Retry-After: seconds and HTTP dates are read and clamped to 0…120 s; NaN, infinities, negatives, huge values, far dates and garbage count as absent")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryAfter.delay("30", now: now) == .seconds(30))
        #expect(RetryAfter.delay(" 1.5 ", now: now) == .milliseconds(1500))
        #expect(RetryAfter.delay("0", now: now) == .zero)
        #expect(RetryAfter.delay("3600", now: now) == .seconds(120))
        for bad in ["nan", "NaN", "inf", "-inf", "infinity", "1e300", "1e3", "-5", "garbage", "", "5 seconds", "0x10", "99999999999999999999999"] {
            #expect(RetryAfter.delay(bad, now: now) == nil, "\(bad)")
        }
        #expect(RetryAfter.delay(nil, now: now) == nil)
        let soon = now.addingTimeInterval(45)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.delay(formatter.string(from: soon), now: now) == .seconds(45))
        #expect(RetryAfter.delay(formatter.string(from: now.addingTimeInterval(-60)), now: now) == .zero)
        #expect(RetryAfter.delay(formatter.string(from: now.addingTimeInterval(600)), now: now) == .seconds(120))
        #expect(RetryAfter.delay("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == nil)
    }

    @Test("backoff doubles from the base with jitter and never passes the cap, even after very many retries")
    func backoff() {
        let policy = RequestPolicy(maxRetries: 100, baseDelay: .seconds(1), maxDelay: .seconds(10), timeout: .seconds(5), maxBody: 1)
        for _ in 0..<50 {
            let first = policy.backoff(0)
            #expect(first >= .milliseconds(500) && first < .milliseconds(1500))
            let third = policy.backoff(2)
            #expect(third >= .seconds(2) && third < .seconds(6))
            #expect(policy.backoff(1_000_000) <= .seconds(10))
        }
        #expect(RequestPolicy(maxRetries: 1, baseDelay: .seconds(1), maxDelay: .seconds(9999), timeout: .seconds(1), maxBody: 1).maxDelay == .seconds(120))
    }

    @Test("an origin admits only its own scheme, host and port; loopback is told apart")
    func origins() throws {
        let origin = try #require(HTTPOrigin("https://graph.microsoft.com"))
        #expect(origin.port == 443 && origin.server == "graph.microsoft.com:443")
        #expect(origin.admits("https://graph.microsoft.com/v1.0/users?$skiptoken=x"))
        #expect(origin.admits("https://GRAPH.microsoft.com:443/v1.0/users"))
        for other in ["http://graph.microsoft.com/v1.0/users", "https://graph.microsoft.com:8443/x", "https://evil.example/x",
                      "https://graph.microsoft.com.evil.example/x", "//graph.microsoft.com/x", "garbage", ""] {
            #expect(!origin.admits(other), "\(other)")
        }
        let local = try #require(HTTPOrigin("http://127.0.0.1:8080/ATServicesRest/"))
        #expect(local.isLoopback && local.server == "127.0.0.1:8080")
        #expect(!local.admits("http://127.0.0.1:8081/ATServicesRest/V1.0/Contacts/query"))
        do {
            try local.check("http://127.0.0.1:9/x", what: "Autotask's next page link")
            Issue.record("another port was admitted")
        } catch {
            #expect(error.description.contains("127.0.0.1:9") && error.description.contains("127.0.0.1:8080"))
        }
        #expect(HTTPOrigin.isLoopback("localhost") && HTTPOrigin.isLoopback("127.4.5.6") && HTTPOrigin.isLoopback("::1"))
        #expect(!HTTPOrigin.isLoopback("128.0.0.1") && !HTTPOrigin.isLoopback("127.0.0.1.evil.example"))
    }

    @Test("arithmetic on numbers a server sent saturates instead of trapping")
    func saturating() {
        #expect(Int.max.saturatingAdd(1) == .max)
        #expect(Int.min.saturatingAdd(-1) == .min)
        #expect(Int.min.saturatingSubtract(200) == .min)
        #expect(Int.max.saturatingSubtract(-1) == .max)
        #expect(Int.max.saturatingMultiply(60) == .max)
        #expect(Int.min.saturatingMultiply(60) == .min)
        #expect(10_000.saturatingSubtract(200) == 9_800)
    }

    @Test("a page trail stops a next link that comes back")
    func pageTrail() {
        var trail = PageTrail()
        let first = trail.follow("https://a/1")
        let second = trail.follow("https://a/2")
        let again = trail.follow("https://a/1")
        #expect(first && second && !again)
    }

    // MARK: HTTPRequester

    private final class Waits: Sendable {
        let list = Mutex<[Duration]>([])
        var all: [Duration] { list.withLock { $0 } }
    }

    private func requester(_ waits: Waits, maxRetries: Int = 3, maxDelay: Duration = .seconds(120)) -> HTTPRequester {
        HTTPRequester(
            policy: RequestPolicy(
                maxRetries: maxRetries, baseDelay: .milliseconds(100), maxDelay: maxDelay, timeout: .seconds(5),
                maxBody: 1 << 20),
            logger: Logger(label: "test"), serviceName: "Test",
            sleep: { wait in waits.list.withLock { $0.append(wait) } })
    }

    @Test("429 with an unusable Retry-After waits the backoff instead; a usable one is honoured within the cap")
    func retryAfterHonoured() async throws {
        let values = ["nan", "inf", "1e300", "-5", "garbage", "Fri, 31 Dec 9999 23:59:59 GMT", "7", "3600"]
        let server = try await ScriptedServer { index, _ in
            index < values.count
                ? .bytes("HTTP/1.1 429 Too Many Requests\r\nRetry-After: \(values[index])\r\nContent-Length: 0\r\n\r\n")
                : .bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        }
        defer { Task { try? await server.stop() } }
        let waits = Waits()
        let http = requester(waits, maxRetries: values.count)
        let answer = try await http.send(
            HTTPRequest(.GET, server.url("/x"), idempotent: true, purpose: "testing"), retrying: { $0.status == 429 ? "throttled" : nil })
        #expect(answer.status == 200 && answer.attempts == values.count + 1)
        #expect(http.counter.value == values.count + 1)
        let all = waits.all
        #expect(all.count == values.count)
        // The six unusable values: backoff, 100 ms × 2^n × [0.5, 1.5).
        for (n, wait) in all.prefix(6).enumerated() {
            #expect(wait >= .milliseconds(50) * Double(1 << n) && wait < .milliseconds(150) * Double(1 << n), "\(values[n]): \(wait)")
        }
        #expect(all[6] == .seconds(7))
        #expect(all[7] == .seconds(120))
    }

    @Test("retries run out on a retryable answer: the last answer comes back with its attempts")
    func retriesRunOut() async throws {
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n") }
        defer { Task { try? await server.stop() } }
        let waits = Waits()
        let answer = try await requester(waits, maxRetries: 2).send(
            HTTPRequest(.GET, server.url("/x"), idempotent: true, purpose: "testing"), retrying: { $0.status >= 500 ? "server error" : nil })
        #expect(answer.status == 503 && answer.attempts == 3)
        #expect(server.requests.count == 3 && waits.all.count == 2)
    }

    @Test("a refused connection is tried again once, quickly, and then fails naming the server")
    func refusedFailsFast() async throws {
        let waits = Waits()
        let http = requester(waits, maxRetries: 5)
        do {
            _ = try await http.send(HTTPRequest(.GET, "http://127.0.0.1:1/x", idempotent: true, purpose: "testing"), retrying: { _ in "always" })
            Issue.record("a refused connection succeeded")
        } catch let error as HTTPFetchError {
            #expect(error.kind == .connectFailed && error.attempts == 2)
            #expect(error.message.contains("127.0.0.1:1"))
        }
        #expect(http.counter.value == 2)
        #expect(waits.all.count == 1 && waits.all.allSatisfy { $0 <= .seconds(1) })
    }

    @Test("a write that may have reached the server is not sent again; a read is")
    func afterSending() async throws {
        let server = try await ScriptedServer { _, _ in .close }
        defer { Task { try? await server.stop() } }
        let waits = Waits()
        do {
            _ = try await requester(waits).send(
                HTTPRequest(.POST, server.url("/Contacts"), body: Data("{}".utf8), idempotent: false, purpose: "creating"),
                retrying: { _ in nil })
            Issue.record("a closed connection gave an answer")
        } catch let error as HTTPFetchError {
            #expect(!error.beforeSending && error.attempts == 1)
        }
        #expect(server.requests.count == 1)
        do {
            _ = try await requester(waits, maxRetries: 2).send(
                HTTPRequest(.GET, server.url("/Contacts"), idempotent: true, purpose: "reading"), retrying: { _ in nil })
            Issue.record("a closed connection gave an answer")
        } catch let error as HTTPFetchError {
            #expect(error.attempts == 3)
        }
        #expect(server.requests.count == 4)
    }

    @Test("what runs before each attempt can stop the request before anything is sent")
    func beforeAttempt() async throws {
        struct Spent: Error {}
        let server = try await ScriptedServer { _, _ in .bytes("HTTP/1.1 204 No Content\r\n\r\n") }
        defer { Task { try? await server.stop() } }
        let waits = Waits()
        await #expect(throws: Spent.self) {
            _ = try await requester(waits).send(
                HTTPRequest(.GET, server.url("/x"), idempotent: true, purpose: "testing"), retrying: { _ in nil },
                beforeAttempt: { throw Spent() })
        }
        #expect(server.requests.isEmpty)
    }
}
