// swift-tools-version: 6.2
import PackageDescription

/// mimalloc (libmimalloc-dev) in place of glibc's malloc for the service and the benchmarks that
/// stand for it: 6-10 % less CPU per request at 64 connections (docs/benchmarks.md). Linked ahead
/// of libc, its malloc and free are the whole process's.
let mimalloc: [LinkerSetting] = [.linkedLibrary("mimalloc", .when(platforms: [.linux]))]

let package = Package(
    name: "callgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "callgate", targets: ["callgate"]),
        .library(name: "CallGateCore", targets: ["CallGateCore"]),
        .library(name: "LiveVoxSimulator", targets: ["LiveVoxSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: phone numbers, time zones, date-times, LiveVox wire models, error catalog,
        // role policy, request validation.
        .target(name: "CallGateCore"),
        // The calling-window rules file: YAML read with Yams into CallGateCore's rule set, and the
        // committed rules/calling-windows.yaml embedded by the plugin.
        .target(
            name: "CallingRulesYAML",
            dependencies: ["CallGateCore", .product(name: "Yams", package: "Yams")],
            plugins: ["OpenAPIDocumentPlugin"]
        ),
        // The C shim over libcurl (libcurl4-openssl-dev): typed wrappers for the variadic calls.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // Thread names and the allocator's trim threshold: C functions Swift cannot call directly.
        .target(name: "CProcess"),
        // A generic async HTTP client over one curl multi handle on one thread.
        .target(
            name: "CurlTransport",
            dependencies: [
                "CCurl",
                "CProcess",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The upstream protocol: session, retries, breaker, error mapping.
        .target(
            name: "LiveVoxClient",
            dependencies: [
                "CallGateCore",
                "CurlTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A faithful fake LiveVox for tests, demos and the embedded default.
        .target(
            name: "LiveVoxSimulator",
            dependencies: [
                "CallGateCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The sqlite3 C API from the system library (Debian: libsqlite3-dev).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // SHA-256 from the system's libcrypto, through its by-value context, and Ed25519 through
        // EVP (Debian: libssl-dev).
        .systemLibrary(name: "COpenSSLSHA", providers: [.apt(["libssl-dev"])]),
        // The one door for CallGate's own hashing: SHA-256, HMAC-SHA256 with a prepared key,
        // constant-time comparison, hex, and the audit witness's Ed25519 signatures.
        .target(name: "CallGateHashing", dependencies: ["COpenSSLSHA"]),
        // Backend-neutral storage: the store protocols (audit trail, outbox, idempotency, rate
        // limits), records and their canonical form, the keyed chain and its verifier, the
        // group-commit writer.
        .target(name: "CallGateStorage", dependencies: ["CallGateHashing"]),
        // The filters of `/v1/audit` and `callgate audit query` (and the deliveries' paging), parsed
        // into the storage's `AuditQuery` with typed refusals: pure, so the fuzz harness links it.
        .target(name: "CallGateAuditFilters", dependencies: ["CallGateCore", "CallGateHashing", "CallGateStorage"]),
        // The rules of one HTTP/1.1 connection as a value, generic over the head, body and clock
        // types: without NIO, so the fuzz harness links it; the service runs it over NIO's types.
        .target(name: "HTTPConnectionCore"),
        // The embedded backend: every store protocol in one SQLite file.
        .target(name: "SQLiteStorage", dependencies: ["CallGateStorage", "CallGateHashing", "CSQLite", "CProcess"]),
        // The backend for several instances: every store protocol in one PostgreSQL database,
        // through a connection pool; versioned migrations applied under an advisory lock.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "CallGateStorage",
                "CallGateHashing",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The service: identities, settings, the request pipeline, assembly.
        .target(
            name: "CallGate",
            dependencies: [
                "CallGateAuditFilters",
                "CallGateHashing",
                "CallGateStorage",
                "SQLiteStorage",
                "PostgresStorage",
                "CallGateCore",
                "CallingRulesYAML",
                "CurlTransport",
                "HTTPConnectionCore",
                "LiveVoxClient",
                "LiveVoxSimulator",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            plugins: ["OpenAPIDocumentPlugin"]
        ),
        // Writes openapi/callgate.yaml into the build folder as `OpenAPIDocument`, for CallGate.
        .plugin(name: "OpenAPIDocumentPlugin", capability: .buildTool(), dependencies: ["EmbedOpenAPI"]),
        .executableTarget(name: "EmbedOpenAPI", path: "Plugins/EmbedOpenAPI"),
        .executableTarget(
            name: "callgate",
            dependencies: [
                "CallGateAuditFilters",
                "CallGateHashing",
                "CallGateStorage",
                "CallGate",
                "CallGateCore",
                "CurlTransport",
                "CallingRulesYAML",
                "LiveVoxSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            linkerSettings: mimalloc
        ),
        // `make bench`: PhoneNumber.parse throughput on one core.
        .executableTarget(name: "PhoneParseBench", dependencies: ["CallGateCore"], path: "bench/PhoneParseBench"),
        // `make bench`: `check window` lines per CPU second on one core, with the committed rules.
        .executableTarget(name: "WindowCheckBench", dependencies: ["CallGateCore", "CallingRulesYAML"], path: "bench/WindowCheckBench"),
        // `make bench`: sustained appends through the group-commit writer into SQLite.
        .executableTarget(
            name: "ProxyFloor",
            dependencies: [
                "CallGateStorage",
                "SQLiteStorage",
                "CurlTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/ProxyFloor",
            linkerSettings: mimalloc
        ),
        .executableTarget(
            name: "AuditBench", dependencies: ["CallGateCore", "CallGateStorage", "SQLiteStorage", "PostgresStorage"], path: "bench/AuditBench",
            linkerSettings: mimalloc
        ),
        // `make bench`: how closely instances sharing a PostgreSQL database hold one rate limit.
        .executableTarget(
            name: "RateLimitBench", dependencies: ["CallGateStorage", "PostgresStorage"], path: "bench/RateLimitBench"
        ),
        // Appends through the writer and prints each acknowledged record until it is killed; the
        // durability test runs it and kills it with SIGKILL.
        .executableTarget(
            name: "AuditCrashHelper", dependencies: ["CallGateStorage", "SQLiteStorage"], path: "Tests/AuditCrashHelper"
        ),
        // Temporary directories, records and deliveries for the storage tests, and their PostgreSQL server.
        .target(name: "StorageTestSupport", dependencies: ["CallGateStorage", "PostgresStorage"], path: "Tests/StorageTestSupport"),
        // A CA, server and client certificates made with the openssl command, for the HTTPS tests.
        .target(name: "TLSTestSupport", path: "Tests/TLSTestSupport"),
        // Cross-checks the hashing door against swift-crypto.
        .testTarget(
            name: "CallGateHashingTests",
            dependencies: ["CallGateHashing", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The backend-neutral parts, on their own.
        .testTarget(
            name: "CallGateStorageTests",
            dependencies: ["CallGateStorage", "CallGateHashing", "StorageTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // One suite every backend passes: append, chain, verify, prune, query, export, outbox,
        // idempotency, rate limits.
        .testTarget(
            name: "StorageConformanceTests",
            dependencies: ["CallGateStorage", "SQLiteStorage", "PostgresStorage", "StorageTestSupport"]
        ),
        // What only the SQLite backend does: its file, durability, checkpoints, search index.
        .testTarget(
            name: "SQLiteStorageTests",
            dependencies: ["CallGateStorage", "CallGateHashing", "SQLiteStorage", "StorageTestSupport", "AuditCrashHelper", "CSQLite"]
        ),
        // What only the PostgreSQL backend shows: migrations under concurrency, several instances
        // on one trail, connection settings and failures, against a real server.
        .testTarget(
            name: "PostgresStorageTests",
            dependencies: ["CallGateStorage", "PostgresStorage", "StorageTestSupport"]
        ),
        // `make bench`: the upstream leg layer by layer (curl transport, LiveVox client, gateway pipeline).
        .executableTarget(
            name: "UpstreamBench",
            dependencies: [
                "CallGate", "CallGateCore", "CurlTransport", "LiveVoxClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/UpstreamBench",
            linkerSettings: mimalloc
        ),
        // The fuzz harnesses' bodies (`make fuzz` links them with libFuzzer; fuzz/run.sh).
        .target(
            name: "CallGateFuzz", dependencies: ["CallGateCore", "CallGateAuditFilters", "CallGateStorage", "HTTPConnectionCore"],
            path: "fuzz/Harnesses"
        ),
        // Replays the committed fuzz corpora through the harnesses in the ordinary build.
        .testTarget(name: "CallGateFuzzTests", dependencies: ["CallGateFuzz"]),
        .testTarget(
            name: "CallGateCoreTests",
            dependencies: [
                "CallGateCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "CurlTransportTests",
            dependencies: [
                "CCurl",
                "CurlTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "LiveVoxClientTests",
            dependencies: [
                "LiveVoxClient", "CallGateCore", "CurlTransport", "LiveVoxSimulator",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LiveVoxSimulatorTests",
            dependencies: [
                "LiveVoxSimulator",
                "CallGateCore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "CallGateTests",
            dependencies: ["CallGateStorage", "SQLiteStorage", "CallGate", "CallGateCore", "CurlTransport", "LiveVoxClient", "LiveVoxSimulator",
                           "TLSTestSupport", "CallGateAuditFilters", "HTTPConnectionCore",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "JWTKit", package: "jwt-kit"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        // Runs the built `callgate` binary as a subprocess: exit codes, formats, stdin/stdout; several
        // instances on the tests' PostgreSQL server (StorageTestSupport).
        .testTarget(name: "callgateTests", dependencies: ["callgate", "CallGate", "CallGateCore", "CallingRulesYAML", "CurlTransport", "CSQLite",
                                                          "TLSTestSupport", "StorageTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
