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
    /// What a run would plan from `state` with `settings`, under this PSA's field limits and default contact type
    /// (the plans of preview, replay and a hold's people); reads and writes nothing.
    public func plan(_ state: CompanyState, settings: CompanySettings, settingsVersion: Int) -> Plan {
        Planner.plan(
            state: state, settings: settings, settingsVersion: settingsVersion,
            limits: self.settings.psa.system == .autotask ? .autotask : .connectwise,
            connectionDefaultContactType: self.settings.psa.defaultContactType)
    }

    /// What a run would plan with `settings`, from the company's state in the log: nothing is read from Microsoft 365
    /// or the PSA, and nothing is written.
    /// `state` is the company's current state when the caller has it already.
    public func preview(_ settings: CompanySettings, from state: CompanyState? = nil) async throws -> SettingsPreview {
        let state = if let state { state } else { try await log(for: settings.name).currentState() }
        let plan = plan(state, settings: settings, settingsVersion: state.settingsVersion + 1)
        return SettingsPreview(plan: plan, summary: PlanPreview(plan: plan, state: state, settings: settings), state: state)
    }
}
