// swift-tools-version: 6.1
// Rollcall: a Microsoft 365 → PSA (Autotask, ConnectWise) contact sync on an append-only SQLite event log.

import PackageDescription

let package = Package(
    name: "Rollcall",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rollcall", targets: ["rollcall"]),
        .executable(name: "rollcall-bench", targets: ["rollcall-bench"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "ContactSync", targets: ["ContactSync"]),
        .library(name: "SyncEngine", targets: ["SyncEngine"]),
        .library(name: "Emulators", targets: ["Emulators"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // The append-only SQLite event log: append, read, checkpoints, upcasting, hash chain.
        .target(
            name: "EventLog",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The pure domain: events, settings, rules, projections, planner, explanations. No I/O, no clock.
        .target(
            name: "ContactSync",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The stored format: canonical JSON of events and projection rows, content hashes, and the fast readers of big
        // pages and payloads that the adapters and the log share.
        .target(
            name: "StoredFormat",
            dependencies: [
                "ContactSync",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // HTTP on AsyncHTTPClient and the one request policy (retries, Retry-After, origins) of the three clients.
        .target(
            name: "RollcallHTTP",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ]
        ),
        // Microsoft Graph v1.0: token, users, delta, subscribedSkus, group members, throttling.
        .target(
            name: "MicrosoftGraph",
            dependencies: [
                "ContactSync", "StoredFormat", "RollcallHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Autotask PSA REST behind ContactSync's PSAConnection.
        .target(
            name: "Autotask",
            dependencies: [
                "ContactSync", "StoredFormat", "RollcallHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // ConnectWise PSA REST behind ContactSync's PSAConnection.
        .target(
            name: "ConnectWise",
            dependencies: [
                "ContactSync", "StoredFormat", "RollcallHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runs: observe → project → plan → apply, scheduling, per-company locks.
        .target(
            name: "SyncEngine",
            dependencies: [
                "EventLog", "ContactSync", "StoredFormat", "MicrosoftGraph", "Autotask", "ConnectWise", "RollcallHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The web console `rollcall serve` serves beside its API: sign-in, sessions, pages (issue 18).
        .target(
            name: "Console",
            dependencies: [
                "SyncEngine", "EventLog", "ContactSync",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Faithful local servers for Graph, Autotask and ConnectWise, written from the references.
        .target(
            name: "Emulators",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The command-line tool.
        .executableTarget(
            name: "rollcall",
            dependencies: [
                "EventLog", "ContactSync", "SyncEngine", "Emulators", "Console",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks, apart from the product: `scripts/bench*` run them beside baselines measured in the same run.
        .executableTarget(
            name: "rollcall-bench",
            dependencies: [
                "EventLog", "ContactSync", "SyncEngine", "RollcallTesting", "Emulators", "Autotask",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Fixtures that more than one test target uses (a log handler that keeps what was logged, …).
        .target(
            name: "RollcallTesting",
            dependencies: [
                "ContactSync",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RollcallTesting"
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: ["EventLog", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "ContactSyncTests",
            dependencies: [
                "ContactSync", "StoredFormat", "RollcallTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "StoredFormatTests",
            dependencies: ["StoredFormat", "ContactSync"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "RollcallHTTPTests",
            dependencies: [
                "RollcallHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "MicrosoftGraphTests",
            dependencies: [
                "RollcallTesting",
                "MicrosoftGraph", "Emulators", "ContactSync",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "PSATests",
            dependencies: [
                "RollcallTesting",
                "Autotask", "ConnectWise", "Emulators", "ContactSync",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "SyncEngineTests",
            dependencies: [
                "RollcallTesting",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                "SyncEngine", "EventLog", "ContactSync", "Emulators", "MicrosoftGraph", "Autotask", "ConnectWise", "Console",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
