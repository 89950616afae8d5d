/// The stores of one backend, as the assembly hands them to who needs them: the audit trail to
/// the audit writer, the outbox to the webhooks and the delivery worker, the idempotency keys to
/// the synchronous surfaces.
///
/// A backend builds the bundle (`SQLiteAuditStore.storage`); code above the protocols never asks
/// a store what else it is. The outbox is the same database as the audit trail in every backend:
/// a webhook's delivery is admitted in the transaction of its record (`AuditStore.append`).
public struct Storage: Sendable {
    /// The hash-chained audit trail.
    public let audit: any AuditStore
    /// The webhook outbox.
    public let outbox: any OutboxStore
    /// The `Idempotency-Key`s of synchronous requests.
    public let idempotency: any IdempotencyStore
    /// The principals' rate limits: shared by every instance of a shared backend, this process's
    /// own otherwise.
    public let rateLimits: any RateLimitStore

    /// Bundles the stores of a backend; its rate limits are this process's unless it shares them.
    public init(audit: any AuditStore, outbox: any OutboxStore, idempotency: any IdempotencyStore,
                rateLimits: any RateLimitStore = InProcessRateLimitStore()) {
        self.audit = audit
        self.outbox = outbox
        self.idempotency = idempotency
        self.rateLimits = rateLimits
    }
}
