import CallGateCore
import CallGateStorage
import Logging

/// The gateway's audit trail: turns each finished request into an ``AuditRecord`` (phones masked
/// and fingerprinted, never whole; no secret of any kind) and commits it through the group-commit
/// writer before the answer is sent. Reads (queries, exports, verification) go to the same store.
/// It also hands on the backend's outbox, idempotency keys and rate limits, which live beside the records.
public final class AuditTrail: Sendable {
    /// The store records are written to and read from.
    public let store: any AuditStore
    /// The webhook outbox, whose deliveries are admitted with their intake's record.
    public let outbox: any OutboxStore
    /// The `Idempotency-Key` store.
    public let idempotency: any IdempotencyStore
    /// The principals' rate limits, shared by every instance when the backend is.
    public let rateLimits: any RateLimitStore
    /// The writer that commits records in groups.
    public let writer: AuditWriter
    /// The keys of the chain and of phone fingerprints.
    public let keys: AuditKeys
    let metrics: GatewayMetrics?

    /// Creates the trail over the stores of `storage`, with its own writer.
    public init(storage: Storage, keys: AuditKeys, metrics: GatewayMetrics? = nil) {
        store = storage.audit
        outbox = storage.outbox
        idempotency = storage.idempotency
        rateLimits = storage.rateLimits
        writer = AuditWriter(store: storage.audit)
        self.keys = keys
        self.metrics = metrics
    }

    /// Whether records can be written now, by a write probe of the store (an empty transaction):
    /// asked before every mutating request is forwarded, so that a store that has just failed
    /// stops calls before LiveVox acts on them, and a store that has recovered lets them through.
    func isWritable() async -> Bool {
        do {
            try await store.checkWritable()
            return true
        } catch {
            return false
        }
    }

    /// Commits the record of `event`; `false` (logged with the request id) when it could not be.
    func commit(_ event: AuditEvent, logger: Logger) async -> Bool {
        await commit(event, delivery: nil, logger: logger) != nil
    }

    /// Commits the record of `event` with `delivery` in one transaction; the outbox's admission
    /// (`.created`, or `.duplicate` for a webhook id seen before), or nil (logged) when the commit failed.
    func commit(_ event: AuditEvent, delivery: NewDelivery, logger: Logger) async -> DeliveryAdmission? {
        await commit(event, delivery: Optional(delivery), logger: logger) ?? nil
    }

    /// nil when the commit failed; otherwise the admission of `delivery`, if there was one.
    private func commit(_ event: AuditEvent, delivery: NewDelivery?, logger: Logger) async -> DeliveryAdmission?? {
        let started = ContinuousClock.now
        do {
            var admission: DeliveryAdmission?
            if let delivery {
                admission = try await writer.record(record(of: event), delivery: delivery).1
            } else {
                _ = try await writer.append(record(of: event))
            }
            metrics?.recordAuditCommit(started.duration(to: .now), committed: true)
            return .some(admission)
        } catch {
            metrics?.recordAuditCommit(started.duration(to: .now), committed: false)
            logger.error("Audit record not committed; the request was answered 503", metadata: [
                "audit.error": "\(error)", "audit.operation": "\(event.draft.operation)", "audit.status": "\(event.responseStatus)",
                "upstream.attempts": "\(event.draft.upstreamAttempts)",
            ])
            return nil
        }
    }

    /// How far back the start looks for incomplete requests: the recent tail, so that a large
    /// trail does not slow the start; older ones are found by `outcome=incomplete` queries.
    static let incompleteScanMillis: Int64 = 86_400_000

    /// Finds the requests of the last day whose intent has no outcome record (the gateway stopped
    /// while LiveVox had them: LiveVox may have acted), sets `callgate_audit_incomplete_requests`
    /// and logs them; returns how many (at most ``AuditQuery/maximumLimit``).
    @discardableResult
    public func reportIncompleteRequests(nowMillis: Int64, logger: Logger) async -> Int {
        let query = AuditQuery(sinceMillis: nowMillis - Self.incompleteScanMillis, outcome: .incomplete, limit: AuditQuery.maximumLimit)
        let page: AuditPage
        do {
            page = try await store.query(query)
        } catch {
            logger.error("The audit trail could not be searched for incomplete requests", metadata: ["audit.error": "\(error)"])
            return 0
        }
        metrics?.recordIncompleteRequests(page.records.count)
        if !page.records.isEmpty {
            logger.warning("Requests sent to LiveVox without an outcome record: LiveVox may have acted on them; GET /v1/audit?outcome=incomplete lists them", metadata: [
                "audit.incomplete": "\(page.records.count)",
                "audit.incomplete_request_ids": "\(page.records.prefix(20).map(\.requestId).joined(separator: " "))",
            ])
        }
        return page.records.count
    }

    /// Stops accepting records and commits those queued.
    public func shutdown() async {
        await writer.shutdown()
        await store.close()
    }

    /// The record of one finished request.
    func record(of event: AuditEvent) -> AuditRecord {
        let draft = event.draft
        return AuditRecord(
            requestId: draft.requestId, timeMillis: event.timeMillis,
            principal: draft.principal?.name, role: draft.principal?.role.rawValue,
            authMethod: draft.principal?.authMethod.rawValue, clientAddress: event.clientAddress, peerAddress: event.peerAddress,
            operation: draft.operation, method: event.method, path: event.path, serviceId: draft.serviceId,
            phones: draft.phones.map { keys.phone($0) }, entryCount: draft.entryCount,
            outcome: event.outcome, reason: event.problem.map { draft.reason ?? $0 }, validationCodes: draft.validationCodes,
            upstreamStatus: draft.upstreamStatus, upstreamAttempts: draft.upstreamAttempts,
            upstreamLatencyMicros: draft.upstreamLatency.map(Self.micros),
            totalLatencyMicros: Self.micros(event.totalLatency), responseStatus: event.responseStatus,
            callingWindow: draft.callingWindow)
    }

    static func micros(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
