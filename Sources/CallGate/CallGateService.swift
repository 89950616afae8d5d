import CallGateCore
import CallGateStorage
import CurlTransport
import Foundation
import HummingbirdCore
import LiveVoxClient
import LiveVoxSimulator
import Logging
import Metrics
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `callgate serve`: assembles the keys, the curl transport, the LiveVox client (or the embedded
/// simulator), the pipeline and the HTTP server (HTTPS with the TLS settings) into one
/// `ServiceGroup`. SIGTERM and SIGINT first drain (`/readyz` fails while requests are still
/// served), then stop the services in reverse order of the list below (HTTP server, delivery
/// worker, audit store, witness, reload door, LiveVox session, curl); the keys, webhook sources
/// and TLS files are reloaded on SIGHUP and when a poll sees them change.
public enum CallGateService {
    /// Runs until a shutdown signal; `onListening` receives the bound address (useful with port 0).
    public static func run(
        settings: GatewaySettings,
        logger: Logger,
        openAPIDocument: [UInt8],
        clock: GatewayClock = .system,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) async throws {
        let callingWindows = try CallingWindowGate.load(settings)
        if callingWindows.defaultProfile == .off {
            logger.warning("Calling windows are OFF (--calling-profile off): launches and callbacks are forwarded at any hour; use this only for calls no calling-hour rule covers")
        }
        let tls: TLSContextBox?
        do {
            tls = try settings.tls.map { try TLSContextBox(files: $0) }
        } catch {
            throw SettingsError("HTTPS cannot be served: \(error)")
        }

        var simulator: RunningSimulator?
        defer { if let simulator { Task { await simulator.shutdown() } } }

        let upstream: LiveVoxClientConfiguration
        if let url = settings.upstreamURL {
            upstream = LiveVoxClientConfiguration(
                baseURL: url, pathPrefix: settings.upstreamPathPrefix,
                queueStatsPathStyle: settings.upstreamQueueStatsStyle,
                accessToken: settings.upstreamAccessToken,
                credentials: LoginRequest(clientName: settings.upstreamClientName, userName: settings.upstreamUserName,
                                          password: settings.upstreamPassword))
        } else {
            let configuration = SimulatorConfiguration(timeOfFailureZone: settings.upstreamTimeZone.identifier)
            let running = try await LiveVoxSimulator.start(configuration: configuration, host: "127.0.0.1", port: 0,
                                                           logger: Logger(label: "callgate.simulator"))
            simulator = running
            logger.notice("No upstream configured: using the embedded LiveVox simulator",
                          metadata: ["upstream.url": "\(running.baseURL)"])
            upstream = LiveVoxClientConfiguration(
                baseURL: running.baseURL, accessToken: configuration.accessToken,
                credentials: LoginRequest(clientName: configuration.clientName, userName: configuration.userName,
                                          password: configuration.password))
        }

        let createdKeys = try DevelopmentKeys.createIfNeeded(settings: settings, embedded: simulator != nil)
        let keys = try APIKeyStore(path: settings.keysFile)
        var jwt: JWTAuthenticator?
        if let jwtSettings = settings.jwt {
            do {
                jwt = try await JWTAuthenticator(settings: jwtSettings)
            } catch {
                throw SettingsError("JWT bearer tokens cannot be accepted: \(error)")
            }
        }

        let curl = try CurlHTTPClient(configuration: .init(
            maxConnectionsPerHost: settings.upstreamMaxConnections,
            requestTimeout: .seconds(settings.upstreamTimeoutSeconds),
            tls: .init(caFile: settings.upstreamCAFile, clientCertificateFile: settings.upstreamClientCertificate,
                       clientKeyFile: settings.upstreamClientKey)))
        var clientConfiguration = upstream
        clientConfiguration.retry.totalDeadline = .seconds(settings.upstreamTimeoutSeconds)
        let client = LiveVoxClient(configuration: clientConfiguration, transport: curl, logger: logger)

        let registry = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: registry)
        metricsFactory.defaultDurationHistogramBuckets = GatewayMetrics.durationBuckets
        MetricsSystem.bootstrapIfNeeded(metricsFactory)
        let metrics = GatewayMetrics(factory: metricsFactory)
        let connections = ConnectionLimiter(maxConnections: ConnectionLimiter.cap(settings.httpMaxConnections, logger: logger),
                                            factory: metricsFactory)

        let nowMillis = clock.nowMillis
        let audit: AuditTrail?
        var witness: AuditWitness?
        switch settings.store {
        case .disabled:
            logger.warning("Running WITHOUT an audit trail (--store none): decisions are not recorded; use this for benchmarks only")
            audit = nil
        case .url(let url):
            let trail = try await openAuditTrail(url: url, settings: settings, metrics: metrics, logger: logger)
            audit = trail
            witness = try await AuditWitness(
                store: trail.store,
                keyFile: settings.auditWitnessKeyFile ?? WitnessFile.path(named: WitnessKey.defaultName, besideStore: url),
                file: WitnessFile(path: settings.auditWitnessFile ?? WitnessFile.path(named: WitnessFile.defaultName, besideStore: url)),
                logger: logger, nowMillis: nowMillis)
        }

        let webhooks: WebhookSourceStore
        do {
            webhooks = try WebhookSourceStore(path: settings.webhookSourcesFile, toleranceSeconds: settings.webhookToleranceSeconds)
        } catch {
            throw SettingsError("The webhook sources file cannot be used: \(error)")
        }
        var worker: DeliveryWorker?
        var deliveriesArrived: (@Sendable () -> Void)?
        if let audit {
            let started = DeliveryWorker(
                trail: audit, client: client, policy: DeliveryPolicy(maxAge: .seconds(settings.webhookRetryHours * 3600)),
                // An attempt lasts at most the upstream timeout; a minute more leaves room for its commit.
                lease: .seconds(settings.upstreamTimeoutSeconds + 60),
                nowMillis: nowMillis, window: { callingWindows.verdict(for: $0, nowMillis: $1) }, logger: logger)
            worker = started
            deliveriesArrived = { started.wake() }
        }

        let drain = ShutdownDrain()
        let auditReadiness = audit.map { audit in
            ReadinessCache(check: {
                await audit.isWritable()
                    ? .init(isReady: true, detail: "ready")
                    : .init(isReady: false, detail: "The audit store cannot be written; requests are refused rather than run unaudited.")
            })
        }
        let gateway = Gateway(
            configuration: .init(
                maxBodyBytes: settings.maxBodyBytes,
                validator: RequestValidator(maxBatchSize: settings.maxBatchSize, allowedRegions: settings.allowedRegions),
                upstreamTimeZone: settings.upstreamTimeZone,
                openAPIDocument: openAPIDocument, defaultRateLimit: settings.defaultRateLimit,
                idempotencyTTLMillis: Int64(settings.idempotencyTTLHours) * 3_600_000,
                webhookMaxBodyBytes: settings.webhookMaxBodyBytes,
                authFailureLimitPerMinute: settings.authFailureLimitPerMinute, trustedProxies: settings.trustedProxies,
                callingWindows: callingWindows),
            keys: keys, jwt: jwt, webhooks: webhooks, deliveriesArrived: deliveriesArrived,
            client: client, audit: audit,
            metrics: metrics,
            exposition: {
                var breakerOpen = false
                if case .open = client.circuitBreakerState { breakerOpen = true }
                metrics.updateGauges(breakerOpen: breakerOpen, upstreamLoad: curl.load, auditWriter: audit?.writer)
                connections.updateGauge()
                return registry.emitToBuffer()
            },
            readiness: {
                if drain.isDraining {
                    return .init(isReady: false, detail: "This instance is shutting down; it serves requests until the drain ends.",
                                 isDraining: true)
                }
                // The breaker is read live (it costs nothing); the audit store's write probe is
                // one transaction, so it runs at most once a second however often probes call.
                if case .open = client.circuitBreakerState {
                    return .init(isReady: false, detail: "LiveVox has been failing; the circuit breaker is open.")
                }
                if let auditReadiness {
                    let audit = await auditReadiness.current()
                    if !audit.isReady { return audit }
                }
                return .init(isReady: true, detail: "ready")
            },
            nowMillis: nowMillis,
            // Rate limits shared through the store are instants on the clock every instance shares.
            nowNanos: WallClock.nowNanos,
            logger: logger)

        let server = GatewayHTTPChannel(
            gateway: gateway, maxBodyBytes: settings.maxBodyBytes,
            timeouts: .init(read: .seconds(Int64(settings.httpReadTimeoutSeconds)), idle: .seconds(Int64(settings.httpIdleTimeoutSeconds))),
            connections: connections, tls: tls, drain: drain
        ).server(
            // A backlog of 1024 (Hummingbird's default is 256, nginx's 511 on Linux; the kernel caps it
            // at net.core.somaxconn): a burst of connections is queued by the kernel rather than its
            // SYNs dropped and retried a second later while the event loops catch up.
            configuration: .init(address: .hostname(settings.host, port: settings.port), backlog: 1024),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                logger.notice("CallGate listening", metadata: ["http.host": "\(settings.host)", "http.port": "\(port)",
                                                               "http.scheme": "\(tls == nil ? "http" : "https")"])
                if !createdKeys.isEmpty {
                    // Written unbuffered, so it shows at once also when stdout is a pipe or a file.
                    let banner = DevelopmentKeys.banner(createdKeys, keysFile: settings.keysFile, scheme: tls == nil ? "http" : "https",
                                                            host: settings.host, port: port)
                    FileHandle.standardOutput.write(Data(banner.utf8))
                }
                await onListening(settings.host, port)
            },
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: curl),
            .init(service: client),
            .init(service: ReloadService(
                reloader: FileReloader(sources: reloadSources(keys: keys, webhooks: webhooks, tls: tls), metrics: metrics, logger: logger),
                pollInterval: settings.reloadPollSeconds > 0 ? .seconds(settings.reloadPollSeconds) : nil)),
        ]
        if let witness {
            // Stopped after the audit service: it signs the head the store closed at.
            services.append(.init(service: witness))
        }
        if let audit {
            // Stopped after the HTTP server (services stop in reverse order): every answered
            // request's record is committed before the store closes.
            services.append(.init(service: AuditService(trail: audit, retentionDays: settings.auditRetentionDays,
                                                           idempotencyTTLMillis: Int64(settings.idempotencyTTLHours) * 3_600_000, logger: logger)))
        }
        if let worker {
            // Stopped before the store closes and after the server: it finishes what it is sending.
            services.append(.init(service: worker))
        }
        services.append(.init(service: server))
        // Last, so stopped first: the server stops accepting only when the drain is over.
        services.append(.init(service: ShutdownDrainService(drain: drain, delay: .seconds(settings.shutdownDrainSeconds), logger: logger)))
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

