@testable import CallGateStorage
@testable import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Webhook outbox")
struct OutboxTests {
    @Test("a failing batch stores neither its records nor their deliveries, whichever part fails")
    func failingBatch() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let raw = try RawDatabase(path: store.path)
        // The second record of the batch cannot be stored: the first, and its delivery, must go too.
        try raw.execute("""
            CREATE TRIGGER refuse_record BEFORE INSERT ON audit_records WHEN NEW.request_id = 'req-2'
            BEGIN SELECT RAISE(ABORT, 'injected record failure'); END
            """)
        let batch = [
            AuditAppend(PreparedAuditRecord(Fixtures.record(1)), delivery: Fixtures.delivery(1)),
            AuditAppend(PreparedAuditRecord(Fixtures.record(2))),
        ]
        let recordFailure = await #expect(throws: AuditStoreError.self) { try await store.append(batch) }
        #expect(recordFailure == AuditStoreError(
            code: .unavailable,
            detail: "The audit store at \(store.path) could not append 2 records: injected record failure (SQLite error 1811)."
        ))
        #expect(try await store.delivery(id: "dlv-1") == nil)
        #expect(try await store.query(AuditQuery()).records.isEmpty)

        // The delivery cannot be stored: its record, submitted through the writer, must not be either.
        try raw.execute("""
            DROP TRIGGER refuse_record;
            CREATE TRIGGER refuse_delivery BEFORE INSERT ON deliveries
            BEGIN SELECT RAISE(ABORT, 'injected delivery failure'); END
            """)
        let writer = AuditWriter(store: store)
        let deliveryFailure = await #expect(throws: AuditStoreError.self) {
            try await writer.record(Fixtures.record(3), delivery: Fixtures.delivery(3))
        }
        #expect(deliveryFailure == AuditStoreError(
            code: .unavailable,
            detail: "The audit store at \(store.path) could not append 1 record: injected delivery failure (SQLite error 1811)."
        ))
        #expect(try await store.delivery(id: "dlv-3") == nil)
        #expect(try await store.query(AuditQuery()).records.isEmpty)
        #expect(try raw.column("SELECT count(*) FROM deliveries") == ["0"])

        // Once the fault is gone the chain starts at 1, as if the failed batches never happened.
        try raw.execute("DROP TRIGGER refuse_delivery")
        let (record, admission) = try await writer.record(Fixtures.record(4), delivery: Fixtures.delivery(4))
        #expect(record.sequence == 1)
        #expect(record.previousHash == AuditRecord.genesisHash)
        #expect(admission == .created(Delivery(submitted: Fixtures.delivery(4), requestId: "req-4")))
        await writer.shutdown()
        #expect(try await store.verify().isIntact)
        await store.close()
    }

    @Test("pruning delivered deliveries goes in transactions of a bounded number of deliveries")
    func pruneDeliveredInChunks() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        _ = try await store.append((0..<8).map { AuditAppend(PreparedAuditRecord(Fixtures.record($0)), delivery: Fixtures.delivery($0)) })
        #expect(try await store.claimDueDeliveries(nowMillis: 20_000, limit: 8).count == 8)
        for index in 0..<8 {
            _ = try await store.completeDelivery(id: "dlv-\(index)", outcome: .delivered(upstreamStatus: 204), nowMillis: index < 7 ? 3000 : 9000)
        }
        // Chunks of 3: 7 old delivered ones take three transactions.
        #expect(try await store.pruneDeliveredDeliveries(olderThanMillis: 5000, chunk: 3) == 7)
        #expect(try await store.deliveries(status: nil, limit: 100, beforeCursor: nil).deliveries.map(\.id) == ["dlv-7"])
        await store.close()
    }
}

@Suite("Webhook outbox across the schema upgrade to version 8")
struct OutboxUpgradeTests {
    @Test("a version 7 file's deliveries read as due at their creation with no window question, and new ones keep both")
    func upgradeFrom7() async throws {
        let directory = try TemporaryDirectory()
        let written = try Fixtures.store(in: directory)
        _ = try await written.append([AuditAppend(PreparedAuditRecord(Fixtures.record(0)), delivery: Fixtures.delivery(0))])
        await written.close()
        let raw = try RawDatabase(path: written.path)
        try raw.execute("""
            ALTER TABLE deliveries DROP COLUMN first_attempt_ms;
            ALTER TABLE deliveries DROP COLUMN window_query;
            PRAGMA user_version = 7;
            """)

        let store = try Fixtures.store(in: directory)
        #expect(try raw.column("PRAGMA user_version") == ["8"])
        #expect(try raw.column("SELECT count(*) FROM deliveries WHERE first_attempt_ms IS NULL AND window_query IS NULL") == ["1"])
        let old = try #require(try await store.delivery(id: "dlv-0"))
        #expect(old == Delivery(submitted: Fixtures.delivery(0), requestId: "req-0"))
        #expect(old.firstAttemptMillis == old.createdMillis)
        #expect(old.windowQuery == nil)

        var deferred = Fixtures.delivery(1)
        deferred.firstAttemptMillis = 90_000
        deferred.windowQuery = Array("[]".utf8)
        _ = try await store.append([AuditAppend(PreparedAuditRecord(Fixtures.record(1)), delivery: deferred)])
        let new = try #require(try await store.delivery(id: "dlv-1"))
        #expect(new.firstAttemptMillis == 90_000)
        #expect(new.nextAttemptMillis == 90_000)
        #expect(new.windowQuery == Array("[]".utf8))
        #expect(try await store.verify().isIntact)
        await store.close()
    }
}
