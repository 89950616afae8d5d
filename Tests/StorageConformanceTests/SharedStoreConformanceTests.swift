@testable import CallGateStorage
import StorageTestSupport
import Testing

/// What only a store several instances share shows: two `Storage`s opened on one place, each with
/// a connection pool of its own (as two processes), working at once. These run on the shared
/// backends only (`Backend.shared`): an SQLite file is one process's.
@Suite("Shared store capability conformance")
struct SharedStoreConformanceTests {
    /// Two stores on the place of `directory`: two instances.
    static func twoInstances(_ backend: Backend, _ directory: TemporaryDirectory) async throws -> (Storage, Storage) {
        (try await backend.open(directory), try await backend.open(directory))
    }

    @Test("shared store: two instances claiming concurrently never claim one delivery twice, and together claim every due one",
          arguments: Backend.shared)
    func concurrentClaims(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let (first, second) = try await Self.twoInstances(backend, directory)
        let count = 300
        _ = try await OutboxConformanceTests.admit(first, 0..<count)
        // Each instance runs three claimers at once, as three worker batches; each claims until nothing is due.
        let claims = try await withThrowingTaskGroup(of: [Delivery].self) { group in
            for store in [first, second] {
                for _ in 0..<3 {
                    group.addTask {
                        var claimed: [Delivery] = []
                        while true {
                            let batch = try await store.outbox.claimDueDeliveries(nowMillis: 1_000_000, limit: 7)
                            if batch.isEmpty { return claimed }
                            claimed += batch
                        }
                    }
                }
            }
            return try await group.reduce(into: [[Delivery]]()) { $0.append($1) }
        }
        let ids = claims.flatMap { $0.map(\.id) }
        #expect(ids.count == count, "every delivery claimed exactly once")
        #expect(Set(ids) == Set((0..<count).map { "dlv-\($0)" }))
        #expect(claims.flatMap { $0 }.allSatisfy { $0.status == .sending && $0.attempts == 1 })
        let stored = try await second.outbox.deliveries(status: .sending, limit: 1000, beforeCursor: nil).deliveries
        #expect(stored.count == count)
        #expect(stored.allSatisfy { $0.attempts == 1 })
        await first.audit.close()
        await second.audit.close()
    }

