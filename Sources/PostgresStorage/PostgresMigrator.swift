import CallGateStorage
import Logging
import PostgresNIO

/// Applies the schema versions a database lacks (`PostgresMigration.all`), under an advisory lock,
/// so that N instances starting together apply each version once: the first to take the lock
/// applies, the others wait and then find nothing left to do.
enum PostgresMigrator {
    /// The advisory lock's key: "CGMG" (CallGate migrations).
    static let lockKey: Int64 = 0x4347_4D47

    /// Applies the missing versions of `migrations`, in order, each in a transaction of its own;
    /// returns the versions applied (none when the database was current). A database holding
    /// versions this build does not know (a newer release migrated it) is used as it is: every
    /// migration keeps the previous release working.
    @discardableResult
    static func migrate(
        _ client: PostgresClient, migrations: [PostgresMigration] = PostgresMigration.all, logger: Logger
    ) async throws -> [Int64] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let applied = try await migrate(connection, migrations: migrations, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    private static func migrate(
        _ connection: PostgresConnection, migrations: [PostgresMigration], logger: Logger
    ) async throws -> [Int64] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS callgate_schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var present = Set<Int64>()
        for try await version in try await connection.query("SELECT version FROM callgate_schema_migrations", logger: logger)
            .decode(Int64.self) {
            present.insert(version)
        }
        var applied: [Int64] = []
        for migration in migrations where !present.contains(migration.version) {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO callgate_schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
            }
            logger.notice("Schema migration applied", metadata: [
                "store.migration.version": "\(migration.version)", "store.migration.name": "\(migration.name)",
            ])
            applied.append(migration.version)
        }
        return applied
    }
}
