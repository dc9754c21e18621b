// What a plan would do, told the way a technician reads it before pressing Save: "12 contacts move from Main to
// Site 2, 3 are created, none deactivated". Computed from a plan; writes nothing.

import Foundation

/// A plan's effect on a company's contacts, counted by kind, with site moves grouped by where they go.
public struct PlanPreview: Sendable, Hashable {
    /// Contacts moving from one site to another.
    public struct Move: Sendable, Hashable {
        public var from: String
        public var to: String
        public var count: Int
    }

    public var created = 0
    public var moves: [Move] = []
    /// Contacts whose fields (names, title, phones, email) would change, moved or not.
    public var updated = 0
    public var deactivated = 0
    public var reactivated = 0
    public var matched = 0
    /// Whether the deactivations would be held for approval (R8.4).
    public var deactivationsHeld = false

    /// Counts `plan`'s commands; sites are named from `state`'s PSA sites (`site 2003` when unknown).
    public init(plan: Plan, state: CompanyState, settings: CompanySettings) {
        let sites = Dictionary(state.psa.sites.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        func site(_ id: Int?) -> String { id.map { sites[$0] ?? "site \($0)" } ?? "no site" }
        var moved: [String: Move] = [:]
        for command in plan.commands {
            switch command.write {
            case .create?: created += 1
            case .update(let id, let update)?:
                if update.isActive == false { deactivated += 1 }
                if update.isActive == true { reactivated += 1 }
                if let to = update.siteId {
                    let from = site(state.psa.contacts[id]?.contact.siteId)
                    let key = from + "\u{0}" + site(to)
                    moved[key, default: Move(from: from, to: site(to), count: 0)].count += 1
                }
                if !update.fields.isEmpty { updated += 1 }
            case nil:
                if command.kind == .match { matched += 1 }
            }
        }
        moves = moved.values.sorted { ($0.count, $1.from, $1.to) > ($1.count, $0.from, $0.to) }
        deactivationsHeld = DeactivationSafety.decide(plan, threshold: settings.deactivationThreshold).held
    }

    /// One sentence: `12 contacts move from Main to Site 2, 3 are created, none deactivated`.
    public var sentence: String {
        func contacts(_ n: Int) -> String { n == 1 ? "1 contact" : "\(n) contacts" }
        var parts = moves.map { "\(contacts($0.count)) move\($0.count == 1 ? "s" : "") from \($0.from) to \($0.to)" }
        if created > 0 { parts.append(created == 1 ? "1 is created" : "\(created) are created") }
        if updated > 0 { parts.append(updated == 1 ? "1 is updated" : "\(updated) are updated") }
        if reactivated > 0 { parts.append(reactivated == 1 ? "1 is reactivated" : "\(reactivated) are reactivated") }
        if matched > 0 { parts.append(matched == 1 ? "1 is matched" : "\(matched) are matched") }
        if deactivated == 0 {
            parts.append("none deactivated")
        } else {
            parts.append((deactivated == 1 ? "1 is deactivated" : "\(deactivated) are deactivated") + (deactivationsHeld ? " (held for approval)" : ""))
        }
        if parts.count == 1 && deactivated == 0 { return "Nothing changes" }
        let text = parts.joined(separator: ", ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}
