// R11 (runs) and R12 (audit), one test per rule.

import ContactSync
import Foundation
import Testing

private let utc = TimeZone(identifier: "UTC")!
private func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

@Suite("R11 Runs")
struct RunTests {
    @Test("R11.1 a company runs once a day and within 5 minutes after its settings change")
    func r11_1() {
        let daily = DailyTime("02:00")!
        let lastRun = at("2026-11-28T02:00:30Z")
        #expect(RunSchedule.due(now: at("2026-11-29T01:59:00Z"), enabled: true, lastRunStartedAt: lastRun, settingsChangedAt: nil, dailyAt: daily, timeZone: utc) == nil)
        #expect(RunSchedule.due(now: at("2026-11-29T02:00:00Z"), enabled: true, lastRunStartedAt: lastRun, settingsChangedAt: nil, dailyAt: daily, timeZone: utc) == .schedule)
        let changed = at("2026-11-28T10:00:00Z")
        #expect(RunSchedule.due(now: changed.addingTimeInterval(60), enabled: true, lastRunStartedAt: lastRun, settingsChangedAt: changed, dailyAt: daily, timeZone: utc) == .settingsChanged)
        #expect(RunSchedule.due(now: changed.addingTimeInterval(120), enabled: true, lastRunStartedAt: changed.addingTimeInterval(61), settingsChangedAt: changed, dailyAt: daily, timeZone: utc) == nil)
        #expect(RunSchedule.settingsChangeDelay == 300)
        // a settings change in the log becomes a new version, and only a change does
        var t = Tenant()
        t.run()
        t.run()
        #expect(t.settingsVersion == 1)
        t.settings.useEmail = true
        t.run()
        #expect(t.settingsVersion == 2 && t.state.settings?.useEmail == true)
    }

    @Test("R11.2 a manual run observes changes, creates and updates")
    func r11_2() {
        var t = Tenant()
        let ada = t.user("ada")
        t.run(trigger: .schedule)
        t.edit(ada) { $0.jobTitle = "CTO" }
        let bob = t.user("bob")
        let plan = t.run(trigger: .manual).plan
        #expect(Set(plan.commands.map(\.kind)) == [.create, .update])
        #expect(t.contactOf(ada)?.title == "CTO" && t.contactOf(bob) != nil)
        #expect(t.events.contains { if case .runStarted(let r) = $0.event { return r.trigger == .manual } else { return false } })
    }

    @Test("R11.3 a full run re-reads everything: users missing from it become notFound")
    func r11_3() {
        var t = Tenant()
        let ada = t.user("ada")
        t.run()
        t.users[ada] = nil
        t.run(mode: .delta)
        #expect(t.state.directory.users[ada]?.removal == nil)
        let full = t.run(mode: .full).plan
        #expect(t.state.directory.users[ada]?.removal == .notFound)
        #expect(full.deactivations.count == 1)
        #expect(t.state.directory.lastRead?.mode == .full && t.state.directory.lastRead?.complete == true)
    }

    @Test("R11.4 runs of one company never overlap: a request waits or is merged")
    func r11_4() {
        var q = RunQueue()
        let schedule = RunQueue.Request(trigger: .schedule, mode: .delta)
        #expect(q.request(schedule) == .start(schedule))
        #expect(q.request(RunQueue.Request(trigger: .settingsChanged, mode: .delta)) == .queued)
        #expect(q.request(RunQueue.Request(trigger: .manual, mode: .full)) == .merged)
        #expect(q.finish() == RunQueue.Request(trigger: .manual, mode: .full))
        #expect(q.finish() == nil)
        #expect(q.running == nil)
    }

    @Test("R11.5 a disabled company observes nothing and writes nothing")
    func r11_5() {
        var t = Tenant { $0.enabled = false }
        t.user("ada")
        let plan = t.run().plan
        #expect(plan.commands.isEmpty)
        #expect(t.state.directory.users.isEmpty)
        let direct = Planner.plan(state: t.state, settings: t.settings, settingsVersion: 1, limits: .autotask, sites: t.sites, contactTypes: [], connectionDefaultContactType: nil)
        #expect(direct.notes.contains { $0.rule == "R11.5" })
        #expect(RunSchedule.due(now: Date(timeIntervalSince1970: 1e9), enabled: false, lastRunStartedAt: nil, settingsChangedAt: nil, dailyAt: DailyTime("02:00")!, timeZone: utc) == nil)
    }
}

@Suite("R12 Audit")
struct AuditTests {
    @Test("R12.1 every write names its rules, the events it rests on, and the settings version")
    func r12_1() {
        var t = Tenant()
        let ada = t.user("ada")
        t.contact(email: "bob@contoso.example")
        t.user("bob")
        t.run()
        t.edit(ada) { $0.accountEnabled = false }
        t.refuse = [t.contactOf(ada)!.id]
        t.run()
        var planned: [String: Command] = [:]
        var outcomes = 0
        for e in t.events {
            switch e.event {
            case .commandPlanned(let p):
                #expect(!p.command.ruleIds.isEmpty)
                #expect(p.command.settingsVersion == 1)
                #expect(!p.command.positions.isEmpty)
                #expect(p.command.positions.allSatisfy { $0 > 0 && $0 < e.position })
                planned["\(p.runId)/\(p.command.id)"] = p.command
            case .commandAttempted(let a): #expect(planned["\(a.runId)/\(a.commandId)"]?.write == a.write)
            case .commandSucceeded(let s): #expect(planned["\(s.runId)/\(s.commandId)"] != nil); outcomes += 1
            case .commandFailed(let f): #expect(planned["\(f.runId)/\(f.commandId)"]?.kind == .deactivate); outcomes += 1
            default: break
            }
        }
        #expect(outcomes == 3)
    }

    @Test("R12.2 why a contact is inactive is answered from the log alone, at any moment")
    func r12_2() {
        var t = Tenant()
        let ada = t.user("ada")
        t.run()
        t.edit(ada) { $0.assignedLicenses = [] }
        t.run()
        let contact = t.contactOf(ada)!.id
        let deactivatedAt = t.events.last { if case .commandSucceeded = $0.event { return true } else { return false } }!.recordedAt
        let story = Explainer().story(of: .contact(contact), in: t.events)
        let last = story.last!
        #expect(last.ruleIds.first == "R8.1")
        #expect(last.text.contains("deactivated on"))
        #expect(last.text.contains("because its Microsoft 365 user lost its last license (observed"))
        #expect(last.text.contains("settings v1"))
        #expect(story.contains { $0.text.contains("became ineligible (unlicensed)") })
        let before = Explainer().story(of: .email("ADA@contoso.example"), in: t.events, until: deactivatedAt.addingTimeInterval(-61))
        #expect(!before.contains { $0.text.contains("deactivated on") })
        #expect(before.contains { $0.text.contains("created for") })
    }
}
