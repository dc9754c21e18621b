// The console's preview: what a run would plan with settings not yet saved, from the company's state in the log.

import ContactSync
import Foundation

/// A plan for unsaved settings, and what it would do.
public struct SettingsPreview: Sendable {
    public let plan: Plan
    public let summary: PlanPreview
    /// The state planned from: the log as of its last event.
    public let state: CompanyState
}

extension SyncEngine {
    /// What a run would plan with `settings`, from the company's state in the log: nothing is read from Microsoft 365
    /// or the PSA, and nothing is written.
    public func preview(_ settings: CompanySettings) async throws -> SettingsPreview {
        let state = try await log(for: settings.name).currentState()
        let limits: PSAFieldLimits = self.settings.psa.system == .autotask ? .autotask : .connectwise
        let plan = Planner.plan(
            state: state, settings: settings, settingsVersion: state.settingsVersion + 1, limits: limits,
            connectionDefaultContactType: self.settings.psa.defaultContactType)
        return SettingsPreview(plan: plan, summary: PlanPreview(plan: plan, state: state, settings: settings), state: state)
    }
}