extension CallGateService {
    /// Opens the audit store at `url`, with the secret from `--audit-secret` or the key file
    /// (created on first run).
    static func openAuditTrail(url: String, settings: GatewaySettings, metrics: GatewayMetrics?, logger: Logger) async throws -> AuditTrail {
        let keys: AuditKeys
        if let secret = settings.auditSecret {
            keys = try AuditKeys(secret: Array(secret.utf8))
        } else {
            keys = try AuditKeys.loadOrCreate(path: settings.auditKeyFile)
        }
        let storage = try await Storage.open(url, keys: keys, options: settings.storeOptions, logger: logger,
                                             rateLimitSyncFailed: metrics.map { metrics in { @Sendable in metrics.recordRateLimitSyncFailure() } })
        logger.notice("Audit trail open", metadata: [
            "audit.store": "\(AuditStoreURL.redacted(url))", "store.sync": "\(settings.storeSync.rawValue)",
        ])
        return AuditTrail(storage: storage, keys: keys, metrics: metrics)
    }
}

/// Keeps the audit trail: reports the incomplete requests at start, prunes records past the
/// retention once at start and then daily, and at shutdown commits what is queued and closes the store.
struct AuditService: Service {
    let trail: AuditTrail
    let retentionDays: Int
    let idempotencyTTLMillis: Int64
    let logger: Logger

