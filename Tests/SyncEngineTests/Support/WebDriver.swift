// A small W3C WebDriver client for the console's browser tests: Debian's chromedriver driving headless Chromium.

import AsyncHTTPClient
import Foundation
import NIOCore

/// One chromedriver process and one browser session in it.
final class Browser: @unchecked Sendable {
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromium = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let driver = Process()
    let base: String
    private(set) var session = ""

    /// Starts chromedriver on a free port and opens a headless 1280×800 session; fails naming what to install.
    init(port: Int, log: URL) async throws {
        guard let chromedriver = Self.chromedriver, let chromium = Self.chromium else {
            throw Failure(description: "the browser tests need Debian's chromium and chromium-driver: run scripts/install-prerequisites")
        }
        base = "http://127.0.0.1:\(port)"
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=\(port)"]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        driver.standardOutput = handle
        driver.standardError = handle
        try driver.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? await call("GET", "/status")) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800",
                         "--user-data-dir=" + log.deletingLastPathComponent().appendingPathComponent("chromium-profile").path],
            ],
        ]]]
        let answer = try await call("POST", "/session", capabilities)
        guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "chromedriver opened no session: \(answer)")
        }
        session = id
        try await viewport(width: 1280, height: 800)
    }

    /// Sizes the window so the page's viewport is `width`×`height` CSS pixels (1280×800, or a phone's 390×844).
    func viewport(width: Int, height: Int) async throws {
        try await call("POST", "/session/\(session)/window/rect", ["width": width, "height": height])
        let inner = try await run("arguments[arguments.length - 1]([window.innerWidth, window.innerHeight])") as? [Int] ?? [width, height]
        guard inner.count == 2, inner[0] != width || inner[1] != height else { return }
        try await call("POST", "/session/\(session)/window/rect", ["width": width + (width - inner[0]), "height": height + (height - inner[1])])
    }

    func quit() async {
        _ = try? await call("DELETE", "/session/\(session)")
        if driver.isRunning { driver.terminate() }
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        if response.status.code >= 400 { throw Failure(description: "WebDriver \(method) \(path): \(json["value"] ?? json)") }
        return json
    }

    func open(_ url: String) async throws { try await call("POST", "/session/\(session)/url", ["url": url]) }

    func element(_ css: String) async throws -> String {
        let answer = try await call("POST", "/session/\(session)/element", ["using": "css selector", "value": css])
        guard let id = (answer["value"] as? [String: Any])?[Self.elementKey] as? String else {
            throw Failure(description: "no element \(css)")
        }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        try await call("POST", "/session/\(session)/element/\(try await element(css))/value", ["text": text])
    }

    func click(_ css: String) async throws {
        try await call("POST", "/session/\(session)/element/\(try await element(css))/click", [:])
    }

    /// The page's visible text, once a page a click or form started loading has replaced the old one.
    func text() async throws -> String {
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                let answer = try await call("GET", "/session/\(session)/element/\(try await element("body"))/text")
                return answer["value"] as? String ?? ""
            } catch {
                lastError = error   // the body went stale: the next page is loading
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError ?? Failure(description: "no page text")
    }

    /// The page's text once it contains `needle` (a click's navigation is asynchronous); fails after `seconds`
    /// naming what the page said instead.
    @discardableResult
    func text(containing needle: String, seconds: Double = 15) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = ""
        while Date() < deadline {
            seen = (try? await text()) ?? seen
            if seen.contains(needle) { return seen }
            try await Task.sleep(for: .milliseconds(100))
        }
        let at = (try? await url()) ?? "?"
        throw Failure(description: "the page at \(at) never showed \"\(needle)\"; it said: \(seen)")
    }

    /// Drags with the mouse: presses on `from`'s centre, moves in steps to `(dx, dy)` from `to`'s centre, releases.
    /// These are real pointer events, as a person's mouse makes them.
    func drag(from: String, to: String, dx: Int = 0, dy: Int = 0) async throws {
        let source = [Self.elementKey: try await element(from)]
        let target = [Self.elementKey: try await element(to)]
        var actions: [[String: Any]] = [
            ["type": "pointerMove", "duration": 0, "origin": source, "x": 0, "y": 0],
            ["type": "pointerDown", "button": 0],
        ]
        for step in 1...5 {
            actions.append(["type": "pointerMove", "duration": 50, "origin": target, "x": dx, "y": dy + (5 - step) * 8])
        }
        actions.append(["type": "pointerUp", "button": 0])
        try await call("POST", "/session/\(session)/actions", ["actions": [
            ["type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"], "actions": actions],
        ]])
        try await call("DELETE", "/session/\(session)/actions")
    }

    /// Chooses the option of a `<select>` by its value.
    func choose(_ select: String, value: String) async throws {
        try await click("\(select) option[value='\(value)']")
    }

    /// An attribute of an element.
    func attribute(_ css: String, _ name: String) async throws -> String {
        try await call("GET", "/session/\(session)/element/\(try await element(css))/attribute/\(name)")["value"] as? String ?? ""
    }

    func title() async throws -> String { try await call("GET", "/session/\(session)/title")["value"] as? String ?? "" }

    func url() async throws -> String { try await call("GET", "/session/\(session)/url")["value"] as? String ?? "" }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and answers what it returns.
    func run(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await call("POST", "/session/\(session)/execute/async", ["script": script, "args": args])["value"]
    }

    /// A PNG of the viewport, written to `file`.
    func screenshot(_ file: URL) async throws {
        let answer = try await call("GET", "/session/\(session)/screenshot")
        guard let encoded = answer["value"] as? String, let data = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        try data.write(to: file)
    }
}
