// The console's sign-in safety on a clock the test moves: five wrong passwords in 15 minutes block an account (by
// name, in any letter case) until the oldest ages out; signing in clears them; a session ends after 8 idle hours.

@testable import Console
import Foundation
import Synchronization
import Testing

@Suite("Console sign-in throttling and sessions")
struct ConsoleSessionTests {
    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func now() -> Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    @Test("five wrong passwords within 15 minutes block the account until the first of them is 15 minutes old; a sign-in clears them")
    func throttle() async {
        let clock = Clock()
        let throttle = SignInThrottle(now: { clock.now() })
        for _ in 0..<4 {
            await throttle.failed("Dana")
            clock.advance(60)
        }
        #expect(await throttle.blockedUntil("dana") == nil, "four wrong passwords do not block")
        let fifth = clock.now()
        await throttle.failed("DANA")
        let until = await throttle.blockedUntil("dana")
        #expect(until == fifth.addingTimeInterval(-4 * 60 + 15 * 60), "blocked until the first failure ages out")
        #expect(await throttle.blockedUntil("sam") == nil, "other accounts are not blocked")
        clock.advance(11 * 60 + 1)
        #expect(await throttle.blockedUntil("dana") == nil, "the oldest failure aged out")

        await throttle.failed("dana")
        await throttle.succeeded("Dana")
        #expect(await throttle.blockedUntil("dana") == nil)
    }

    @Test("a session lives while it is used and ends after 8 idle hours; an unknown id has none")
    func sessionsExpire() async {
        let clock = Clock()
        let sessions = ConsoleSessions(now: { clock.now() })
        let session = await sessions.start(account: "dana", role: .admin)
        #expect(session.csrf.count == 64 && session.id != session.csrf)
        clock.advance(7 * 3600)
        #expect(await sessions.session(session.id)?.account == "dana", "used within 8 hours")
        clock.advance(7 * 3600)
        #expect(await sessions.session(session.id) != nil, "each use extends it")
        clock.advance(8 * 3600 + 1)
        #expect(await sessions.session(session.id) == nil, "8 idle hours end it")
        #expect(await sessions.session("not-a-session") == nil)
        #expect(await sessions.session(nil) == nil)
    }

    @Test("form bodies decode + as a space and keep repeated names in order")
    func forms() {
        #expect(formList("order=2&order=0&q=Alex+Wilber&x=%26") .map { "\($0.0)=\($0.1)" } == ["order=2", "order=0", "q=Alex Wilber", "x=&"])
        #expect(formPairs("a=1&a=2") == ["a": "1"])
    }
}
