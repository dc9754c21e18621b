// `rollcall-bench fleet`: R11.6 and R11.7 at fleet scale. One big company makes its first sync while many small
// companies run every window, against the Autotask emulator with a shortened window and a steady load from "other
// integrations". The clock is injected: a window passes when the bench says so, not in real time.

import ArgumentParser
import Autotask
import ContactSync
import Emulators
import EventLog
import Foundation
import Logging
import RollcallTesting
import SyncEngine

struct FleetBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "One big first sync beside many small companies, window by window, on the Autotask emulator's budget.",
        discussion: """
            Each window, every small company runs (on request: a delta read) and the big company's sync goes on (resumed), all at once \
            as rollcall serve runs them. The table shows, per window, Rollcall's requests beside its share, the \
            database's total beside the ceiling, the big sync's writes, and how many small companies completed.

            Example:
              swift run -c release rollcall-bench fleet --big-users 20000 --small 50
            """
    )

    @Option(help: "Users of the big company's tenant.") var bigUsers = 20_000
    @Option(help: "How many small companies.") var small = 50
    @Option(help: "Users of each small company's tenant.") var smallUsers = 200
    @Option(help: "The database's request threshold a window.") var limit = 1_000
    @Option(help: "The window, in (virtual) seconds.") var window = 60
    @Option(help: "Requests other integrations make every window.") var other = 100
    @Option(help: "budgetShare, in percent.") var share = 30
    @Option(help: "budgetCeiling, in percent.") var ceiling = 50
    @Option(help: "Stop after this many windows.") var maxWindows = 400
    @Option(help: "Seed of the synthetic tenants.") var seed = 7
    @Flag(help: "Print the figures as JSON.") var json = false
    @Flag(help: "Also print what each window's requests went to, and why runs did not finish.") var debug = false

    func run() async throws {
        guard bigUsers > 0, small >= 0, smallUsers > 0, limit > 0, window > 0 else {
            throw ValidationError("sizes, --limit and --window must be positive")
        }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))   // moved a window at a time
        let bigDomain = "big.onmicrosoft.com"
        var tenants = [GraphTenant.synthetic(users: bigUsers, seed: UInt64(seed), domain: bigDomain)]
        var companies = [AutotaskFixture.Company(id: 1, name: "Big", locations: [.init(id: 1001, name: "Main", isPrimary: true)])]
        for index in 0..<small {
            tenants.append(GraphTenant.synthetic(users: smallUsers, seed: UInt64(seed + 1 + index), domain: "small\(index).onmicrosoft.com"))
            companies.append(.init(id: 2 + index, name: "Small \(index)", locations: [.init(id: 2001 + index, name: "Main", isPrimary: true)]))
        }
        let fixture = AutotaskFixture(credentials: SampleMSP.autotaskCredentials, companies: companies, contacts: [], requestThreshold: 10_000_000)
        let running = try await SampleMSP.start(tenants: tenants, autotask: fixture)
        defer { Task { await running.stop() } }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = settingsYAML(running: running, database: folder.appendingPathComponent("rollcall.sqlite3").path)
        let settings = try SettingsLoader.load(yaml: yaml, path: folder.appendingPathComponent("rollcall.yaml").path, environment: SampleMSP.environment)
        var logger = Logger(label: "rollcall.bench.fleet")
        logger.logLevel = .critical
        let store = try EventStore(path: settings.database)
        let budget = AutotaskBudget(share: share, ceiling: ceiling, now: { clock.now })
        let engine = SyncEngine(
            settings: settings, store: store,
            connections: LiveConnections(settings: settings, logger: logger, retryBaseDelay: 0.01, autotaskBudget: budget),
            logger: logger)
        let smallNames = (0..<small).map { "Small \($0)" }

        // The small companies' own first syncs happen before the measured windows (their budget is not the point).
        await running.autotask.setThreshold(limit: 10_000_000, usedBeforeStart: 0, window: TimeInterval?.none)
        try await Self.runAll(engine, smallNames, trigger: .manual)
        await running.autotask.setClock { clock.now }
        await running.autotask.setThreshold(limit: limit, usedBeforeStart: other, window: TimeInterval(window))
        clock.advance(TimeInterval(window) * 2)

        let shareLimit = max(1, limit * share / 100)
        let ceilingLimit = max(1, limit * ceiling / 100)
        var rows: [[String: Any]] = []
        var bigDone = 0
        var bigWrites: Int?
        var finishedIn: Int?
        if !json {
            print("Fleet: \(bigUsers)-user first sync beside \(small) companies of \(smallUsers) users; threshold \(limit) a \(window) s window, other integrations \(other) a window; share \(share)% (\(shareLimit)), ceiling \(ceiling)% (\(ceilingLimit))")
            print("window  Rollcall  share  database  ceiling  big writes (done)   small ran")
        }
        for number in 1...maxWindows {
            let before = await running.autotask.control.requestCount()
            let pathsBefore = await running.autotask.control.requestCounts()
            let outcomes = try await Self.window(engine, big: finishedIn == nil ? "Big" : nil, small: smallNames, first: number == 1)
            let rollcall = await running.autotask.control.requestCount() - before
            let big = outcomes.big
            bigDone += big?.created ?? 0
            if bigWrites == nil, let big { bigWrites = big.planned }
            let smallRan = outcomes.small.filter { $0.status == RunStatus.completed }.count
            let row: [String: Any] = [
                "window": number, "rollcallRequests": rollcall, "share": shareLimit, "databaseTotal": rollcall + other,
                "ceiling": ceilingLimit, "bigWrites": big?.created ?? 0, "bigDone": bigDone, "smallRan": smallRan,
                "smallCompanies": small, "bigStatus": big?.status.rawValue ?? "inStep",
            ]
            rows.append(row)
            if !json {
                print(String(format: "%6d  %8d  %5d  %8d  %7d  %10d (%6d)   %3d of %d%@", number, rollcall, shareLimit, rollcall + other,
                             ceilingLimit, big?.created ?? 0, bigDone, smallRan, small,
                             rollcall > shareLimit || rollcall + other > ceilingLimit ? "  OVER" : ""))
            }
            if debug {
                // What each window's requests went to, and why runs did not finish.
                let after = await running.autotask.control.requestCounts()
                let spent = after.compactMap { key, value in
                    value > (pathsBefore[key] ?? 0) ? "\(key) ×\(value - (pathsBefore[key] ?? 0))" : nil
                }
                print("    requests: \(spent.sorted().joined(separator: ", "))")
                print("    big: \(big?.status.rawValue ?? "-") \(big?.message ?? "")")
                for s in outcomes.small where s.status != RunStatus.completed { print("    \(s.company): \(s.status.rawValue) \(s.message ?? "")") }
            }
            if finishedIn == nil, big?.status == .completed { finishedIn = number }
            if finishedIn != nil { break }
            clock.advance(TimeInterval(window))
        }
        let writes = bigWrites ?? 0
        let bound = (writes + shareLimit - 1) / shareLimit + 1
        let slice = max(1, shareLimit / 5)
        let boundLeavingSlice = (writes + shareLimit - slice - 1) / (shareLimit - slice) + 1
        let over = rows.filter { ($0["rollcallRequests"] as! Int) > shareLimit || ($0["databaseTotal"] as! Int) > ceilingLimit }.count
        let allSmallRan = rows.allSatisfy { ($0["smallRan"] as! Int) == small }
        if json {
            try printJSON([
                "windows": rows, "bigWrites": writes, "finishedInWindows": finishedIn ?? -1, "bound": bound,
                "boundLeavingSlice": boundLeavingSlice, "windowsOverShareOrCeiling": over, "everySmallCompanyRanEveryWindow": allSmallRan,
            ])
        } else {
            print("")
            print("big sync: \(writes) writes, in step after \(finishedIn.map(String.init) ?? "more than \(maxWindows)") windows; "
                + "⌈writes ÷ share⌉ + 1 = \(bound); leaving the others' slice of \(slice): ⌈writes ÷ \(shareLimit - slice)⌉ + 1 = \(boundLeavingSlice)")
            print("windows where Rollcall passed its share or the database passed the ceiling: \(over); every small company ran every window: \(allSmallRan ? "yes" : "NO")")
        }
    }

    /// One window: the small companies. runs and the big sync, all at once (as `serve` runs them).
    static func window(_ engine: SyncEngine, big: String?, small: [String], first: Bool) async throws
        -> (big: RunSummary?, small: [RunSummary]) {
        try await withThrowingTaskGroup(of: (Bool, RunSummary).self) { group in
            if let big {
                group.addTask { (true, try await engine.run(company: big, options: RunOptions(trigger: first ? .schedule : .resumed))) }
            }
            for name in small {
                group.addTask { (false, try await engine.run(company: name, options: RunOptions(trigger: .manual))) }
            }
            var bigSummary: RunSummary?
            var smallSummaries: [RunSummary] = []
            for try await (isBig, summary) in group {
                if isBig { bigSummary = summary } else { smallSummaries.append(summary) }
            }
            return (bigSummary, smallSummaries)
        }
    }

    static func runAll(_ engine: SyncEngine, _ names: [String], trigger: RunTrigger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { _ = try await engine.run(company: name, options: RunOptions(trigger: trigger)) } }
            try await group.waitForAll()
        }
    }

    func settingsYAML(running: SampleMSP.Running, database: String) -> String {
        var lines = [
            "database: \(database)",
            "microsoft:",
            "  clientId: \(GraphTenant.demoClientId)",
            "  clientSecret: ${GRAPH_CLIENT_SECRET}",
            "  loginUrl: \(running.graphHost.baseURL)",
            "  graphUrl: \(running.graphHost.baseURL)",
            "psa:",
            "  autotask:",
            "    username: \(SampleMSP.autotaskCredentials.username)",
            "    secret: ${AUTOTASK_SECRET}",
            "    integrationCode: ${AUTOTASK_INTEGRATION_CODE}",
            "    url: \(running.autotaskHost.baseURL)/ATServicesRest/",
            "    budgetShare: \(share)%",
            "    budgetCeiling: \(ceiling)%",
            "companies:",
            "  - { name: Big, tenant: big.onmicrosoft.com, psaCompanyId: 1, defaultSite: Main, deactivationThreshold: { count: 1000000, percent: 100 } }",
        ]
        for index in 0..<small {
            lines.append("  - { name: Small \(index), tenant: small\(index).onmicrosoft.com, psaCompanyId: \(2 + index), defaultSite: Main }")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
