import CallGateStorage
import Logging
import PostgresStorage
import SQLiteStorage

extension Storage {
    /// Opens the backend the store URL `url` names (`AuditStoreURL`): its audit trail, outbox and
    /// idempotency keys, with the store settings of `options` (`--store-sync`, and for PostgreSQL
    /// the password, CA file and pool size). A PostgreSQL database gets the schema versions it lacks,
    /// and shares its rate limits, calling `rateLimitSyncFailed` for each exchange that fails.
    public static func open(
        _ url: String, keys: AuditKeys, options: StoreOptions = StoreOptions(),
        logger: Logger = Logger(label: "callgate.store"), rateLimitSyncFailed: (@Sendable () -> Void)? = nil
    ) async throws(AuditStoreError) -> Storage {
        switch try AuditStoreURL.parse(url) {
        case .sqlite(let path):
            try SQLiteAuditStore(path: path, keys: keys, configuration: SQLiteAuditStore.Configuration(synchronous: options.sync)).storage
        case .postgres(let address):
            try await PostgresAuditStore.open(
                address, keys: keys,
                configuration: PostgresAuditStore.Configuration(
                    options: options, rateLimitExchange: PostgresRateLimitStore.Exchange(failed: rateLimitSyncFailed)
                ),
                logger: logger
            ).storage
        }
    }
}

extension Storage {
    /// Brings the schema of the store `url` names up to this build's, ahead of a rollout, and
    /// returns what it did in a sentence. PostgreSQL applies the versions the database lacks under
    /// the same advisory lock the instances take at start, touching no record, so it needs no
    /// `keys`; an SQLite file is upgraded by opening it, which needs them.
    public static func migrate(
        _ url: String, keys: AuditKeys?, options: StoreOptions = StoreOptions(),
        logger: Logger = Logger(label: "callgate.store")
    ) async throws(AuditStoreError) -> String {
        switch try AuditStoreURL.parse(url) {
        case .sqlite(let path):
            guard let keys else {
                throw AuditStoreError(
                    code: .invalidSecret, detail: "An SQLite store is upgraded by opening it, which needs the audit key."
                )
            }
            let store = try SQLiteAuditStore(path: path, keys: keys, configuration: SQLiteAuditStore.Configuration(synchronous: options.sync))
            await store.close()
            return "The SQLite store \(path) has this build's schema."
        case .postgres(let address):
            let applied = try await PostgresAuditStore.migrate(
                address, configuration: PostgresAuditStore.Configuration(options: options), logger: logger
            )
            let versions = PostgresAuditStore.schemaVersions.map(String.init).joined(separator: ", ")
            return applied.isEmpty
                ? "The PostgreSQL store \(address) already had schema versions \(versions)."
                : "Applied schema version\(applied.count == 1 ? "" : "s") \(applied.map(String.init).joined(separator: ", ")) to the PostgreSQL store \(address)."
        }
    }
}
