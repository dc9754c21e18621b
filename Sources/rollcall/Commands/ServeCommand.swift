// `rollcall serve`: the long-running service — daily runs, runs after settings change, and a small HTTP API.

import ArgumentParser
import Console
import ContactSync
import EventLog
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SyncEngine

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run as a service: each company daily at its dailyAt, within 5 minutes of its settings changing, and on request.",
        usage: "rollcall serve [--config <config>] [--host <host>] [--port <port>]\n  [--tick <tick>] [--https-proxy]",
        discussion: """
            Example:
              export ROLLCALL_API_TOKEN=$(openssl rand -hex 24)
              rollcall serve --config /etc/rollcall/rollcall.yaml --port 8470
              curl -X POST -H "Authorization: Bearer $ROLLCALL_API_TOKEN" \\
                http://127.0.0.1:8470/companies/Contoso/runs

            API (every request needs the bearer token): POST /companies/{name}/runs[?full=true], \
            GET /companies/{name}/runs, GET /healthz.

            The console, for people, is at /console/: accounts are made with rollcall user add (admins approve, \
            viewers read). Behind an https reverse proxy, pass --https-proxy so its cookies are marked Secure.

            rollcall.yaml is re-read when it changes; an invalid file is refused and the previous settings stay in \
            force. SIGTERM or Ctrl-C starts no new run and lets each run going stop after its current step.
            """
    )

    @OptionGroup var config: ConfigOptions
    @Option(help: "Address the API listens on.") var host = "127.0.0.1"
    @Option(help: "Port the API listens on.") var port = 8470
    @Option(help: "Seconds between looks at the schedule and at rollcall.yaml.") var tick = 30
    @Flag(help: "The console is reached through an https reverse proxy: its cookies are marked Secure.")
    var httpsProxy = false

    func run() async throws {
        guard let token = ProcessInfo.processInfo.environment["ROLLCALL_API_TOKEN"], token.count >= 16 else {
            printError("set ROLLCALL_API_TOKEN to a secret of at least 16 characters: the API refuses every request without it")
            throw Exit.badInput
        }
        let context = try AppContext.load(config)
        let logger = { () -> Logger in
            var logger = context.logger
            if ProcessInfo.processInfo.environment["ROLLCALL_LOG_LEVEL"] == nil { logger.logLevel = .info }
            return logger
        }()
        let coordinator = RunCoordinator(engine: context.engine, logger: logger)
        let watcher = SettingsWatcher(path: config.path, store: context.store, logger: logger)
        let scheduler = SchedulerService(
            coordinator: coordinator, reload: { try watcher.reloadIfChanged() }, tick: .seconds(max(1, tick)), logger: logger)
        let app = Application(
            router: ControlAPI.router(coordinator: coordinator, token: token) { router in
                Console(
                    coordinator: coordinator, store: context.store, secure: httpsProxy, logger: logger, settingsPath: config.path,
                    reload: { try watcher.reloadIfChanged() }
                ).addRoutes(to: router)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "rollcall"), logger: logger)
        logger.notice("rollcall serve: \(context.settings.companies.count) companies; API on http://\(host):\(port), console on http://\(host):\(port)/console/")
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: scheduler), .init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Re-reads rollcall.yaml when its modification time changes, and builds a new engine from it.
final class SettingsWatcher: Sendable {
    let path: String
    let store: EventStore
    let logger: Logger
    private let lastModified: Locked<Date?>

    init(path: String, store: EventStore, logger: Logger) {
        self.path = path
        self.store = store
        self.logger = logger
        self.lastModified = Locked(Self.modified(path))
    }

    /// A new engine when the file changed since the last look; throws when the changed file is invalid.
    func reloadIfChanged() throws -> SyncEngine? {
        let now = Self.modified(path)
        guard lastModified.exchange(now) != now else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let yaml = String(data: data, encoding: .utf8) else {
            throw EngineError(.badArguments, "cannot read \(path)")
        }
        let settings = try SettingsLoader.load(yaml: yaml, path: path, environment: ProcessInfo.processInfo.environment)
        return SyncEngine(
            settings: settings, store: store, connections: LiveConnections(settings: settings, logger: logger), logger: logger)
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
