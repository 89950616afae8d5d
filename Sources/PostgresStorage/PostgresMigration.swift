/// One version of the PostgreSQL schema: statements applied once, in one transaction, recorded in
/// `callgate_schema_migrations` (`PostgresMigrator`).
struct PostgresMigration: Sendable {
    /// The version, 1, 2, 3...: applied in this order.
    let version: Int64
    /// What the version adds, for `callgate_schema_migrations.name` and logs.
    let name: String
    /// The statements, one at a time (the extended protocol takes one per query).
    let statements: [String]
}

extension PostgresMigration {
    /// Every version this build knows, in order, each in a file of its own under `Migrations/`.
    ///
    /// Each migration must keep the previous release working on the new schema: builds N and N+1
    /// run side by side during a rolling upgrade, and the older one never migrates back. So a
    /// migration only adds (tables, nullable columns or columns with defaults, indexes built
    /// `CONCURRENTLY` where a table is large); it never renames, drops or narrows what an older
    /// build reads or writes.
    static let all: [PostgresMigration] = [
        auditTrail,
        outbox,
        idempotency,
        rateLimits,
        callingWindowAudit,
        deferredDeliveries,
    ]
}
