// The settings event family: a company's sync settings, versioned.

import Foundation

/// A company's sync settings changed (or were first seen); `version` counts up from 1 per company.
public struct SettingsChanged: Codable, Sendable, Hashable {
    public static let eventType = "SettingsChanged"
    public static let schemaVersion = 1

    public var company: String
    public var version: Int
    public var settings: CompanySettings
    /// R12.3: the console account that saved the settings; absent when rollcall.yaml was edited by hand.
    public var changedBy: String?

    /// Makes the event.
    public init(company: String, version: Int, settings: CompanySettings, changedBy: String? = nil) {
        self.company = company
        self.version = version
        self.settings = settings
        self.changedBy = changedBy
    }

    /// The event to append when `settings` differ from the last recorded ones (`nil` when they do not).
    public static func next(for settings: CompanySettings, after current: CompanySettings?, version: Int) -> SettingsChanged? {
        guard settings != current else { return nil }
        return SettingsChanged(company: settings.name, version: version + 1, settings: settings)
    }
}
