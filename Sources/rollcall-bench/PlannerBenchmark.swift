// A synthetic large tenant and the cost of planning it, for `rollcall-bench plan`.

import ContactSync
import Foundation
import RollcallTesting

/// Plans a synthetic tenant of `users` users and as many contacts, and says what it cost.
enum PlannerBenchmark {
    /// What one benchmark run measured.
    public struct Result: Sendable, Hashable, CustomStringConvertible {
        public var users: Int
        public var contacts: Int
        public var commands: Int
        /// CPU time of the planning alone (the process's CPU clock), in seconds.
        public var cpuSeconds: Double
        /// Wall time of the planning alone, in seconds.
        public var wallSeconds: Double

        public var description: String {
            "planned \(users) users against \(contacts) contacts: \(commands) commands in "
                + String(format: "%.3f s CPU (%.3f s wall)", cpuSeconds, wallSeconds)
        }
    }

    /// Builds the tenant (not measured), then plans it once (measured).
    public static func run(users: Int) -> Result {
        let (state, settings) = SyntheticTenant.planned(users: users)
        let startCPU = clock()
        let startWall = ContinuousClock.now
        let plan = Planner.plan(state: state, settings: settings, settingsVersion: 1, limits: .autotask)
        let wall = ContinuousClock.now - startWall
        let cpu = Double(clock() - startCPU) / Double(CLOCKS_PER_SEC)
        let w = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        return Result(users: users, contacts: state.psa.contacts.count, commands: plan.commands.count, cpuSeconds: cpu, wallSeconds: w)
    }
}
