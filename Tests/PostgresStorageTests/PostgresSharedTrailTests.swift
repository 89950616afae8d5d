import CallGateStorage
import PostgresStorage
import StorageTestSupport
import Testing

/// What only a store shared by several instances shows: two stores, each with a pool of its own
/// (as two processes), appending to one trail.
@Suite("PostgreSQL: one trail, several instances")
struct PostgresSharedTrailTests {
    @Test("two instances appending concurrently make one chain with no gap that verifies from either")
    func twoWriters() async throws {
        let database = try PostgresTestDatabase()
        let first = try await database.open()
        let second = try await database.open()
        let batches = 40
        let batchSize = 25
        let appended = try await withThrowingTaskGroup(of: [AuditRecord].self) { group in
            for (instance, store) in [first, second].enumerated() {
                for task in 0..<3 {
                    group.addTask {
                        var stored: [AuditRecord] = []
                        for batch in 0..<batches {
                            let base = ((instance * 3 + task) * batches + batch) * batchSize
                            stored += try await store.append((base..<base + batchSize).map { Fixtures.record($0) })
                        }
                        return stored
                    }
                }
            }
            var all: [AuditRecord] = []
            for try await stored in group { all += stored }
            return all
        }
        let total = 2 * 3 * batches * batchSize
        #expect(appended.map(\.sequence).sorted() == Array(1...Int64(total)))
        #expect(Set(appended.map(\.requestId)).count == total)
        for store in [first, second] {
            let verification = try await store.verify()
            #expect(verification.firstBad == nil)
            #expect(verification.checked == total)
            #expect(try await store.chainHead().sequence == Int64(total))
        }
        // Each instance's records are in the one trail, with the hashes it was answered.
        let page = try await second.query(AuditQuery(requestId: "req-0"))
        #expect(page.records == appended.filter { $0.requestId == "req-0" })
        await first.close()
        await second.close()
    }

    @Test("a record cut from the end of the trail fails verification: the head row still names it")
    func tailCut() async throws {
        let database = try PostgresTestDatabase()
        let store = try await database.open()
        try await Fixtures.fill(store, count: 10)
        await store.close()
        try database.psql("DELETE FROM audit_records WHERE sequence = 10")
        let reopened = try await database.open()
        let verification = try await reopened.verify()
        #expect(verification.firstBad == AuditVerification.BadRecord(
            sequence: 10, problem: "record 10 is missing: the chain ends at record 9 but records up to 10 were written"
        ))
        await reopened.close()
    }

    @Test("a last record that is not the one the head row names (rewritten after a cut) fails verification")
    func tailRewritten() async throws {
        let database = try PostgresTestDatabase()
        let store = try await database.open()
        try await Fixtures.fill(store, count: 5)
        await store.close()
        try database.psql("UPDATE audit_head SET hash = repeat('ab', 32) WHERE id = 1")
        let reopened = try await database.open()
        let verification = try await reopened.verify()
        #expect(verification.firstBad == AuditVerification.BadRecord(
            sequence: 5,
            problem: "record 5 is not the one the store appended last: its hash differs from the head's, so the trail was cut back and rewritten"
        ))
        await reopened.close()
    }
}
