@testable import AuditLog
import Testing

@Suite("Retention")
struct PruneTests {
    @Test("prune deletes the old prefix and the rest stays verifiable from the checkpoint, after reopening too")
    func pruneAndVerify() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        // Record n has time (n - 1) * 1000, except record 6, a late one, which has time 500.
        let stored = try await Fixtures.fill(store, count: 30) { index in
            Fixtures.record(index, timeMillis: index == 5 ? 500 : Int64(index) * 1000)
        }
        // Older than 4500: records 1-6 (times 0...4000 and 500); record 7 (time 6000) stops it.
        let deleted = try await store.prune(olderThanMillis: 4500)
        #expect(deleted == 6)
        let verification = try await store.verify()
        #expect(verification == AuditVerification(checked: 24, firstBad: nil, checkpointSequence: 6))
        let remaining = try await store.query(AuditQuery(limit: 1000))
        #expect(remaining.records.map(\.sequence) == Array((7...30).reversed()))
        // A time window still finds the right records once their predecessors are gone.
        let window = try await store.query(AuditQuery(sinceMillis: 6000, untilMillis: 8000))
        #expect(window.records.map(\.sequence) == [8, 7])

        let appended = try await store.append([Fixtures.record(30, timeMillis: 40_000)])
        #expect(appended[0].sequence == 31)
        #expect(appended[0].previousHash == stored[29].hash)
        await store.close()

        let reopened = try Fixtures.store(in: directory)
        #expect(try await reopened.verify() == AuditVerification(checked: 25, firstBad: nil, checkpointSequence: 6))
        await reopened.close()
        let checkpoint = try RawDatabase(path: store.path).column("SELECT sequence || ' ' || hash FROM audit_checkpoint")
        #expect(checkpoint == ["6 \(stored[5].hash)"])
    }

    @Test("prune stops at the first record that is not older, even if older ones follow")
    func stopsAtFirstNewer() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let times: [Int64] = [100, 200, 900, 150, 160, 950]
        _ = try await store.append(times.enumerated().map { Fixtures.record($0.offset, timeMillis: $0.element) })
        #expect(try await store.prune(olderThanMillis: 500) == 2)
        #expect(try await store.prune(olderThanMillis: 500) == 0)
        #expect(try await store.query(AuditQuery()).records.map(\.sequence) == [6, 5, 4, 3])
        #expect(try await store.verify().isIntact)
        await store.close()
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

    @Test("a forged checkpoint breaks the chain at the first record after it")
    func forgedCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 10) { Fixtures.record($0, timeMillis: Int64($0)) }
        #expect(try await store.prune(olderThanMillis: 3) == 3)
        try RawDatabase(path: store.path).execute("UPDATE audit_checkpoint SET hash = printf('%064d', 1)")
        let verification = try await store.verify()
        #expect(verification.firstBad == AuditVerification.BadRecord(
            sequence: 4,
            problem: "record 4 does not follow the checkpoint at record 3: its previous hash is not the hash of the checkpoint at record 3, so a record was inserted, removed or moved here"
        ))
        try RawDatabase(path: store.path).execute("""
            UPDATE audit_checkpoint SET hash = (SELECT previous_hash FROM audit_records WHERE sequence = 4);
            INSERT INTO audit_records SELECT 2, request_id, time_ms, max_time_ms, principal, role, auth_method, client_address,
              operation, method, path, service_id, entry_count, outcome, reason, validation_codes, phones, upstream_status,
              upstream_attempts, upstream_latency_us, total_latency_us, response_status, previous_hash, hash
              FROM audit_records WHERE sequence = 4;
            """)
        let resurrected = try await store.verify()
        #expect(resurrected.firstBad == AuditVerification.BadRecord(
            sequence: 2, problem: "record 2 should not exist: records up to 3 were pruned"
        ))
        await store.close()
    }
}
