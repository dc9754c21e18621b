// The console's pages: Mustache templates rendered on the server (values escaped by Mustache), one stylesheet, no
// script. Every page works from the keyboard and at phone width.

import Foundation
import Mustache

/// The templates, compiled once.
enum Pages {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        do {
            try library.register(layout, named: "layout")
            try library.register(login, named: "login")
            try library.register(companies, named: "companies")
            try library.register(company, named: "company")
            try library.register(problem, named: "problem")
            try library.register(settings, named: "settings")
            try library.register(run, named: "run")
            try library.register(contacts, named: "contacts")
            try library.register(story, named: "story")
            try library.register(replay, named: "replay")
            try library.register(filterFields, named: "filterFields")
        } catch {
            preconditionFailure("a console template does not parse: \(error)")
        }
        return library
    }()

    /// A page: `template` rendered with `values`, inside the layout.
    /// `refresh` reloads the page every so many seconds (a run's live progress, without script).
    static func render(
        _ template: String, title: String, session: ConsoleSession?, _ values: [String: Any], refresh: (seconds: Int, url: String)? = nil
    ) -> String {
        let body = library.render(values, withTemplate: template) ?? ""
        var page: [String: Any] = ["title": title, "body": body]
        if let refresh { page["refresh"] = "\(refresh.seconds); url=\(refresh.url)" }
        if let session, let account = session.account {
            page["account"] = account
            page["role"] = session.role?.rawValue ?? ""
            page["csrf"] = session.csrf
        }
        return library.render(page, withTemplate: "layout") ?? body
    }

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Rollcall</title>
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <style>
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .7rem 1.2rem;
                 background: #1f3b5c; color: #fff; }
        header a { color: #fff; text-decoration: none; font-weight: 600; }
        header .who { margin-left: auto; display: flex; gap: .8rem; align-items: center; }
        main { max-width: 1100px; margin: 1.2rem auto; padding: 0 1rem; }
        h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
        table { width: 100%; border-collapse: collapse; background: #fff; }
        th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid #e2e5ea; vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; }
        .state { display: inline-block; padding: .1rem .5rem; border-radius: .8rem; font-size: .85rem; background: #e2e5ea; }
        .state-inStep { background: #d7f0dd; } .state-held, .state-paused { background: #fbe9c6; }
        .state-failed, .state-interrupted { background: #f7d4d4; }
        form.inline { display: inline; }
        button, input[type=submit] { font: inherit; padding: .35rem .9rem; border: 1px solid #1f3b5c; border-radius: .3rem;
                 background: #1f3b5c; color: #fff; cursor: pointer; }
        button.quiet { background: transparent; color: inherit; border-color: #fff; }
        input[type=text], input[type=password], input[type=search] { font: inherit; padding: .35rem .5rem; border: 1px solid #aab2bd;
                 border-radius: .3rem; width: 100%; max-width: 22rem; box-sizing: border-box; }
        label { display: block; font-weight: 600; margin: .7rem 0 .2rem; }
        .card { background: #fff; padding: 1rem 1.2rem; border-radius: .4rem; box-shadow: 0 1px 2px #0001; margin-bottom: 1rem; }
        .notice { background: #e6f0fb; border-left: 4px solid #1f3b5c; padding: .6rem .9rem; margin-bottom: 1rem; }
        .error { background: #fbe4e4; border-left: 4px solid #a33; padding: .6rem .9rem; margin-bottom: 1rem; }
        .muted { color: #5b6573; }
        .hidden { position: absolute; left: -10000px; }
        .crumbs { margin: 0; } h2 { font-size: 1.15rem; margin: 1.4rem 0 .6rem; } h3 { font-size: 1rem; margin: 0 0 .4rem; }
        label.check { font-weight: 400; display: flex; gap: .5rem; align-items: center; margin: .4rem 0; }
        fieldset { border: 0; padding: 0; margin: .8rem 0 0; } legend { font-weight: 600; padding: 0; }
        .row { display: flex; flex-wrap: wrap; gap: 0 1rem; } .field { min-width: 12rem; flex: 1 1 12rem; }
        select, input[type=number] { font: inherit; padding: .3rem .4rem; border: 1px solid #aab2bd; border-radius: .3rem; max-width: 100%; }
        ol.filters { list-style: none; padding: 0; margin: 0; }
        li.filter { background: #fff; border: 1px solid #dfe3e8; border-radius: .4rem; padding: .6rem .9rem; margin-bottom: .6rem; }
        li.filter.dragging { opacity: .6; border-style: dashed; }
        .handle { cursor: grab; font-size: 1.2rem; user-select: none; touch-action: none; padding: 0 .3rem; }
        .head { display: flex; flex-wrap: wrap; gap: .3rem .6rem; align-items: center; }
        .actions { margin-left: auto; display: flex; gap: .4rem; flex-wrap: wrap; }
        li.filter label { margin-top: .3rem; }
        button.small { padding: .2rem .6rem; font-size: .9rem; } button.quiet-dark { background: #fff; color: #1f3b5c; }
        button:disabled { opacity: .45; cursor: default; }
        .preview { border-left: 4px solid #2c7a4b; } .sentence { font-size: 1.1rem; font-weight: 600; }
        .buttons { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; }
        ol.story { padding-left: 1.2rem; } ol.story li { background: #fff; margin-bottom: .5rem; padding: .5rem .7rem; border-radius: .3rem; }
        .rules { font-family: ui-monospace, monospace; font-size: .85rem; background: #eef1f5; padding: 0 .3rem; border-radius: .2rem; }
        .progress { background: #fff; border-left: 4px solid #e8a317; }
        :focus-visible { outline: 3px solid #e8a317; outline-offset: 2px; }
        @media (max-width: 700px) { thead { display: none; } tr, td { display: block; } td { border: 0; padding: .2rem .6rem; }
                 tr { border-bottom: 1px solid #e2e5ea; padding: .5rem 0; } }
        </style>
        </head>
        <body>
        <header>
          <a href="/console/">Rollcall</a>
          {{#account}}
          <nav><a href="/console/">Companies</a></nav>
          <div class="who"><span>{{account}} ({{role}})</span>
            <form class="inline" method="post" action="/console/logout"><input type="hidden" name="csrf" value="{{csrf}}">
              <button class="quiet" type="submit">Sign out</button></form></div>
          {{/account}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <h1>Sign in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form class="card" method="post" action="/console/login">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="name">Account</label>
          <input type="text" id="name" name="name" autocomplete="username" required autofocus value="{{name}}">
          <label for="password">Password</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required>
          <p><button type="submit">Sign in</button></p>
        </form>
        """

    static let companies = """
        <h1>Companies</h1>
        {{#hasApprovals}}<p class="notice">Deactivations wait for approval: {{#approvals}}<a href="/console/companies/{{path}}">{{company}}</a> ({{deactivations}} in {{label}}) {{/approvals}}</p>{{/hasApprovals}}
        <form method="get" action="/console/" role="search">
          <label for="q">Find a company</label>
          <input type="search" id="q" name="q" value="{{query}}"> <button type="submit">Search</button>
        </form>
        <p class="muted">{{shown}}</p>
        <table>
          <thead><tr><th>Company</th><th>Sync</th><th>PSA company</th><th>State</th><th>Last run</th><th>Next run</th><th>Held</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr>
            <td><a href="/console/companies/{{path}}">{{name}}</a></td>
            <td>{{#enabled}}on{{/enabled}}{{^enabled}}off{{/enabled}}</td>
            <td>{{psaCompany}}</td>
            <td><span class="state state-{{state}}">{{stateText}}</span>{{#detail}}<div class="muted">{{detail}}</div>{{/detail}}</td>
            <td>{{lastRun}}</td>
            <td>{{nextRun}}</td>
            <td>{{held}}</td>
          </tr>
          {{/rows}}
          </tbody>
        </table>
        """

    static let company = """
        <h1>{{name}}</h1>
        {{#message}}<p class="notice" role="status">{{message}}</p>{{/message}}
        <div class="card">
          <p>State: <span class="state state-{{state}}">{{stateText}}</span> {{#detail}}<span class="muted">{{detail}}</span>{{/detail}}</p>
          <p>PSA company {{psaCompany}} · Microsoft 365 tenant {{tenant}} · sync {{#enabled}}on{{/enabled}}{{^enabled}}off{{/enabled}}</p>
          <p class="buttons"><a href="/console/companies/{{path}}/settings">Contact sync settings</a>
            <a href="/console/companies/{{path}}/contacts">Find a contact</a>
            <a href="/console/companies/{{path}}/replay">Replay</a></p>
          {{#admin}}
          <form method="post" action="/console/companies/{{path}}/runs" class="buttons" id="run-now">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span>Sync contacts to PSA:</span>
            <button type="submit" name="mode" value="delta">Update</button>
            <button type="submit" name="mode" value="full" class="quiet-dark">Full resync</button>
          </form>
          {{/admin}}
        </div>
        {{#live}}
        <div class="card progress" id="live" role="status" aria-live="polite">
          <h2>Running now: {{mode}}</h2>
          {{#runningId}}<p><a href="/console/companies/{{path}}/runs/{{runningId}}">Follow its plan as it is applied</a></p>{{/runningId}}
          <p class="muted">Started {{since}} ({{trigger}}). This page refreshes every 2 seconds.</p>
          {{#applied}}<p><strong>{{applied}}</strong></p>{{/applied}}
          <ol>{{#steps}}<li>{{.}}</li>{{/steps}}</ol>
        </div>
        {{/live}}
        <h2>Held deactivations</h2>
        {{^holds}}<p class="muted">None wait for approval.</p>{{/holds}}
        {{#holds}}
        <div class="card">
          <p>{{label}} holds {{deactivations}} deactivations: more than the company's threshold allows without a person's approval (R8.4).</p>
          <table>
            <thead><tr><th>Contact</th><th>Email</th><th>Why</th></tr></thead>
            <tbody>{{#people}}<tr><td><a href="/console/companies/{{path}}/story?{{storyPath}}">{{who}}</a></td><td>{{email}}</td><td>{{why}}</td></tr>{{/people}}</tbody>
          </table>
          {{#admin}}
          <div class="row">
            <form method="post" action="/console/companies/{{path}}/approve" class="field">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <input type="hidden" name="run" value="{{runId}}">
              <p><button type="submit">Approve {{deactivations}} deactivations</button></p>
            </form>
            <form method="post" action="/console/companies/{{path}}/dismiss" class="field">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <input type="hidden" name="run" value="{{runId}}">
              <label for="reason-{{runId}}">Or dismiss the hold, with a reason</label>
              <input type="text" id="reason-{{runId}}" name="reason" required placeholder="e.g. licenses lapse by mistake; renewing">
              <p><button type="submit" class="quiet-dark">Dismiss: keep them active</button></p>
            </form>
          </div>
          {{/admin}}
          {{^admin}}<p class="muted">An admin can approve them.</p>{{/admin}}
        </div>
        {{/holds}}
        <h2>Recent runs</h2>
        <table>
          <thead><tr><th>Run</th><th>Started</th><th>Trigger</th><th>Outcome</th><th>Writes</th></tr></thead>
          <tbody>
          {{#runs}}<tr><td><a href="/console/companies/{{path}}/runs/{{runId}}">{{label}}</a></td><td>{{started}}</td><td>{{trigger}}</td><td>{{outcome}}</td><td>{{writes}}</td></tr>{{/runs}}
          </tbody>
        </table>
        """

    static let run = """
        <p class="crumbs"><a href="/console/companies/{{path}}">{{name}}</a> › {{label}}</p>
        <h1>{{name}}: {{label}}</h1>
        <div class="card">
          <p>{{mode}}, {{trigger}}; started {{started}}{{#ended}}, ended {{ended}}{{/ended}}: <strong>{{outcome}}</strong></p>
          {{#counts}}<p>{{counts}}</p>{{/counts}}
          {{#error}}<p class="error">{{error}}</p>{{/error}}
          {{#hold}}<p>{{hold}}</p>{{/hold}}
        </div>
        <h2>The plan</h2>
        {{^plan}}<p class="muted">The run planned no write: the PSA was in step.</p>{{/plan}}
        <table class="plan">
          <thead><tr><th>Write</th><th>For</th><th>Changes</th><th>Rules</th><th>Applied</th></tr></thead>
          <tbody>{{#plan}}<tr><td>{{kind}}</td><td>{{who}}</td><td>{{changes}}</td><td><span class="rules">{{rules}}</span></td><td>{{state}}</td></tr>{{/plan}}</tbody>
        </table>
        <h2>Writes</h2>
        {{^writes}}<p class="muted">This run wrote nothing to the PSA.</p>{{/writes}}
        <table>
          <thead><tr><th>When</th><th>Write</th><th>For</th><th>Contact</th><th>Outcome</th></tr></thead>
          <tbody>
          {{#writes}}<tr><td>{{at}}</td><td>{{kind}}</td><td><a href="/console/companies/{{path}}/story?{{storyPath}}">{{person}}</a></td><td>{{contact}}</td><td>{{outcome}}{{#detail}}<div class="muted">{{detail}}</div>{{/detail}}</td></tr>{{/writes}}
          </tbody>
        </table>
        """

    static let contacts = """
        <p class="crumbs"><a href="/console/companies/{{path}}">{{name}}</a> › Find a contact</p>
        <h1>{{name}}: find a user or contact</h1>
        <form method="get" action="/console/companies/{{path}}/contacts" role="search">
          <label for="q">Name or email</label>
          <input type="search" id="q" name="q" value="{{query}}"> <button type="submit">Find</button>
        </form>
        {{#none}}<p class="muted">Nobody in {{name}}'s log matches \u{201C}{{query}}\u{201D}.</p>{{/none}}
        {{#searched}}
        <table>
          <thead><tr><th>Name</th><th>Email</th><th>What</th></tr></thead>
          <tbody>{{#found}}<tr><td><a href="/console/companies/{{path}}/story?{{storyPath}}">{{who}}</a></td><td>{{email}}</td><td>{{what}}</td></tr>{{/found}}</tbody>
        </table>
        {{/searched}}
        """

    static let replay = """
        <p class="crumbs"><a href="/console/companies/{{path}}">{{name}}</a> › Replay</p>
        <h1>{{name}}: replay</h1>
        <form method="get" action="/console/companies/{{path}}/replay" class="card row">
          <div class="field"><label for="run">Just after a run</label>
            <select id="run" name="run"><option value="">—</option>{{#runs}}<option value="{{runId}}"{{#selected}} selected{{/selected}}>{{label}} ({{when}})</option>{{/runs}}</select></div>
          <div class="field"><label for="at">or as of a time</label><input type="datetime-local" id="at" name="at" value="{{at}}"></div>
          <div class="field"><label>&nbsp;</label><button type="submit">Replay</button></div>
        </form>
        {{#replay}}
        <div class="card">
          <p><strong>{{name}} {{said}}</strong>: event {{position}}, settings v{{settingsVersion}}; {{users}} users and {{contacts}} contacts known, {{matchCount}} matched.</p>
          {{#planSentence}}<p>A run then would have planned: <strong>{{planSentence}}</strong>.</p>{{/planSentence}}
        </div>
        <h2>What a run would have planned</h2>
        {{^hasPlan}}<p class="muted">Nothing: the PSA was in step.</p>{{/hasPlan}}
        {{#hasPlan}}<table>
          <thead><tr><th>Would have</th><th>For</th><th>Changes</th><th>Rules</th></tr></thead>
          <tbody>{{#plan}}<tr><td>{{kind}}</td><td>{{who}}</td><td>{{changes}}</td><td><span class="rules">{{rules}}</span></td></tr>{{/plan}}</tbody>
        </table>{{/hasPlan}}
        <h2>Matches</h2>
        <table>
          <thead><tr><th>Contact</th><th>Name</th><th>Microsoft 365 user</th><th>State</th><th>Site</th></tr></thead>
          <tbody>{{#matches}}<tr><td>{{contact}}</td><td>{{name}}</td><td>{{upn}}</td><td>{{active}}</td><td>{{site}}</td></tr>{{/matches}}</tbody>
        </table>
        {{/replay}}
        """

    static let story = """
        <p class="crumbs"><a href="/console/companies/{{path}}">{{name}}</a> › <a href="/console/companies/{{path}}/contacts">Find a contact</a> › Story</p>
        <h1>The story of {{about}}</h1>
        {{#empty}}<p class="muted">The log says nothing about them yet.</p>{{/empty}}
        <ol class="story">
        {{#lines}}<li><span class="muted">{{time}} · event {{position}}</span>{{#rules}} · <span class="rules">{{rules}}</span>{{/rules}}<div>{{text}}</div></li>{{/lines}}
        </ol>
        """

    static let problem = """
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{message}}</p>
        <p><a href="/console/">Back to the companies</a></p>
        """

    static let script = """
        "use strict";
        (function () {
          const list = document.getElementById("filters");
          // A row's attribute and text fields matter only for "attribute equals" and "another group".
          function showMore(row) {
            const who = row.querySelector("select[name$='.who']");
            if (!who) return;
            const needs = who.value === "field" || who.value === "groupNamed";
            row.querySelectorAll(".more").forEach(function (field) { field.hidden = !needs; });
            const attribute = row.querySelector(".more select");
            if (attribute) attribute.closest(".more").hidden = who.value !== "field";
          }
          document.querySelectorAll("li.filter, .new-filter").forEach(function (row) {
            showMore(row);
            const who = row.querySelector("select[name$='.who']");
            if (who) who.addEventListener("change", function () { showMore(row); });
          });
          if (!list) return;
          // After a drag the rows are numbered, and their Move and Remove buttons aimed, by their new places.
          function renumber() {
            const rows = Array.from(list.querySelectorAll("li.filter"));
            rows.forEach(function (row, at) {
              row.querySelector(".number").textContent = String(at + 1);
              row.querySelectorAll("button[name=action]").forEach(function (button) {
                const verb = button.value.split(":")[0];
                button.value = verb + ":" + at;
                const label = { up: "Move filter " + (at + 1) + " up", down: "Move filter " + (at + 1) + " down", remove: "Remove filter " + (at + 1) }[verb];
                if (label) button.setAttribute("aria-label", label);
                if (verb === "up") button.disabled = at === 0;
                if (verb === "down") button.disabled = at === rows.length - 1;
              });
            });
            const note = document.getElementById("unsaved-note");
            if (note) note.hidden = false;
          }
          let dragged = null;
          list.addEventListener("pointerdown", function (event) {
            const handle = event.target.closest(".handle");
            if (!handle) return;
            dragged = handle.closest("li.filter");
            dragged.classList.add("dragging");
            handle.setPointerCapture(event.pointerId);
            event.preventDefault();
          });
          list.addEventListener("pointermove", function (event) {
            if (!dragged) return;
            const rows = Array.from(list.querySelectorAll("li.filter")).filter(function (row) { return row !== dragged; });
            const before = rows.find(function (row) {
              const box = row.getBoundingClientRect();
              return event.clientY < box.top + box.height / 2;
            });
            if (before) list.insertBefore(dragged, before); else list.appendChild(dragged);
          });
          function drop() {
            if (!dragged) return;
            dragged.classList.remove("dragging");
            dragged = null;
            renumber();
          }
          list.addEventListener("pointerup", drop);
          list.addEventListener("pointercancel", drop);
        })();
        """
}