    /// Hourly: Idempotency-Keys past their time; and, with a retention, audit records and delivered
    /// webhook deliveries older than it.
    func run() async throws {
        await trail.reportIncompleteRequests(nowMillis: Int64(Date().timeIntervalSince1970 * 1000), logger: logger)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                await prune("Idempotency-Keys", logged: false) {
                    try await trail.idempotency.pruneIdempotency(olderThanMillis: now - idempotencyTTLMillis)
                }
                if retentionDays > 0 {
                    let cutoff = now - Int64(retentionDays) * 86_400_000
                    await prune("Audit records") { try await trail.store.prune(olderThanMillis: cutoff) }
                    await prune("Delivered webhook deliveries") {
                        try await trail.outbox.pruneDeliveredDeliveries(olderThanMillis: cutoff)
                    }
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
        await trail.shutdown()
    }

    /// Runs one pruning; logs how many `what` went (when `logged` and any did) or why it failed.
    private func prune(_ what: String, logged: Bool = true, _ work: () async throws -> Int) async {
        do {
            let pruned = try await work()
            if logged, pruned > 0 {
                logger.notice("\(what) pruned", metadata: ["audit.pruned": "\(pruned)", "audit.retention_days": "\(retentionDays)"])
            }
        } catch {
            logger.error("\(what) pruning failed", metadata: ["audit.error": "\(error)"])
        }
    }
}

extension CallGateService {
    /// What the reload door watches: the keys file, the webhook sources file and, with HTTPS, the TLS files.
    static func reloadSources(keys: APIKeyStore, webhooks: WebhookSourceStore, tls: TLSContextBox?) -> [FileReloader.Source] {
        var sources: [FileReloader.Source] = [
            .init(name: "keys", paths: [keys.path]) {
                try keys.reload()
                return ["keys.count": "\(keys.count)"]
            },
            .init(name: "webhook_sources", paths: [webhooks.path]) {
                try webhooks.reload()
                return ["webhooks.count": "\(webhooks.count)"]
            },
        ]
        if let tls {
            sources.append(.init(name: "tls", paths: tls.files.paths) {
                try tls.reload()
                return [:]
            })
        }
        return sources
    }
}

extension MetricsSystem {
    /// Bootstraps the process's metrics once; a second service in the same process (tests) keeps
    /// the first factory for library metrics and reads its own through its own registry.
    static func bootstrapIfNeeded(_ factory: some MetricsFactory) {
        metricsBootstrapped.withLock { done in
            guard !done else { return }
            done = true
            MetricsSystem.bootstrap(factory)
        }
    }
}

private let metricsBootstrapped = Mutex(false)
