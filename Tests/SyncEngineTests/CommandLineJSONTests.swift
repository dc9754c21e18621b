// `--json` as an interface: the built `rollcall` runs against the sample MSP's emulators, and what every command
// prints is validated against its schema in Schemas/output (with scripts/validate-output, jsonschema, Draft 2020-12).
// Also what a technician sees on the command line: `plan --skipped`, and an unknown group refused with exit code 2.

import ContactSync
import Emulators
import Foundation
import Testing

@Suite("rollcall --json against Schemas/output, on the built binary")
struct CommandLineJSONTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What one command did.
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The sample MSP's emulators and a rollcall.yaml for them in a fresh folder.
    struct Workspace {
        let running: SampleMSP.Running
        let folder: URL
        let config: String

        init(psa: SampleMSP.PSA, editYAML: (String) -> String) async throws {
            running = try await SampleMSP.start(tenants: SampleMSP.tenants(), autotask: SampleMSP.autotask(), connectwise: SampleMSP.connectwise())
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollcall-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            config = folder.appendingPathComponent("rollcall.yaml").path
            let yaml = editYAML(running.settingsYAML(psa: psa, database: folder.appendingPathComponent("rollcall.sqlite3").path))
            try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        }

        func stop() async {
            await running.stop()
            try? FileManager.default.removeItem(at: folder)
        }

        /// Runs `rollcall <arguments> --config <config>` with the sample secrets in its environment. The emulators run
        /// in this process on Swift's few cooperative threads, so nothing here blocks one: output goes to files, and the
        /// end of the process is awaited.
        func rollcall(_ arguments: [String], input: String? = nil) async throws -> Outcome {
            let process = Process()
            if let input {
                let file = folder.appendingPathComponent("stdin-\(UUID().uuidString).txt")
                try input.write(to: file, atomically: true, encoding: .utf8)
                process.standardInput = try FileHandle(forReadingFrom: file)
            }
            process.executableURL = CommandLineHelpTests.rollcall
            process.arguments = arguments + ["--config", config]
            process.environment = SampleMSP.environment.merging(["PATH": "/usr/bin:/bin", "USER": "tech"]) { a, _ in a }
            let name = UUID().uuidString
            let outputFile = folder.appendingPathComponent("stdout-\(name).txt")
            let errorFile = folder.appendingPathComponent("stderr-\(name).txt")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            let output = try FileHandle(forWritingTo: outputFile)
            let errors = try FileHandle(forWritingTo: errorFile)
            defer {
                try? output.close()
                try? errors.close()
            }
            process.standardOutput = output
            process.standardError = errors
            let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch { continuation.resume(throwing: error) }
            }
            return Outcome(
                status: status, output: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "",
                errors: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
        }

        /// Validates `json` against Schemas/output/<schema>.schema.json; returns the validator's complaints.
        func validate(_ json: String, against schema: String) throws -> String? {
            let file = folder.appendingPathComponent("\(schema)-\(UUID().uuidString).json")
            try json.write(to: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", CommandLineJSONTests.root.appendingPathComponent("scripts/validate-output").path, schema, file.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return process.terminationStatus == 0 && said.contains("1 documents validated, 0 failed") ? nil : said
        }
    }

    static func object(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test("every command's --json validates against its schema: booleans are booleans, people carry UPN and email")
    func everyCommandValidates() async throws {
        let space = try await Workspace(psa: .autotask) { yaml in
            let held = YAML.set(yaml, company: "Contoso", "deactivationThreshold", "{ count: 1, percent: 1 }")
            return YAML.filters(held, company: "Fabrikam", ["{ group: Management, site: New Site }", "{ license: EXCHANGESTANDARD, site: Site 2 }"])
        }
        defer { Task { await space.stop() } }
        func check(_ arguments: [String], schema: String, exit: Int32 = 0) async throws -> Any {
            let outcome = try await space.rollcall(arguments)
            #expect(outcome.status == exit, "rollcall \(arguments.joined(separator: " ")): \(outcome.errors)")
            let complaint = try space.validate(outcome.output, against: schema)
            #expect(complaint == nil, "rollcall \(arguments.joined(separator: " ")) --json does not fit \(schema).schema.json: \(complaint ?? "")\n\(outcome.output.prefix(2000))")
            return try Self.object(outcome.output)
        }

        let plans = try #require(try await check(["plan", "--json", "--skipped"], schema: "plan") as? [[String: Any]])
        let fabrikam = try #require(plans.first { $0["company"] as? String == "Fabrikam" })
        #expect(fabrikam["label"] as? String == "plan 1")
        let skipped = (fabrikam["skipped"] as? [[String: Any]] ?? []).compactMap { ($0["user"] as? [String: Any])?["userPrincipalName"] as? String }
        #expect(skipped.contains(Scenario.upn("Johanna", "Lorenz", "Fabrikam")))

        let runs = try #require(try await check(["run", "--all", "--json"], schema: "run") as? [[String: Any]])
        #expect(runs.map { $0["label"] as? String } == ["run 1", "run 1"], "plans do not use up run numbers")

        for index in [1, 2] {
            try await space.running.graph.removeLicenses(Scenario.userId("Contoso", index), in: SampleMSP.contosoTenant)
        }
        let plan = try #require(try await check(["plan", "--company", "Contoso", "--json"], schema: "plan") as? [[String: Any]])
        let commands = plan.first?["commands"] as? [[String: Any]] ?? []
        let deactivations = commands.filter { $0["kind"] as? String == "deactivate" }
        #expect(deactivations.count == 2)
        for command in deactivations {
            let active = (command["changes"] as? [[String: Any]])?.first { $0["field"] as? String == "active" }
            #expect(active?["from"] as? Bool == true && active?["to"] as? Bool == false, "active is a boolean: \(String(describing: active))")
            #expect(command["held"] as? Bool == true)
            let user = command["user"] as? [String: Any]
            #expect((user?["userPrincipalName"] as? String)?.hasSuffix("@contoso.com") == true)
            #expect((command["contact"] as? [String: Any])?["email"] as? String != nil)
        }

        let held = try #require(try await check(["run", "--company", "Contoso", "--json"], schema: "run", exit: 3) as? [[String: Any]])
        #expect(held.first?["status"] as? String == "held")
        let runId = try #require(held.first?["run"] as? String)
        let waiting = try #require(try await check(["status", "--json"], schema: "status") as? [String: Any])
        let approvals = waiting["approvals"] as? [[String: Any]] ?? []
        #expect(approvals.count == 1 && approvals.first?["company"] as? String == "Contoso" && approvals.first?["run"] as? String == runId)
        let contoso = (waiting["companies"] as? [[String: Any]] ?? []).first { $0["company"] as? String == "Contoso" }
        #expect(contoso?["state"] as? String == "held")
        let approved = try #require(try await check(["approve", "--company", "Contoso", "--run", runId, "--json"], schema: "run") as? [String: Any])
        #expect((approved["counts"] as? [String: Any])?["deactivated"] as? Int == 2)
        _ = try await check(["run", "--company", "Contoso", "--dry-run", "--json"], schema: "run")

        let why = try #require(try await check(["why", "--company", "Contoso", "--email", Scenario.upn("Alex", "Wilber", "Contoso"), "--json"], schema: "why") as? [String: Any])
        let story = (why["story"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(story.contains { $0.contains("were approved by tech") })

        let history = try #require(try await check(["history", "--company", "Contoso", "--json"], schema: "history") as? [String: Any])
        let writes = (history["runs"] as? [[String: Any]] ?? []).flatMap { $0["writes"] as? [[String: Any]] ?? [] }
        #expect(!writes.isEmpty)
        #expect(writes.allSatisfy { (($0["user"] as? [String: Any])?["userPrincipalName"] as? String) != nil }, "each write names its person")
        _ = try await check(["replay", "--company", "Fabrikam", "--json"], schema: "replay")
        _ = try await check(["verify", "--json"], schema: "verify")
    }

    @Test("the schemas refuse what used to leak: an internal key, a boolean as a string")
    func schemasCanFail() async throws {
        let space = try await Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        let outcome = try await space.rollcall(["plan", "--company", "Contoso", "--json"])
        #expect(try space.validate(outcome.output, against: "plan") == nil)
        var plans = try #require(try Self.object(outcome.output) as? [[String: Any]])
        var commands = try #require(plans[0]["commands"] as? [[String: Any]])
        let reactivate = try #require(commands.firstIndex { $0["kind"] as? String == "reactivate" })
        var leaked = commands
        leaked[reactivate]["update"] = ["_1": 30001]
        plans[0]["commands"] = leaked
        let withKey = String(decoding: try JSONSerialization.data(withJSONObject: plans), as: UTF8.self)
        #expect(try space.validate(withKey, against: "plan")?.contains("update") == true)

        var changes = try #require(commands[reactivate]["changes"] as? [[String: Any]])
        let active = try #require(changes.firstIndex { $0["field"] as? String == "active" })
        changes[active]["to"] = "true"
        commands[reactivate]["changes"] = changes
        plans[0]["commands"] = commands
        let asString = String(decoding: try JSONSerialization.data(withJSONObject: plans), as: UTF8.self)
        #expect(try space.validate(asString, against: "plan") != nil)
    }

    @Test("plan --skipped lists who is left out and why; an unknown group exits 2 and lists the tenant's groups")
    func commandLineTexts() async throws {
        let space = try await Workspace(psa: .autotask) { yaml in
            YAML.filters(yaml, company: "Fabrikam", ["{ group: Management, site: New Site }", "{ license: EXCHANGESTANDARD, site: Site 2 }"])
        }
        defer { Task { await space.stop() } }
        let plan = try await space.rollcall(["plan", "--company", "Fabrikam", "--skipped"])
        #expect(plan.status == 0, "\(plan.errors)")
        #expect(plan.output.contains("Fabrikam: plan 1"), "\(plan.output)")
        #expect(plan.output.contains("left out       \(Scenario.upn("Johanna", "Lorenz", "Fabrikam"))"), "\(plan.output)")
        #expect(plan.output.contains("filter 2, license EXCHANGESTANDARD: they hold no EXCHANGESTANDARD license"), "\(plan.output)")

        let yaml = try String(contentsOfFile: space.config, encoding: .utf8)
        try YAML.filters(yaml, company: "Fabrikam", ["{ group: Managment, site: New Site }"]).write(toFile: space.config, atomically: true, encoding: .utf8)
        let refused = try await space.rollcall(["run", "--company", "Fabrikam"])
        #expect(refused.status == 2, "an unknown group is bad input, like an unknown license: \(refused.output) \(refused.errors)")
        #expect(refused.errors.contains("filter 1, group Managment: names group \"Managment\""), "\(refused.errors)")
        #expect(refused.errors.contains("Its groups are: Management"), "\(refused.errors)")
    }

    @Test("R11.6: rollcall run pauses at its share with exit code 5 and says when to run again; another run before then writes nothing")
    func pausedRunExits5() async throws {
        let space = try await Workspace(psa: .autotask) { $0 }
        defer { Task { await space.stop() } }
        // 40 requests an hour: Rollcall's 30% share is 12, fewer than Contoso's first sync needs.
        await space.running.autotask.setThreshold(limit: 40, usedBeforeStart: 0, window: 3600)
        let first = try await space.rollcall(["run", "--company", "Contoso"])
        #expect(first.status == 5, "\(first.output)\(first.errors)")
        #expect(first.output.contains("paused at the PSA's API budget"), "\(first.output)")
        #expect(first.output.contains("Run it again after"), "\(first.output)")
        let writes = await space.running.autotask.writeCount()
        #expect(writes > 0, "the run wrote what its share allowed")

        let again = try await space.rollcall(["run", "--company", "Contoso", "--json"])
        #expect(again.status == 5, "a new process counts the paused run's requests from the log: \(again.output)")
        #expect(try space.validate(again.output, against: "run") == nil)
        let summary = try #require((try Self.object(again.output) as? [[String: Any]])?.first)
        #expect(summary["status"] as? String == "paused")
        #expect(summary["resumeAt"] as? String != nil)
        let thresholdReads = await space.running.autotask.control.requestCounts().filter { $0.key.hasSuffix("/ThresholdInformation") }.values.reduce(0, +)
        #expect(thresholdReads == 1, "the budget is not read again before the window reopens")
        #expect(await space.running.autotask.writeCount() == writes, "nothing written before the window reopens")
        let history = try await space.rollcall(["history", "--company", "Contoso"])
        #expect(history.output.contains("paused with"), "\(history.output)")
        #expect(history.output.contains(": postponed — "), "writes the budget held back are not failures: \(history.output)")
        let status = try await space.rollcall(["status"])
        #expect(status.status == 0)
        #expect(status.output.contains("Contoso: paused until"), "\(status.output)")
        #expect(status.output.contains("writes left"), "\(status.output)")
        #expect(status.output.contains("Fabrikam: never run"), "\(status.output)")
        let json = try await space.rollcall(["status", "--json"])
        #expect(try space.validate(json.output, against: "status") == nil)
    }
}
