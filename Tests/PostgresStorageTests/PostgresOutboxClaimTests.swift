import CallGateStorage
import PostgresStorage
import StorageTestSupport
import Testing

/// The claim a PostgreSQL instance records on the deliveries it takes: which instance, and when.
@Suite("PostgreSQL: claims record their instance")
struct PostgresOutboxClaimTests {
    @Test("each instance's claims carry its own instance name and the claim's time, kept after the attempt completes")
    func claimsNameTheirInstance() async throws {
        let database = try PostgresTestDatabase()
        let first = try await database.open()
        let second = try await database.open()
        #expect(first.instance != second.instance)
        #expect(first.instance.split(separator: "/").count == 3)
        _ = try await first.append((0..<4).map { AuditAppend(PreparedAuditRecord(Fixtures.record($0)), delivery: Fixtures.delivery($0)) })
        #expect(try await first.claimDueDeliveries(nowMillis: 7000, limit: 2).map(\.id) == ["dlv-0", "dlv-1"])
        #expect(try await second.claimDueDeliveries(nowMillis: 8000, limit: 2).map(\.id) == ["dlv-2", "dlv-3"])
        try await second.completeDelivery(id: "dlv-3", outcome: .delivered(upstreamStatus: 204), nowMillis: 9000)
        let rows = try database.psql("SELECT id, claimed_by, claimed_ms, status FROM deliveries ORDER BY position")
        #expect(rows == """
            dlv-0|\(first.instance)|7000|sending
            dlv-1|\(first.instance)|7000|sending
            dlv-2|\(second.instance)|8000|sending
            dlv-3|\(second.instance)|8000|delivered

            """)
        await first.close()
        await second.close()
    }
}
