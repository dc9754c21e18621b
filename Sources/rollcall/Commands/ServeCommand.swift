// `rollcall serve`: the long-running service — daily runs, runs after settings change, and a small HTTP API.

import ArgumentParser
import Console
import ContactSync
import EventLog
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import SyncEngine

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run as a service: each company daily at its dailyAt, within 5 minutes of its settings changing, and on request.",
        usage: "rollcall serve [--config <config>] [--host <host>] [--port <port>]\n  [--tick <tick>] [--tls-cert <pem> --tls-key <pem> | --https-proxy]",
        discussion: """
            Example:
              export ROLLCALL_API_TOKEN=$(openssl rand -hex 24)
              rollcall serve --config /etc/rollcall/rollcall.yaml --port 8470
              curl -X POST -H "Authorization: Bearer $ROLLCALL_API_TOKEN" \\
                http://127.0.0.1:8470/companies/Contoso/runs

            API (every request needs a bearer token; ROLLCALL_API_VIEWER_TOKEN, when set, may only read): \
            GET /healthz, GET /companies, GET /companies/{name}, GET /approvals, \
            POST /companies/{name}/runs[?full=true] (answers the run's id), GET /companies/{name}/runs[/{runId}], \
            POST /companies/{name}/holds/{runId}/approve and .../dismiss (JSON body {"by": …, "reason": …}).

            The console, for people, is at /console/: accounts are made with rollcall user add (admins save settings, \
            start runs and approve; viewers read). Serve it over https with --tls-cert and --tls-key, or behind an \
            https reverse proxy with --https-proxy; either way its cookies are marked Secure.

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
    @Option(name: .customLong("tls-cert"), help: "Serve https with this certificate chain (PEM).") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "The private key (PEM) of --tls-cert.") var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("give --tls-cert and --tls-key together") }
    }

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
        let viewerToken = ProcessInfo.processInfo.environment["ROLLCALL_API_VIEWER_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let viewerToken, viewerToken.count < 16 || viewerToken == token {
            printError("ROLLCALL_API_VIEWER_TOKEN must be a secret of at least 16 characters, other than ROLLCALL_API_TOKEN")
            throw Exit.badInput
        }
        let router = ControlAPI.router(
            coordinator: coordinator, token: token, viewerToken: viewerToken, settingsProblem: { watcher.problem }
        ) { router in
            Console(
                coordinator: coordinator, store: context.store, secure: httpsProxy || tlsCert != nil, logger: logger,
                settingsPath: config.path, reload: { try watcher.reloadIfChanged() }
            ).addRoutes(to: router)
        }
        let server: HTTPServerBuilder
        let scheme: String
        if let tlsCert, let tlsKey {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(tlsCert).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
                server = try .tls(tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
            } catch {
                printError("cannot serve https with --tls-cert \(tlsCert) and --tls-key \(tlsKey): \(error). Give a PEM certificate chain and its PEM private key.")
                throw Exit.badInput
            }
            scheme = "https"
        } else {
            server = .http1()
            scheme = "http"
        }
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "rollcall"), logger: logger)
        logger.notice("rollcall serve: \(context.settings.companies.count) companies; API on \(scheme)://\(host):\(port), console on \(scheme)://\(host):\(port)/console/")
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
    private let lastProblem = Locked<String?>(nil)

    /// What is wrong with rollcall.yaml as it was last read, when it cannot be used (the previous settings run).
    var problem: String? { lastProblem.withLock { $0 } }

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
            lastProblem.withLock { $0 = "cannot read \(path)" }
            throw EngineError(.badArguments, "cannot read \(path)")
        }
        let settings: RollcallSettings
        do {
            settings = try SettingsLoader.load(yaml: yaml, path: path, environment: ProcessInfo.processInfo.environment)
        } catch {
            lastProblem.withLock { $0 = error.problems.map(\.description).joined(separator: "; ") }
            throw error
        }
        lastProblem.withLock { $0 = nil }
        return SyncEngine(
            settings: settings, store: store, connections: LiveConnections(settings: settings, logger: logger), logger: logger)
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
