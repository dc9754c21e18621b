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
        } catch {
            preconditionFailure("a console template does not parse: \(error)")
        }
        return library
    }()

    /// A page: `template` rendered with `values`, inside the layout.
    static func render(_ template: String, title: String, session: ConsoleSession?, _ values: [String: Any]) -> String {
        let body = library.render(values, withTemplate: template) ?? ""
        var page: [String: Any] = ["title": title, "body": body]
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
          <thead><tr><th>Company</th><th>Sync</th><th>PSA company</th><th>State</th><th>Last run</th><th>Held</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr>
            <td><a href="/console/companies/{{path}}">{{name}}</a></td>
            <td>{{#enabled}}on{{/enabled}}{{^enabled}}off{{/enabled}}</td>
            <td>{{psaCompany}}</td>
            <td><span class="state state-{{state}}">{{stateText}}</span>{{#detail}}<div class="muted">{{detail}}</div>{{/detail}}</td>
            <td>{{lastRun}}</td>
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
          <p>PSA company {{psaCompany}} · Microsoft 365 tenant {{tenant}}</p>
        </div>
        <h2>Held deactivations</h2>
        {{^holds}}<p class="muted">None wait for approval.</p>{{/holds}}
        {{#holds}}
        <div class="card">
          <p>{{label}} holds {{deactivations}} deactivations: more than the company's threshold allows without a person's approval (R8.4).</p>
          {{#admin}}
          <form method="post" action="/console/companies/{{path}}/approve">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="run" value="{{runId}}">
            <button type="submit">Approve {{deactivations}} deactivations</button>
          </form>
          {{/admin}}
          {{^admin}}<p class="muted">An admin can approve them.</p>{{/admin}}
        </div>
        {{/holds}}
        <h2>Recent runs</h2>
        <table>
          <thead><tr><th>Run</th><th>Started</th><th>Trigger</th><th>Outcome</th><th>Writes</th></tr></thead>
          <tbody>
          {{#runs}}<tr><td>{{label}}</td><td>{{started}}</td><td>{{trigger}}</td><td>{{outcome}}</td><td>{{writes}}</td></tr>{{/runs}}
          </tbody>
        </table>
        """

    static let problem = """
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{message}}</p>
        <p><a href="/console/">Back to the companies</a></p>
        """
}
