// Issue 18, in a real browser: `rollcall serve` and the emulators, driven in headless Chromium over WebDriver. A
// viewer reads and is refused an approval (403); a form without its CSRF token is refused; an admin signs in, finds
// the held mass deactivation on the companies page and approves it, and the log names who approved.

import Console
import ContactSync
import Emulators
import EventLog
import Foundation
import Testing

@Suite("The console in headless Chromium", .serialized)
struct ConsoleBrowserTests {
    /// Where screenshots go: `ROLLCALL_SCREENS` (`scripts/screens` sets it), else the test's folder.
    static func screens(_ space: CommandLineJSONTests.Workspace) -> URL {
        let folder = ProcessInfo.processInfo.environment["ROLLCALL_SCREENS"].map { URL(fileURLWithPath: $0) } ?? space.folder
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func signIn(_ browser: Browser, _ console: String, _ name: String, _ password: String) async throws {
        try await browser.open(console + "/console/")
        #expect(try await browser.url().hasSuffix("/console/login"), "a visitor is sent to sign in")
        try await browser.type("#name", name)
        try await browser.type("#password", password)
        try await browser.click("form[action='/console/login'] button")
    }

    /// `rollcall serve` on the workspace, started, and a headless Chromium beside it; the console's base URL.
    static func serve(_ space: CommandLineJSONTests.Workspace) async throws -> (KillResumeE2ETests.Served, Browser, String) {
        let port = KillResumeE2ETests.freePort()
        let served = try KillResumeE2ETests.Served(space, port: port)
        #expect(await KillResumeE2ETests.eventually(20) { served.output.contains("console on") }, "serve started: \(served.output)")
        do {
            let browser = try await Browser(port: KillResumeE2ETests.freePort(), log: space.folder.appendingPathComponent("chromedriver.log"))
            return (served, browser, "http://127.0.0.1:\(port)")
        } catch {
            served.stop()
            throw error
        }
    }

    /// Signs in and waits for the signed-in page.
    static func signedIn(_ browser: Browser, _ console: String, _ name: String, _ password: String) async throws {
        try await signIn(browser, console, name, password)
        try await browser.text(containing: "Sign out")
    }

    /// Posts a form from inside the page, as a script on it could; answers the status.
    static func post(_ browser: Browser, _ path: String, _ body: String) async throws -> Int {
        let status = try await browser.run("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: arguments[1],
                  redirect: 'manual'}).then(r => done(r.status), e => done(String(e)));
            """, [path, body])
        return (status as? Int) ?? -1
    }

    @Test("sign in; a viewer cannot approve (403); a form without its CSRF token is refused; an admin approves a held mass deactivation, and the log names them")
    func approveHeldInBrowser() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .autotask) { yaml in
            YAML.set(yaml, company: "Contoso", "deactivationThreshold", "{ count: 2, percent: 10 }")
        }
        defer { Task { await space.stop() } }
        #expect(try await space.rollcall(["run", "--company", "Contoso"]).status == 0)
        for index in [1, 2, 3] {
            try await space.running.graph.removeLicenses(SampleMSP.userId(domain: SampleMSP.contosoTenant, index: index), in: SampleMSP.contosoTenant)
        }
        #expect(try await space.rollcall(["run", "--company", "Contoso"]).status == 3, "three deactivations held")

        let database = space.folder.appendingPathComponent("rollcall.sqlite3").path
        let store = try EventStore(path: database)
        try await store.save(ConsoleAccount(name: "dana", role: .admin, passwordHash: Console.hash("dana-admin-pass"), createdAt: Date()))
        try await store.save(ConsoleAccount(name: "sam", role: .viewer, passwordHash: Console.hash("sam-viewer-pass"), createdAt: Date()))

        let (served, browser, console) = try await Self.serve(space)
        defer { served.stop() }
        defer { Task { await browser.quit() } }
        let screens = Self.screens(space)

        // A wrong password is refused.
        try await Self.signIn(browser, console, "sam", "not-the-password")
        try await browser.text(containing: "That account name and password do not match.")
        try await browser.screenshot(screens.appendingPathComponent("login.png"))

        // The viewer reads the companies and the hold, has no approve button, and is refused when posting anyway.
        try await browser.type("#password", "sam-viewer-pass")
        try await browser.click("form[action='/console/login'] button")
        let companies = try await browser.text(containing: "Sign out")
        #expect(companies.contains("Contoso") && companies.contains("Fabrikam"), "\(companies)")
        #expect(companies.contains("Deactivations wait for approval"), "\(companies)")
        try await browser.screenshot(screens.appendingPathComponent("companies.png"))
        try await browser.open(console + "/console/companies/Contoso")
        try await browser.text(containing: "An admin can approve them.")
        let viewerToken = try await browser.run(
            "arguments[arguments.length - 1](document.querySelector('input[name=csrf]').value)") as? String ?? ""
        #expect(!viewerToken.isEmpty)
        #expect(try await Self.post(browser, "/console/companies/Contoso/approve", "csrf=\(viewerToken)&run=2") == 403)
        try await browser.click("form[action='/console/logout'] button")
        try await browser.text(containing: "Sign in")

        // The admin: a form without the session's token is refused; the page's own form approves.
        try await Self.signedIn(browser, console, "dana", "dana-admin-pass")
        try await browser.open(console + "/console/companies/Contoso")
        try await browser.text(containing: "holds 3 deactivations")
        try await browser.screenshot(screens.appendingPathComponent("company-held.png"))
        #expect(try await Self.post(browser, "/console/companies/Contoso/approve", "run=2") == 403)
        #expect(try await Self.post(browser, "/console/companies/Contoso/approve", "csrf=forged&run=2") == 403)
        let person = try await browser.run(
            "arguments[arguments.length - 1](document.querySelector('.card table tbody a').textContent)") as? String ?? ""
        #expect(!person.isEmpty, "the hold names who it would deactivate")
        try await browser.click("form[action$='/approve'] button")
        try await browser.text(containing: "Approved by dana: 3 contacts deactivated")
        try await browser.screenshot(screens.appendingPathComponent("company-approved.png"))

        // The deactivated contact's story, found by name: rule R8.1, and who approved.
        try await browser.click("a[href$='/contacts']")
        try await browser.type("#q", person)
        try await browser.click("form[role=search] button")
        try await browser.text(containing: "matched to contact")
        try await browser.screenshot(screens.appendingPathComponent("find-contact.png"))
        try await browser.click("table tbody a")
        let story = try await browser.text(containing: "The story of")
        #expect(story.contains("R8.1"), "\(story)")
        #expect(story.contains("approved by dana"), "\(story)")
        #expect(story.contains("asked for via console (dana)"), "the approval's run names who asked: \(story)")
        try await browser.screenshot(screens.appendingPathComponent("story.png"))

        let approvals = try await store.events(EventQuery(company: "Contoso", types: ["DeactivationsApproved"])).collect()
        #expect(approvals.count == 1)
        #expect(approvals.first.map { String(decoding: $0.payload, as: UTF8.self).contains("\"dana\"") } == true)
        let inactive = await space.running.autotask.contacts(companyId: SampleMSP.contosoCompanyId).filter { $0.isActive == 0 }
        #expect(inactive.count >= 3)
    }

    @Test("settings: add a filter, drag it to the top, preview (nothing written), save; the run starts and the contacts are at the new site in the PSA; rollcall.yaml keeps its ${VAR} and names the filter first")
    func settingsDragPreviewSave() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        #expect(try await space.rollcall(["run", "--company", "Fabrikam"]).status == 0)
        let store = try EventStore(path: space.folder.appendingPathComponent("rollcall.sqlite3").path)
        try await store.save(ConsoleAccount(name: "dana", role: .admin, passwordHash: Console.hash("dana-admin-pass"), createdAt: Date()))
        // The contacts the first run keeps in step: those with a fabrikam.com email.
        let synced = Set(await space.running.autotask.contacts(companyId: SampleMSP.fabrikamCompanyId)
            .filter { $0.emailAddress?.hasSuffix("@fabrikam.com") == true }.map(\.id))
        #expect(synced.count >= 8)
        let eventsBefore = try await store.events(EventQuery(company: "Fabrikam")).collect().count

        let (served, browser, console) = try await Self.serve(space)
        defer { served.stop() }
        defer { Task { await browser.quit() } }
        let screens = Self.screens(space)
        try await Self.signedIn(browser, console, "dana", "dana-admin-pass")
        try await browser.open(console + "/console/companies/Fabrikam")
        try await browser.text(containing: "Recent runs")
        try await browser.screenshot(screens.appendingPathComponent("company.png"))
        try await browser.click("a[href$='/settings']")
        try await browser.text(containing: "Mapping filters")
        try await browser.screenshot(screens.appendingPathComponent("settings.png"))
        #expect(try await browser.attribute("li.filter:first-child select[name$='.who'] option[selected]", "value") == "group:Management")

        // Add "everyone signing in at fabrikam.com → Site 2" (choices from the log: nobody types an id).
        try await browser.choose("select[name='new.who']", value: "upnDomain:fabrikam.com")
        try await browser.choose("select[name='new.site']", value: "Site 2")
        try await browser.click("#add-filter")
        try await browser.text(containing: "Filter 6 added")

        // Drag it from the bottom to the top (both in view, as a person would have them).
        _ = try await browser.run("document.getElementById('filters').scrollIntoView(); arguments[arguments.length - 1](true)")
        try await browser.drag(from: "li.filter:last-child .handle", to: "li.filter:first-child", dy: -20)
        let firstWho = try await browser.run(
            "arguments[arguments.length - 1](document.querySelector('li.filter').querySelector('select').value + ' ' + document.querySelector('li.filter .number').textContent)") as? String
        #expect(firstWho == "upnDomain:fabrikam.com 1", "the dragged filter is first: \(firstWho ?? "nil")")

        // Preview: the planner's sentence, and nothing written.
        try await browser.click("#preview-button")
        let preview = try await browser.text(containing: "Planned from the log")
        #expect(preview.contains("move from") && preview.contains("to Site 2"), "\(preview)")
        #expect(preview.contains("none deactivated"), "\(preview)")
        #expect(try await browser.attribute("li.filter:first-child select[name$='.who'] option[selected]", "value") == "upnDomain:fabrikam.com",
                "the preview keeps the dragged order")
        try await browser.screenshot(screens.appendingPathComponent("settings-preview.png"))
        #expect(try await store.events(EventQuery(company: "Fabrikam")).collect().count == eventsBefore, "a preview writes nothing")

        // Save: rollcall.yaml written, the change recorded with who made it, and the run started.
        try await browser.click("#save-button")
        try await browser.text(containing: "Settings saved to rollcall.yaml and recorded in the log with your name")
        try await browser.screenshot(screens.appendingPathComponent("company-running.png"))
        let yaml = try String(contentsOf: space.folder.appendingPathComponent("rollcall.yaml"), encoding: .utf8)
        let domainLine = try #require(yaml.components(separatedBy: "\n").firstIndex { $0.contains("upnDomain: fabrikam.com") }, "\(yaml)")
        let groupLine = try #require(yaml.components(separatedBy: "\n").firstIndex { $0.contains("group: Management") })
        #expect(domainLine < groupLine, "the new filter is written first")
        #expect(yaml.contains("secret: ${AUTOTASK_SECRET}") && yaml.contains("clientSecret: ${GRAPH_CLIENT_SECRET}"), "references kept: \(yaml)")
        #expect(!yaml.contains(SampleMSP.environment["AUTOTASK_SECRET"] ?? "never"), "no secret written")
        let mode = try FileManager.default.attributesOfItem(atPath: space.folder.appendingPathComponent("rollcall.yaml").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let changes = try await store.events(EventQuery(company: "Fabrikam", types: ["SettingsChanged"])).collect()
        #expect(changes.last.map { String(decoding: $0.payload, as: UTF8.self).contains("\"changedBy\":\"dana\"") } == true)

        // Watch the run: the page refreshes itself until the run is done, and the contacts are at Site 2 (2003).
        #expect(await KillResumeE2ETests.eventually(60) {
            let contacts = await space.running.autotask.contacts(companyId: SampleMSP.fabrikamCompanyId).filter { synced.contains($0.id) && $0.isActive != 0 }
            return !contacts.isEmpty && contacts.allSatisfy { $0.companyLocationID == 2003 }
        }, "every synced Fabrikam contact moved to Site 2")
        // The company page refreshes itself until the run is done.
        #expect(await KillResumeE2ETests.eventually(30) { !((try? await browser.text()) ?? "Running now").contains("Running now") })
        let done = try await browser.text(containing: "settings changed, via console (dana)")
        #expect(done.contains("in step"), "\(done)")
        try await browser.screenshot(screens.appendingPathComponent("company-after-save.png"))

        // The run's page names the person and contact of each write.
        try await browser.click("table tbody tr:first-child a")
        let run = try await browser.text(containing: "Writes")
        #expect(run.contains("moved to its site"), "\(run)")
        #expect(run.contains("The plan") && run.contains("R6.4") && run.contains("done"), "the plan, its rules and how far it was applied: \(run)")
        #expect(run.contains("@fabrikam.com)"), "each write names its person: \(run)")
        try await browser.screenshot(screens.appendingPathComponent("run.png"))

        // The story of a moved contact names who saved the settings and who asked for the run (R12.3).
        try await browser.open(console + "/console/companies/Fabrikam/story?email=miriam.graham@fabrikam.com")
        let moved = try await browser.text(containing: "The story of")
        #expect(moved.contains("(saved by dana)") && moved.contains("asked for via console (dana)"), "\(moved)")

        // Replay: just after run 1, the contacts were at their old sites, and a plan then would have changed nothing.
        try await browser.open(console + "/console/companies/Fabrikam/replay")
        try await browser.choose("#run", value: "1")
        try await browser.click("form[action$='/replay'] button")
        let replay = try await browser.text(containing: "just after run 1")
        #expect(replay.contains("New Site") && replay.contains("Nothing changes"), "\(replay)")
        try await browser.screenshot(screens.appendingPathComponent("replay.png"))

        // On a phone the settings page still works: the filters stack, nothing needs scrolling sideways.
        try await browser.viewport(width: 390, height: 844)
        try await browser.open(console + "/console/companies/Fabrikam/settings")
        try await browser.text(containing: "Mapping filters")
        let sideways = try await browser.run("arguments[arguments.length - 1](document.documentElement.scrollWidth > window.innerWidth + 1)") as? Bool
        #expect(sideways == false, "the settings page fits a phone's width")
        try await browser.screenshot(screens.appendingPathComponent("settings-phone.png"))
    }

    @Test("ConnectWise: the settings page offers the PSA's contact types (a default and per filter), and Save writes the chosen type into rollcall.yaml")
    func connectWiseContactTypes() async throws {
        let space = try await CommandLineJSONTests.Workspace(psa: .connectwise) { $0 }
        defer { Task { await space.stop() } }
        #expect(try await space.rollcall(["run", "--company", "Fabrikam"]).status == 0)
        let store = try EventStore(path: space.folder.appendingPathComponent("rollcall.sqlite3").path)
        try await store.save(ConsoleAccount(name: "dana", role: .admin, passwordHash: Console.hash("dana-admin-pass"), createdAt: Date()))
        let types = SampleMSP.connectwise().contactTypes.map(\.description)
        let (served, browser, console) = try await Self.serve(space)
        defer { served.stop() }
        defer { Task { await browser.quit() } }
        try await Self.signedIn(browser, console, "dana", "dana-admin-pass")
        try await browser.open(console + "/console/companies/Fabrikam/settings")
        try await browser.text(containing: "Default contact type")
        let offered = try await browser.run(
            "arguments[arguments.length - 1](Array.from(document.querySelectorAll('#contactType option')).map(o => o.value).filter(v => v))") as? [String] ?? []
        #expect(!offered.isEmpty && Set(offered).isSubset(of: Set(types)), "offered \(offered), the PSA has \(types)")
        #expect(try await browser.attribute("li.filter:last-child select[name$='.contactType'] option[selected]", "value") == "Staff")
        // A site the PSA company lacks (sent as a hand-made form would) is refused, and nothing is written.
        let before = try String(contentsOf: space.folder.appendingPathComponent("rollcall.yaml"), encoding: .utf8)
        _ = try await browser.run("""
            const o = document.createElement('option'); o.value = 'Nowhere'; o.textContent = 'Nowhere';
            document.getElementById('defaultSite').appendChild(o); arguments[arguments.length - 1](true)
            """)
        try await browser.choose("#defaultSite", value: "Nowhere")
        try await browser.click("#save-button")
        let refused = try await browser.text(containing: "Not saved")
        #expect(refused.contains("Nowhere"), "\(refused)")
        #expect(try String(contentsOf: space.folder.appendingPathComponent("rollcall.yaml"), encoding: .utf8) == before)
        try await browser.choose("#defaultSite", value: "Main")

        let chosen = try #require(offered.first { $0 != "Staff" } ?? offered.first)
        try await browser.choose("#contactType", value: chosen)
        try await browser.click("#save-button")
        try await browser.text(containing: "Settings saved to rollcall.yaml")
        let yaml = try String(contentsOf: space.folder.appendingPathComponent("rollcall.yaml"), encoding: .utf8)
        #expect(yaml.contains("contactType: \(chosen)"), "\(yaml)")
        #expect(yaml.contains("privateKey: ${CW_PRIVATE_KEY}"))

        // Run now: Full resync from the company page, followed to its end.
        try await browser.open(console + "/console/companies/Fabrikam")
        try await browser.click("#run-now button[value=full]")
        #expect(await KillResumeE2ETests.eventually(30) {
            let page = (try? await browser.text()) ?? ""
            return page.contains("asked for, via console (dana)") && !page.contains("Running now")
        })
        let started = try await store.events(EventQuery(company: "Fabrikam", types: ["RunStarted"])).collect()
            .map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(started.last.map { $0.contains("\"mode\":\"full\"") && $0.contains("\"by\":\"dana\"") && $0.contains("\"source\":\"console\"") } == true,
                "the run records who asked, and how: \(started.last ?? "")")
    }
}
