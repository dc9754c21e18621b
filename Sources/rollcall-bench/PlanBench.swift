// `rollcall-bench plan`: CPU seconds to plan a large synthetic tenant, beside one bare pass over the same state.

import ArgumentParser
import ContactSync
import Foundation
import RollcallTesting

struct PlanBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan N users against N contacts and print the CPU seconds, beside a bare pass over the same state.",
        discussion: """
            Example:
              swift run -c release rollcall-bench plan --users 100000
            The target is under 1 s of CPU for 100,000 users × 100,000 contacts. The baseline is the least any
            planner must do with the same state: visit every user and contact once, lower-case each email and
            look it up in a dictionary. It shows how far planning is above that floor.
            """
    )

    @Option(help: "How many users (and as many contacts).") var users = 100_000
    @Option(help: "How many times to plan; the best run is reported.") var repeats = 3
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() async throws {
        guard users > 0, repeats > 0 else { throw ValidationError("--users and --repeats must be positive") }
        var best: PlannerBenchmark.Result?
        for _ in 0..<repeats {
            let result = PlannerBenchmark.run(users: users)
            if best == nil || result.cpuSeconds < best!.cpuSeconds { best = result }
        }
        let plan = best!
        let (state, _) = SyntheticTenant.planned(users: users)
        var floor = Double.infinity
        for _ in 0..<repeats { floor = min(floor, Self.barePass(state)) }
        let target = 1.0
        if json {
            try printJSON([
                "users": plan.users, "contacts": plan.contacts, "commands": plan.commands,
                "planCpuSeconds": plan.cpuSeconds, "planWallSeconds": plan.wallSeconds,
                "barePassCpuSeconds": floor, "targetCpuSeconds": target, "met": plan.cpuSeconds < target,
            ])
        } else {
            print("Planner benchmark: \(plan.users) users × \(plan.contacts) contacts, \(plan.commands) commands, best of \(repeats)")
            print(String(format: "  plan:       %.3f s CPU (%.3f s wall)   target < %.1f s: %@", plan.cpuSeconds, plan.wallSeconds, target,
                         plan.cpuSeconds < target ? "met" : "NOT met"))
            print(String(format: "  bare pass:  %.3f s CPU (every user and contact visited once; planning is %.1f× that)",
                         floor, plan.cpuSeconds / max(floor, 1e-9)))
        }
    }

    /// Visits every user and contact once: each contact email lower-cased into a dictionary, each user's UPN looked up.
    static func barePass(_ state: CompanyState) -> Double {
        let start = clock()
        var byEmail: [String: Int] = [:]
        byEmail.reserveCapacity(state.psa.contacts.count)
        for (id, record) in state.psa.contacts {
            for email in record.contact.emails { byEmail[email.lowercased()] = id }
        }
        var found = 0
        for record in state.directory.users.values where byEmail[record.user.userPrincipalName.lowercased()] != nil {
            found += 1
        }
        let cpu = Double(clock() - start) / Double(CLOCKS_PER_SEC)
        if found == -1 { print("") }  // keeps the pass from being optimised away
        return cpu
    }
}
