// The templates of the settings page: the form, and the fields of one mapping filter.

extension Pages {
    /// The fields of one filter row (an existing filter `f0`, `f1`…, or the new one).
    static let filterFields = """
        <div class="field"><label for="{{id}}-who">Users</label>
          <select id="{{id}}-who" name="{{id}}.who">
            {{^position}}<option value="">Choose…</option>{{/position}}
            {{#whoAll}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/whoAll}}
            <optgroup label="Members of a group">{{#whoGroups}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/whoGroups}}</optgroup>
            <optgroup label="Holding a license">{{#whoLicenses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/whoLicenses}}</optgroup>
            <optgroup label="Signing in at a domain">{{#whoDomains}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/whoDomains}}</optgroup>
            <optgroup label="Other">{{#whoOther}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/whoOther}}</optgroup>
          </select></div>
        <div class="field more"><label for="{{id}}-attribute">Attribute <span class="muted">(for “attribute equals”)</span></label>
          <select id="{{id}}-attribute" name="{{id}}.attribute">{{#attributes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/attributes}}</select></div>
        <div class="field more"><label for="{{id}}-text">Equals, or group name</label>
          <input type="text" id="{{id}}-text" name="{{id}}.text" value="{{text}}"></div>
        <div class="field"><label for="{{id}}-site">Site</label>
          <select id="{{id}}-site" name="{{id}}.site">{{#sites}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sites}}</select></div>
        {{#connectwise}}<div class="field"><label for="{{id}}-type">Contact type</label>
          <select id="{{id}}-type" name="{{id}}.contactType">{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/types}}</select></div>{{/connectwise}}
        """

    static let settings = """
        <p class="crumbs"><a href="/console/companies/{{path}}">{{name}}</a> › Contact sync settings</p>
        <h1>{{name}}: contact sync settings</h1>
        {{#message}}<p class="notice" role="status">{{message}}</p>{{/message}}
        {{#problems}}<p class="error" role="alert">{{.}}</p>{{/problems}}
        {{#preview}}
        <div class="card preview" id="preview" role="status">
          <h2>Preview</h2>
          <p class="sentence">{{sentence}}.</p>
          <p class="muted">Planned from the log as of event {{asOf}}, the way a run would plan it now; nothing was written. The run after Save reads Microsoft 365 and the PSA first, so it may find more. Save below to keep these settings.</p>
        </div>
        {{/preview}}
        {{#unknown}}<p class="notice">Rollcall has not read this company yet, so it cannot offer its sites, licenses and groups. Run it once (Update), then come back.</p>{{/unknown}}
        <form method="post" action="/console/companies/{{path}}/settings" id="settings">
          <button type="submit" name="action" value="preview" class="hidden" tabindex="-1" aria-hidden="true">Preview</button>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="contactTypeShown" value="1">
          <div class="card">
            <label class="check"><input type="checkbox" name="enabled" id="enabled"{{#enabled}} checked{{/enabled}}> Sync contacts to PSA</label>
            <label class="check"><input type="checkbox" name="updateExisting" id="updateExisting"{{#updateExisting}} checked{{/updateExisting}}> Update existing contacts</label>
            <label class="check"><input type="checkbox" name="useEmail" id="useEmail"{{#useEmail}} checked{{/useEmail}}> Use email instead of UPN</label>
            <div class="row">
              <div class="field"><label for="defaultSite">Default site</label>
                <select id="defaultSite" name="defaultSite">{{#siteChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/siteChoices}}</select></div>
              {{#connectwise}}<div class="field"><label for="contactType">Default contact type</label>
                <select id="contactType" name="contactType">{{#typeChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/typeChoices}}</select></div>{{/connectwise}}
            </div>
            <fieldset><legend>Hold deactivations for approval when a run would deactivate more than</legend>
              <div class="row">
                <div class="field"><label for="thresholdCount">Contacts</label><input type="number" min="0" id="thresholdCount" name="thresholdCount" value="{{thresholdCount}}"></div>
                <div class="field"><label for="thresholdPercent">and percent of matched contacts</label><input type="number" min="0" max="100" id="thresholdPercent" name="thresholdPercent" value="{{thresholdPercent}}"></div>
              </div>
            </fieldset>
          </div>
          <h2>Mapping filters</h2>
          <p class="muted">A user goes to the site of the first filter they match. Drag a filter by its handle, or use Move up and Move down.</p>
          <ol class="filters" id="filters">
          {{#filters}}
          <li class="filter" data-position="{{position}}">
            <input type="hidden" name="order" value="{{position}}">
            <div class="head"><span class="handle" title="Drag to reorder" aria-hidden="true">⠿</span> <strong class="number">{{number}}</strong> <span class="muted">{{name}}</span>
              <span class="actions">
                <button type="submit" class="small" name="action" value="up:{{position}}"{{#first}} disabled{{/first}} aria-label="Move filter {{number}} up">Move up</button>
                <button type="submit" class="small" name="action" value="down:{{position}}"{{#last}} disabled{{/last}} aria-label="Move filter {{number}} down">Move down</button>
                <button type="submit" class="small quiet-dark" name="action" value="remove:{{position}}" aria-label="Remove filter {{number}}">Remove</button>
              </span></div>
            <div class="row">{{> filterFields}}</div>
          </li>
          {{/filters}}
          </ol>
          {{^filters}}<p class="muted">No filters: every licensed, enabled user goes to the default site.</p>{{/filters}}
          <div class="card new-filter">
            <h3>Add a filter</h3>
            {{#newFilter}}<div class="row">{{> filterFields}}</div>{{/newFilter}}
            <p><button type="submit" class="small" name="action" value="add" id="add-filter">Add filter</button></p>
          </div>
          <p class="buttons">
            <button type="submit" name="action" value="preview" id="preview-button">Preview</button>
            {{#admin}}<button type="submit" name="action" value="save" id="save-button">Save</button>{{/admin}}
            {{^admin}}<span class="muted">Only an admin can save.</span>{{/admin}}
            <span class="muted" id="unsaved-note"{{^unsaved}} hidden{{/unsaved}}>Changes are not saved yet.</span>
          </p>
        </form>
        <script src="/console/console.js"></script>
        """
}
