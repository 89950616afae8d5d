@testable import CallGateStorage
@testable import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Retention")
struct PruneTests {
    @Test("the checkpoint row holds the last record pruned: its sequence and hash")
    func checkpointRow() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let stored = try await Fixtures.fill(store, count: 10) { Fixtures.record($0, timeMillis: Int64($0) * 1000) }
        #expect(try await store.prune(olderThanMillis: 5500) == 6)
        await store.close()
        let checkpoint = try RawDatabase(path: store.path).column("SELECT sequence || ' ' || hash FROM audit_checkpoint")
        #expect(checkpoint == ["6 \(stored[5].hash)"])
    }

    @Test("pruning everything, in several transactions, leaves an empty chain that continues from the checkpoint")
    func pruneEverything() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let count = SQLiteAuditStore.pruneChunkSize * 2 + 345
        let stored = try await Fixtures.fill(store, count: count, batch: 1000) { Fixtures.record($0, timeMillis: Int64($0)) }
        #expect(try await store.prune(olderThanMillis: .max) == count)
        #expect(try await store.query(AuditQuery()).records.isEmpty)
        let emptyVerification = try await store.verify()
        #expect(emptyVerification == AuditVerification(checked: 0, firstBad: nil, checkpointSequence: Int64(count)))
        await store.close()

        let reopened = try Fixtures.store(in: directory)
        let next = try await reopened.append([Fixtures.record(0, timeMillis: 5)])
        #expect(next[0].sequence == Int64(count) + 1)
        #expect(next[0].previousHash == stored.last?.hash)
        #expect(try await reopened.verify() == AuditVerification(checked: 1, firstBad: nil, checkpointSequence: Int64(count)))
        #expect(try await reopened.query(AuditQuery(sinceMillis: 0)).records.map(\.sequence) == [Int64(count) + 1])
        await reopened.close()
        #expect(try RawDatabase(path: store.path).column("SELECT phones FROM audit_records") == [
            PreparedAuditRecord.phonesJSON(Fixtures.record(0, timeMillis: 5).phones)
        ])
    }

    @Test("a forged checkpoint fails its MAC; a record before a true checkpoint should not exist")
    func forgedCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 10) { Fixtures.record($0, timeMillis: Int64($0)) }
        #expect(try await store.prune(olderThanMillis: 3) == 3)
        try RawDatabase(path: store.path).execute("UPDATE audit_checkpoint SET hash = printf('%064d', 1)")
        let verification = try await store.verify()
        #expect(verification.firstBad == AuditVerification.BadRecord(
            sequence: 3, problem: "the checkpoint at record 3 was rewritten or forged: its MAC does not match its content"
        ))
        try RawDatabase(path: store.path).execute("""
            UPDATE audit_checkpoint SET hash = (SELECT previous_hash FROM audit_records WHERE sequence = 4);
            INSERT INTO audit_records SELECT 2, request_id, time_ms, max_time_ms, principal, role, auth_method, client_address,
              operation, method, path, service_id, entry_count, outcome, reason, validation_codes, phones, upstream_status,
              upstream_attempts, upstream_latency_us, total_latency_us, response_status, previous_hash, hash, format_version,
              peer_address, calling_window
              FROM audit_records WHERE sequence = 4;
            """)
        let resurrected = try await store.verify()
        #expect(resurrected.firstBad == AuditVerification.BadRecord(
            sequence: 2, problem: "record 2 should not exist: records up to 3 were pruned"
        ))
        await store.close()
    }
}
