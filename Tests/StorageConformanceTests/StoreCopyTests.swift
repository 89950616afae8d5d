import CallGateStorage
import Foundation
import PostgresStorage
import SQLiteStorage
import StorageTestSupport
import Synchronization
import Testing

/// `callgate store copy`'s work: a store read as stored (both backends), and an SQLite store
/// copied into PostgreSQL whole, checked, or refused.
@Suite("Store copy")
struct StoreCopyTests {
    static let day: Int64 = 86_400_000
    static let answer = StoredResponse(
        status: 200, headers: [.init(name: "Content-Type", value: "application/json")], body: Array(#"{"transactionId":41}"#.utf8)
    )

    /// Fills `storage` with what a gateway leaves behind: 40 records of every outcome (intents
    /// among them), the first 10 pruned behind a checkpoint; six deliveries, one in each state
    /// (delivered, dead, unknown, pending again after a failed attempt, sending, pending never
    /// tried and deferred to its calling window); a completed key and a key in progress.
    static func fill(_ storage: Storage) async throws {
        let outcomes: [AuditOutcome] = [.allowed, .denied, .error, .intent]
        var items: [AuditAppend] = []
        for index in 0..<40 {
            var record = Fixtures.record(index)
            record.outcome = outcomes[index % outcomes.count]
            var delivery = (10..<16).contains(index) ? Fixtures.delivery(index - 10) : nil
            if index == 15 {
                // A launch deferred to its calling window: planned later, with the question asked before sending.
                delivery?.firstAttemptMillis = 50_000
                delivery?.windowQuery = Array(#"[{"phone":"4155550123","state":"CA","durationSeconds":600}]"#.utf8)
            }
            items.append(AuditAppend(PreparedAuditRecord(record), delivery: delivery))
        }
        _ = try await storage.audit.append(items)
        #expect(try await storage.audit.prune(olderThanMillis: Fixtures.record(10).timeMillis) == 10)
        let claimed = try await storage.outbox.claimDueDeliveries(nowMillis: 10_000, limit: 5)
        #expect(claimed.map(\.id) == ["dlv-0", "dlv-1", "dlv-2", "dlv-3", "dlv-4"])
        _ = try await storage.outbox.completeDelivery(id: "dlv-0", outcome: .delivered(upstreamStatus: 200), nowMillis: 11_000)
        _ = try await storage.outbox.completeDelivery(id: "dlv-1", outcome: .dead(reason: "LiveVox refused it", upstreamStatus: 400), nowMillis: 11_000)
        _ = try await storage.outbox.completeDelivery(id: "dlv-2", outcome: .unknown(reason: "timed out"), nowMillis: 11_000)
        _ = try await storage.outbox.completeDelivery(
            id: "dlv-3", outcome: .retry(atMillis: 20_000, error: "LiveVox answered 503", upstreamStatus: 503), nowMillis: 11_000
        )
        let digest = [UInt8](repeating: 0xAB, count: 32)
        #expect(try await storage.idempotency.beginIdempotent(principal: "crm", key: "done", requestDigest: digest, nowMillis: 1000, ttlMillis: day) == .proceed)
        try await storage.idempotency.completeIdempotent(principal: "crm", key: "done", response: answer)
        #expect(try await storage.idempotency.beginIdempotent(principal: "crm", key: "running", requestDigest: digest, nowMillis: 1000, ttlMillis: day) == .proceed)
    }

    /// Everything `source` holds as its reads list it: records, deliveries, keys.
    static func contents(_ source: any StoreCopySource) async throws -> ([AuditRecord], [StoredDelivery], [StoredIdempotencyKey]) {
        var records: [AuditRecord] = []
        try await source.forEachRecord(of: try await source.inventory(), batchSize: 7) { records += $0 }
        var deliveries: [StoredDelivery] = []
        _ = try await source.forEachDelivery(batchSize: 4) { deliveries += $0 }
        var keys: [StoredIdempotencyKey] = []
        _ = try await source.forEachIdempotencyKey(batchSize: 1) { keys += $0 }
        return (records, deliveries, keys)
    }

    @Test("a store reads back as stored: records with their chain after the checkpoint, intents as intents, deliveries in every state, keys with their answers", arguments: Backend.all)
    func readsAsStored(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let storage = try await backend.open(directory)
        try await Self.fill(storage)
        let source = try #require(storage.audit as? any StoreCopySource)
        let inventory = try await source.inventory()
        #expect(inventory.records == 30)
        #expect(inventory.checkpoint?.sequence == 10)
        #expect(inventory.head == (try await storage.audit.chainHead()))
        #expect(inventory.head.sequence == 40)
        #expect(inventory.deliveries == 6)
        #expect(inventory.idempotencyKeys == 2)
        let (records, deliveries, keys) = try await Self.contents(source)
        #expect(records.map(\.sequence) == Array(11...40))
        #expect(records.first?.previousHash == inventory.checkpoint?.anchor.hash)
        #expect(records.last?.hash == inventory.head.hash)
        #expect(records.filter { $0.outcome == .intent }.map(\.sequence) == [12, 16, 20, 24, 28, 32, 36, 40])
        #expect(records[0].requestId == "req-10")
        #expect(deliveries.map(\.delivery.id) == (0..<6).map { "dlv-\($0)" })
        #expect(deliveries.map(\.delivery.status) == [.delivered, .dead, .unknown, .pending, .sending, .pending])
        #expect(deliveries[3].delivery.nextAttemptMillis == 20_000)
        #expect(deliveries[1].delivery.lastError == "LiveVox refused it")
        #expect(deliveries[5].delivery.payload == Fixtures.delivery(5).payload)
        #expect(deliveries[5].delivery.firstAttemptMillis == 50_000)
        #expect(deliveries[5].delivery.nextAttemptMillis == 50_000)
        #expect(deliveries[5].delivery.windowQuery == Array(#"[{"phone":"4155550123","state":"CA","durationSeconds":600}]"#.utf8))
        #expect(keys.map(\.key) == ["done", "running"])
        #expect(keys[0].entry.response == Self.answer)
        #expect(keys[1].entry.response == nil)
        await storage.audit.close()
    }

    /// A PostgreSQL store in a database of its own on the tests' server.
    static func postgres(_ directory: TemporaryDirectory) async throws -> PostgresAuditStore {
        try await PostgresAuditStore.open(
            PostgresTestCluster.address(database: Backend.postgresDatabase(of: directory)), keys: Fixtures.keys,
            configuration: PostgresTestCluster.storeConfiguration
        )
    }

    @Test("an SQLite store copied into PostgreSQL verifies there, holds the same rows, and goes on: a kept answer replays, a pending delivery is claimed, the next record chains")
    func copiesIntoPostgres() async throws {
        let sourceDirectory = try TemporaryDirectory()
        let source = try SQLiteAuditStore(path: sourceDirectory.file("audit.sqlite"), keys: Fixtures.keys)
        try await Self.fill(source.storage)
        let destination = try await Self.postgres(try TemporaryDirectory())

        let copied = try await StoreCopy.copy(from: source, to: destination, batchSize: 7)

        #expect(copied == (try await source.inventory()))
        #expect(try await destination.inventory() == copied)
        let verification = try await destination.verify()
        #expect(verification.isIntact)
        #expect(verification.checked == 30)
        #expect(verification.checkpointSequence == 10)
        let (sourceRecords, sourceDeliveries, sourceKeys) = try await Self.contents(source)
        let (records, deliveries, keys) = try await Self.contents(destination)
        #expect(records == sourceRecords)
        #expect(deliveries == sourceDeliveries)
        #expect(keys == sourceKeys)

        let digest = [UInt8](repeating: 0xAB, count: 32)
        #expect(try await destination.beginIdempotent(principal: "crm", key: "done", requestDigest: digest, nowMillis: 2000, ttlMillis: Self.day) == .replay(Self.answer))
        #expect(try await destination.beginIdempotent(principal: "crm", key: "running", requestDigest: digest, nowMillis: 2000, ttlMillis: Self.day) == .inProgress)
        // The claim that was in flight in the stopped source is unknown once its lease passed.
        #expect(try await destination.recoverInterruptedDeliveries(leaseMillis: 60_000, nowMillis: 100_000) == 1)
        #expect(try await destination.delivery(id: "dlv-4")?.status == .unknown)
        #expect(Set(try await destination.claimDueDeliveries(nowMillis: 60_000, limit: 10).map(\.id)) == ["dlv-3", "dlv-5"])
        // A new delivery takes the position after the copied ones, and the next record chains on.
        let appended = try await destination.append([AuditAppend(PreparedAuditRecord(Fixtures.record(40)), delivery: Fixtures.delivery(6))])
        #expect(appended.first?.sequence == 41)
        #expect(appended.first?.previousHash == copied.head.hash)
        #expect(try await destination.storedDeliveries(afterPosition: 0, limit: 10).map(\.position) == [1, 2, 3, 4, 5, 6, 7])
        #expect(try await destination.verify().isIntact)
        await destination.close()
        await source.close()
    }

    @Test("a copy into a store that holds a record is refused, and changes nothing there")
    func refusesNonEmptyDestination() async throws {
        let sourceDirectory = try TemporaryDirectory()
        let source = try SQLiteAuditStore(path: sourceDirectory.file("audit.sqlite"), keys: Fixtures.keys)
        try await Fixtures.fill(source, count: 3)
        let destination = try await Self.postgres(try TemporaryDirectory())
        try await Fixtures.fill(destination, count: 1)
        let before = try await destination.inventory()

        let error = await #expect(throws: StoreCopyError.self) {
            try await StoreCopy.copy(from: source, to: destination)
        }
        guard case .destinationNotEmpty(let found) = error else {
            Issue.record("expected destinationNotEmpty, got \(String(describing: error))")
            return
        }
        #expect(found == before)
        #expect(error?.description.hasPrefix("The destination is not empty (it holds 1 records") == true)
        #expect(try await destination.inventory() == before)
        await destination.close()
        await source.close()
    }

    /// The SQLite source of `copiesAfterAnInterruptedCopy`, which stops the destination's server
    /// when the copy asks for its second batch of records: mid-transaction.
    final class SourceStoppingServer: StoreCopySource {
        let store: SQLiteAuditStore
        let clusterDirectory: String
        private let reads = Atomic<Int>(0)

        init(_ store: SQLiteAuditStore, clusterDirectory: String) {
            self.store = store
            self.clusterDirectory = clusterDirectory
        }

        func storedRecords(afterSequence: Int64, limit: Int) async throws(AuditStoreError) -> [AuditRecord] {
            if reads.add(1, ordering: .relaxed).newValue == 2 {
                let directory = clusterDirectory
                do { _ = try await StoreCopyTests.script("stop-server", directory) } catch {
                    throw AuditStoreError(code: .unavailable, detail: "\(error)")
                }
            }
            return try await store.storedRecords(afterSequence: afterSequence, limit: limit)
        }

        func inventory() async throws(AuditStoreError) -> StoreInventory { try await store.inventory() }
        func storedDeliveries(afterPosition: Int64, limit: Int) async throws(AuditStoreError) -> [StoredDelivery] {
            try await store.storedDeliveries(afterPosition: afterPosition, limit: limit)
        }
        func storedIdempotencyKeys(after: StoredIdempotencyKey?, limit: Int) async throws(AuditStoreError) -> [StoredIdempotencyKey] {
            try await store.storedIdempotencyKeys(after: after, limit: limit)
        }
        func append(_ items: [AuditAppend]) async throws(AuditStoreError) -> [AuditAppended] { try await store.append(items) }
        func query(_ query: AuditQuery) async throws(AuditStoreError) -> AuditPage { try await store.query(query) }
        func verify(witnessed: [WitnessHead]) async throws(AuditStoreError) -> AuditVerification { try await store.verify(witnessed: witnessed) }
        func chainHead() async throws(AuditStoreError) -> ChainAnchor { try await store.chainHead() }
        func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int { try await store.prune(olderThanMillis: cutoffMillis) }
        func checkWritable() async throws(AuditStoreError) { try await store.checkWritable() }
        func close() async { await store.close() }
    }

    /// `PostgresTestCluster.script` on a thread of its own: a subprocess waited for on one of the
    /// suite's two cooperative threads starves the tests running beside this one.
    static func script(_ command: String, _ directory: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try PostgresTestCluster.script(command, directory) }) }.start()
        }
    }

    @Test("a copy cut short by the destination's server stopping leaves the destination empty, and the next copy completes")
    func copiesAfterAnInterruptedCopy() async throws {
        let sourceDirectory = try TemporaryDirectory()
        let store = try SQLiteAuditStore(path: sourceDirectory.file("audit.sqlite"), keys: Fixtures.keys)
        try await Self.fill(store.storage)
        // A server of this test's own: stopping the suite's would fail the tests running beside it.
        let clusterDirectory = NSTemporaryDirectory() + "callgate-copy-pg-\(UUID().uuidString.prefix(8))"
        let url = try await Self.script("start", clusterDirectory)
        defer { _ = try? PostgresTestCluster.script("stop", clusterDirectory) }
        guard case .postgres(let address) = try AuditStoreURL.parse(url) else {
            Issue.record("the cluster's URL \(url) is not a postgres:// URL")
            return
        }
        let configuration = PostgresAuditStore.Configuration(operationTimeout: .seconds(20), readinessTimeout: .seconds(20))
        let first = try await PostgresAuditStore.open(address, keys: Fixtures.keys, configuration: configuration)

        let error = await #expect(throws: StoreCopyError.self) {
            try await StoreCopy.copy(from: SourceStoppingServer(store, clusterDirectory: clusterDirectory), to: first, batchSize: 7)
        }
        guard case .store(let failure) = error else {
            Issue.record("expected a store failure, got \(String(describing: error))")
            return
        }
        #expect(failure.code == .unavailable)
        await first.close()

        _ = try await Self.script("start-server", clusterDirectory)
        let second = try await PostgresAuditStore.open(address, keys: Fixtures.keys, configuration: configuration)
        #expect(try await second.inventory().isEmpty)
        let copied = try await StoreCopy.copy(from: store, to: second, batchSize: 7)
        #expect(copied.records == 30)
        #expect(try await second.inventory() == copied)
        await second.close()
        await store.close()
    }
}
