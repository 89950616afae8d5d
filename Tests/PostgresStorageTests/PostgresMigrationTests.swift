import CallGateStorage
import PostgresStorage
import StorageTestSupport
import Testing

@Suite("PostgreSQL schema migrations")
struct PostgresMigrationTests {
    @Test("eight migrators starting together on one database apply each version exactly once")
    func concurrentMigrators() async throws {
        let database = try PostgresTestDatabase()
        let address = try database.address()
        let applied = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<8 {
                group.addTask { try await PostgresAuditStore.migrate(address, configuration: PostgresTestCluster.storeConfiguration) }
            }
            var applied: [[Int64]] = []
            for try await versions in group { applied.append(versions) }
            return applied
        }
        #expect(applied.filter { !$0.isEmpty } == [PostgresAuditStore.schemaVersions])
        #expect(applied.filter(\.isEmpty).count == 7)
        let recorded = try database.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM callgate_schema_migrations")
        #expect(recorded.trimmingCharacters(in: .whitespacesAndNewlines)
            == PostgresAuditStore.schemaVersions.map(String.init).joined(separator: ","))
        #expect(try await PostgresAuditStore.migrate(address, configuration: PostgresTestCluster.storeConfiguration) == [])
    }

    @Test("a database a newer release migrated (a version this build does not know) is used as it is")
    func newerSchema() async throws {
        let database = try PostgresTestDatabase()
        #expect(try await PostgresAuditStore.migrate(database.address(), configuration: PostgresTestCluster.storeConfiguration)
            == PostgresAuditStore.schemaVersions)
        try database.psql("INSERT INTO callgate_schema_migrations (version, name) VALUES (99, 'a later release')")
        let store = try await database.open()
        #expect(try await store.append([Fixtures.record(1)]).map(\.sequence) == [1])
        #expect(try await store.verify().isIntact)
        await store.close()
    }
}