    @Test("shared store: one webhook id submitted through two instances at once is admitted once; every other submission gets it as a duplicate",
          arguments: Backend.shared)
    func concurrentAdmissions(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let (first, second) = try await Self.twoInstances(backend, directory)
        let writers = [AuditWriter(store: first.audit), AuditWriter(store: second.audit)]
        let admissions = try await withThrowingTaskGroup(of: DeliveryAdmission.self) { group in
            for index in 0..<64 {
                let writer = writers[index % 2]
                group.addTask {
                    try await writer.record(Fixtures.record(index), delivery: Fixtures.delivery(index, webhookId: "wh-same")).1
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(admissions.count == 64)
        let delivery = try OutboxConformanceTests.createdOnce(admissions)
        for store in [first, second] {
            #expect(try await store.outbox.deliveries(status: nil, limit: 100, beforeCursor: nil).deliveries == [delivery])
        }
        // Every submission's record is in the one trail, which verifies.
        #expect(try await first.audit.query(AuditQuery(limit: 100)).records.count == 64)
        for writer in writers { await writer.shutdown() }
        #expect(try await second.audit.verify().firstBad == nil)
        await first.audit.close()
        await second.audit.close()
    }

    @Test("shared store: one idempotency key begun through two instances at once proceeds once; the response then replays from either",
          arguments: Backend.shared)
    func concurrentIdempotency(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let (first, second) = try await Self.twoInstances(backend, directory)
        let stores = [first, second]
        let decisions = try await withThrowingTaskGroup(of: (Int, IdempotencyBegin).self) { group in
            for index in 0..<64 {
                group.addTask {
                    (index % 2, try await stores[index % 2].idempotency.beginIdempotent(
                        principal: "crm", key: "same", requestDigest: IdempotencyConformanceTests.digest, nowMillis: 1000,
                        ttlMillis: IdempotencyConformanceTests.day
                    ))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(decisions.filter { $0.1 == .proceed }.count == 1)
        #expect(decisions.filter { $0.1 == .inProgress }.count == 63)
        let proceeded = try #require(decisions.first { $0.1 == .proceed }).0
        try await stores[proceeded].idempotency.completeIdempotent(
            principal: "crm", key: "same", response: IdempotencyConformanceTests.response
        )
        for store in stores {
            #expect(try await store.idempotency.beginIdempotent(
                principal: "crm", key: "same", requestDigest: IdempotencyConformanceTests.digest, nowMillis: 2000,
                ttlMillis: IdempotencyConformanceTests.day
            ) == .replay(IdempotencyConformanceTests.response))
        }
        await first.audit.close()
        await second.audit.close()
    }

    @Test("shared store: an instance's claim survives another's start within its lease, and once the lease ends it becomes unknown, never pending",
          arguments: Backend.shared)
    func leaseExpiry(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let dying = try await backend.open(directory)
        _ = try await OutboxConformanceTests.admit(dying, 0..<3)
        #expect(try await dying.outbox.claimDueDeliveries(nowMillis: 10_000, limit: 2).map(\.id) == ["dlv-0", "dlv-1"])
        // The claiming instance dies: nothing completes its claims.
        await dying.audit.close()

        let lease: Int64 = 60_000
        let survivor = try await backend.open(directory)
        // Within the lease the claims may be a live instance's: left sending, and not claimed again.
        #expect(try await survivor.outbox.recoverInterruptedDeliveries(leaseMillis: lease, nowMillis: 10_000 + lease) == 0)
        #expect(try await survivor.outbox.markSendingUnknown(
            claimedBeforeMillis: 10_000, reason: Delivery.unrecordedError, nowMillis: 10_000 + lease) == 0)
        #expect(try await survivor.outbox.claimDueDeliveries(nowMillis: 10_000 + lease, limit: 10).map(\.id) == ["dlv-2"])
        #expect(try await survivor.outbox.delivery(id: "dlv-0")?.status == .sending)
        // Past the lease: unknown, for review, and never due again.
        #expect(try await survivor.outbox.recoverInterruptedDeliveries(leaseMillis: lease, nowMillis: 10_001 + lease) == 2)
        for index in 0..<2 {
            let expected = OutboxConformanceTests.expected(
                Fixtures.delivery(index), index: index, .unknown, attempts: 1, next: Int64(index + 1) * 1000,
                updated: 10_001 + lease, lastError: Delivery.interruptedError, upstream: nil
            )
            #expect(try await survivor.outbox.delivery(id: "dlv-\(index)") == expected)
        }
        #expect(try await survivor.outbox.nextDueMillis() == nil)
        #expect(try await survivor.outbox.claimDueDeliveries(nowMillis: .max, limit: 10) == [])
        #expect(try await survivor.outbox.deliveries(status: .pending, limit: 10, beforeCursor: nil).deliveries == [])
        await survivor.audit.close()
    }

    @Test("shared store: a delivery due later is claimed by no instance before its time, and by exactly one at it",
          arguments: Backend.shared)
    func dueTime(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let (first, second) = try await Self.twoInstances(backend, directory)
        _ = try await OutboxConformanceTests.admit(first, [(0, Fixtures.delivery(0, createdMillis: 50_000))])
        for store in [first, second] {
            #expect(try await store.outbox.claimDueDeliveries(nowMillis: 49_999, limit: 10) == [])
        }
        let claimed = try await withThrowingTaskGroup(of: [Delivery].self) { group in
            for store in [first, second] {
                group.addTask { try await store.outbox.claimDueDeliveries(nowMillis: 50_000, limit: 10) }
            }
            return try await group.reduce(into: [Delivery]()) { $0 += $1 }
        }
        #expect(claimed.map(\.id) == ["dlv-0"])
        await first.audit.close()
        await second.audit.close()
    }
}
