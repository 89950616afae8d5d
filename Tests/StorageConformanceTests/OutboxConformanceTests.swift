@testable import CallGateStorage
import StorageTestSupport
import Testing

/// What every backend's outbox does: admission with the record, claims, completions, retries,
/// listing and pruning.
@Suite("Outbox conformance")
struct OutboxConformanceTests {
    /// Appends `Fixtures.record(index)` with each delivery, in one batch, and returns the admissions.
    static func admit(_ store: Storage, _ deliveries: [(index: Int, delivery: NewDelivery)]) async throws -> [DeliveryAdmission] {
        try await store.audit.append(deliveries.map { AuditAppend(PreparedAuditRecord(Fixtures.record($0.index)), delivery: $0.delivery) })
            .map { try #require($0.admission) }
    }

    /// Admits `Fixtures.delivery(index)` for each index, one batch, and returns them as stored.
    static func admit(_ store: Storage, _ indexes: Range<Int>) async throws -> [Delivery] {
        try await admit(store, indexes.map { ($0, Fixtures.delivery($0)) }).map(\.delivery)
    }

    /// The one delivery `admissions` created, when exactly one was created and every other
    /// admission is a duplicate of it.
    static func createdOnce(_ admissions: [DeliveryAdmission]) throws -> Delivery {
        let created = admissions.compactMap { admission -> Delivery? in
            if case .created(let delivery) = admission { return delivery }
            return nil
        }
        #expect(created.count == 1)
        let first = try #require(created.first)
        #expect(admissions.filter { $0 == .duplicate(first) }.count == admissions.count - 1)
        return first
    }

    /// `submitted`, admitted with `Fixtures.record(index)`, as it should be stored after its attempts.
    static func expected(
        _ submitted: NewDelivery, index: Int, _ status: DeliveryStatus, attempts: Int, next: Int64, updated: Int64,
        lastError: String?, upstream: Int?
    ) -> Delivery {
        var delivery = Delivery(submitted: submitted, requestId: "req-\(index)")
        delivery.status = status
        delivery.attempts = attempts
        delivery.nextAttemptMillis = next
        delivery.updatedMillis = updated
        delivery.lastError = lastError
        delivery.upstreamStatus = upstream
        return delivery
    }

    @Test("a delivery submitted with its record is stored with it: pending, due at once, linked by request id", arguments: Backend.all)
    func storedWithRecord(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let writer = AuditWriter(store: store.audit)
        let submitted = Fixtures.delivery(7)
        let (record, admission) = try await writer.record(Fixtures.record(7), delivery: submitted)
        #expect(record.sequence == 1)
        #expect(record.requestId == "req-7")
        let expected = Delivery(
            id: "dlv-7", source: "crm", webhookId: "wh-7", operation: "schedule_callback", serviceId: 21429,
            payload: submitted.payload, createdMillis: 8000, requestId: "req-7", status: .pending, attempts: 0,
            nextAttemptMillis: 8000, updatedMillis: 8000, lastError: nil, upstreamStatus: nil
        )
        #expect(admission == .created(expected))
        #expect(Delivery(submitted: submitted, requestId: "req-7") == expected)
        #expect(try await store.outbox.delivery(id: "dlv-7") == expected)
        #expect(try await store.outbox.delivery(id: "dlv-8") == nil)
        #expect(try await store.audit.query(AuditQuery(requestId: "req-7")).records == [record])
        #expect(try await store.outbox.nextDueMillis() == 8000)
        await writer.shutdown()
        #expect(try await store.audit.verify() == AuditVerification(checked: 1, firstBad: nil, checkpointSequence: nil))
        await store.audit.close()
    }

    @Test("64 concurrent submissions of one webhook id: exactly one delivery is created, every other gets it as a duplicate", arguments: Backend.all)
    func concurrentDuplicates(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let writer = AuditWriter(store: store.audit)
        let admissions = try await withThrowingTaskGroup(of: DeliveryAdmission.self) { group in
            for index in 0..<64 {
                group.addTask {
                    try await writer.record(Fixtures.record(index), delivery: Fixtures.delivery(index, webhookId: "wh-same")).1
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(admissions.count == 64)
        let first = try Self.createdOnce(admissions)
        // Every submission's record is in the trail; only one delivery is in the outbox.
        #expect(writer.recordsWritten == 64)
        let page = try await store.outbox.deliveries(status: nil, limit: 1000, beforeCursor: nil)
        #expect(page == DeliveryPage(deliveries: [first], nextCursor: nil))
        #expect(try await store.audit.query(AuditQuery(requestId: first.requestId)).records.count == 1)
        await writer.shutdown()
        await store.audit.close()
    }

    @Test("a webhook id is unique per source: two sources get two deliveries, a repeat within one batch is a duplicate", arguments: Backend.all)
    func uniquePerSource(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let admissions = try await Self.admit(store, [
            (1, Fixtures.delivery(1, source: "crm-a", webhookId: "wh-shared")),
            (2, Fixtures.delivery(2, source: "crm-b", webhookId: "wh-shared")),
            (3, Fixtures.delivery(3, source: "crm-a", webhookId: "wh-shared")),
        ])
        let first = Delivery(submitted: Fixtures.delivery(1, source: "crm-a", webhookId: "wh-shared"), requestId: "req-1")
        let second = Delivery(submitted: Fixtures.delivery(2, source: "crm-b", webhookId: "wh-shared"), requestId: "req-2")
        #expect(admissions == [.created(first), .created(second), .duplicate(first)])
        #expect(try await store.outbox.delivery(id: "dlv-3") == nil)
        #expect(try await store.outbox.deliveries(status: nil, limit: 10, beforeCursor: nil).deliveries == [second, first])
        await store.audit.close()
    }

    @Test("claiming takes the due pending deliveries, most overdue first, and marks them sending with one more attempt", arguments: Backend.all)
    func claim(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // Due at 1000, 2000, 3000 and 9000.
        let stored = try await Self.admit(store, 0..<3) + Self.admit(store, [(8, Fixtures.delivery(8))]).map(\.delivery)
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 999, limit: 10) == [])
        let claimed = try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: 2)
        let expected = (0..<2).map { index in
            Self.expected(
                Fixtures.delivery(index), index: index, .sending, attempts: 1, next: stored[index].nextAttemptMillis,
                updated: 5000, lastError: nil, upstream: nil
            )
        }
        #expect(claimed == expected)
        #expect(try await store.outbox.delivery(id: "dlv-0") == expected[0])
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: 10).map(\.id) == ["dlv-2"])
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: 10) == [])
        #expect(try await store.outbox.nextDueMillis() == 9000)
        for limit in [0, 1001] {
            let error = await #expect(throws: AuditStoreError.self) {
                try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: limit)
            }
            #expect(error == AuditStoreError(code: .invalidQuery, detail: "The limit must be between 1 and 1000; got \(limit)."))
        }
        _ = try await store.outbox.claimDueDeliveries(nowMillis: 9000, limit: 10)
        #expect(try await store.outbox.nextDueMillis() == nil)
        await store.audit.close()
    }

    @Test("completing an attempt records its outcome: status, schedule, last error and LiveVox's status", arguments: Backend.all)
    func complete(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let cases: [(outcome: DeliveryOutcome, status: DeliveryStatus, next: Int64, error: String?, upstream: Int?)] = [
            (.delivered(upstreamStatus: 204), .delivered, 1000, nil, 204),
            (.retry(atMillis: 65_000, error: "LiveVox answered 503", upstreamStatus: 503), .pending, 65_000, "LiveVox answered 503", 503),
            (.retry(atMillis: 70_000, error: "connection refused", upstreamStatus: nil), .pending, 70_000, "connection refused", nil),
            (.dead(reason: "LiveVox refused it: invalid service", upstreamStatus: 400), .dead, 1000, "LiveVox refused it: invalid service", 400),
            (.unknown(reason: "timed out after sending"), .unknown, 1000, "timed out after sending", nil),
        ]
        for (index, test) in cases.enumerated() {
            let submitted = Fixtures.delivery(index, createdMillis: 1000)
            _ = try await Self.admit(store, [(index, submitted)])
            let claimed = try await store.outbox.claimDueDeliveries(nowMillis: 2000, limit: 1)
            #expect(claimed.map(\.id) == [submitted.id])
            let completed = try await store.outbox.completeDelivery(id: submitted.id, outcome: test.outcome, nowMillis: 3000)
            let expected = Self.expected(
                submitted, index: index, test.status, attempts: 1, next: test.next, updated: 3000,
                lastError: test.error, upstream: test.upstream
            )
            #expect(completed == expected, "\(test.outcome)")
            #expect(try await store.outbox.delivery(id: submitted.id) == expected, "\(test.outcome)")
        }
        await store.audit.close()
    }

    @Test("a retry is scheduled: not claimed before its time, claimed at it, and the schedule survives reopening", arguments: Backend.all)
    func retrySchedule(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        _ = try await Self.admit(store, 0..<1)
        _ = try await store.outbox.claimDueDeliveries(nowMillis: 1000, limit: 1)
        try await store.outbox.completeDelivery(
            id: "dlv-0", outcome: .retry(atMillis: 31_000, error: "LiveVox answered 429", upstreamStatus: 429), nowMillis: 1500
        )
        await store.audit.close()

        let reopened = try await backend.open(directory)
        let expected = Self.expected(
            Fixtures.delivery(0), index: 0, .pending, attempts: 1, next: 31_000, updated: 1500,
            lastError: "LiveVox answered 429", upstream: 429
        )
        #expect(try await reopened.outbox.delivery(id: "dlv-0") == expected)
        #expect(try await reopened.outbox.nextDueMillis() == 31_000)
        #expect(try await reopened.outbox.claimDueDeliveries(nowMillis: 30_999, limit: 10) == [])
        let second = try await reopened.outbox.claimDueDeliveries(nowMillis: 31_000, limit: 10)
        #expect(second.map(\.attempts) == [2])
        #expect(second.map(\.status) == [.sending])
        #expect(second.map(\.lastError) == ["LiveVox answered 429"])
        await reopened.audit.close()
    }

    @Test("a delivery whose first attempt is planned after its creation is due only then; the plan and its window question survive reopening", arguments: Backend.all)
    func plannedFirstAttempt(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        var deferred = Fixtures.delivery(0, createdMillis: 1000)
        deferred.firstAttemptMillis = 50_000
        deferred.windowQuery = Array(#"[{"phone":"4155550123"}]"#.utf8) + [0, 0xFF]
        let admitted = try await Self.admit(store, [(0, deferred), (1, Fixtures.delivery(1, createdMillis: 2000))])
        var expected = Delivery(submitted: Fixtures.delivery(0, createdMillis: 1000), requestId: "req-0")
        expected.nextAttemptMillis = 50_000
        expected.firstAttemptMillis = 50_000
        expected.windowQuery = deferred.windowQuery
        #expect(admitted.map(\.delivery) == [expected, Delivery(submitted: Fixtures.delivery(1), requestId: "req-1")])
        #expect(expected.createdMillis == 1000)
        await store.audit.close()

        let reopened = try await backend.open(directory)
        #expect(try await reopened.outbox.delivery(id: "dlv-0") == expected)
        #expect(try await reopened.outbox.claimDueDeliveries(nowMillis: 49_999, limit: 10).map(\.id) == ["dlv-1"])
        #expect(try await reopened.outbox.nextDueMillis() == 50_000)
        let due = try await reopened.outbox.claimDueDeliveries(nowMillis: 50_000, limit: 10)
        #expect(due.map(\.id) == ["dlv-0"])
        #expect(due.map(\.attempts) == [1])
        #expect(due.map(\.firstAttemptMillis) == [50_000])
        #expect(due.map(\.windowQuery) == [deferred.windowQuery])
        await reopened.audit.close()
    }

    @Test("a first attempt planned before the creation is due at the creation", arguments: Backend.all)
    func plannedNotBeforeCreation(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let submitted = NewDelivery(id: "dlv-0", source: "crm", webhookId: "wh-0", operation: "launch_manual_calls", serviceId: 21429,
                                    payload: Array("{}".utf8), createdMillis: 5000, firstAttemptMillis: 10)
        #expect(submitted.firstAttemptMillis == 5000)
        let stored = try await Self.admit(store, [(0, submitted)])
        #expect(stored.map(\.delivery.nextAttemptMillis) == [5000])
        await store.audit.close()
    }

    @Test("a claim found outside its calling window is pending again until the new instant, not counted as an attempt", arguments: Backend.all)
    func deferredAtDelivery(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        _ = try await Self.admit(store, 0..<1)
        _ = try await store.outbox.claimDueDeliveries(nowMillis: 1000, limit: 1)
        let reason = "outside the calling window at delivery: deferred to 2026-12-08T14:00:00Z"
        let deferred = try await store.outbox.completeDelivery(
            id: "dlv-0", outcome: .deferred(untilMillis: 90_000, reason: reason), nowMillis: 1200)
        var expected = Self.expected(Fixtures.delivery(0), index: 0, .pending, attempts: 0, next: 90_000, updated: 1200,
                                     lastError: reason, upstream: nil)
        expected.firstAttemptMillis = 90_000
        #expect(deferred == expected)
        #expect(try await store.outbox.delivery(id: "dlv-0") == expected)
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 89_999, limit: 10) == [])
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 90_000, limit: 10).map(\.attempts) == [1])
        await store.audit.close()
    }

    @Test("cancelling takes a pending delivery out for good; any other status is a conflict, an unknown id not found", arguments: Backend.all)
    func cancel(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // dlv-0 pending (deferred), dlv-1 sending, dlv-2 delivered, dlv-3 dead.
        var planned = Fixtures.delivery(0)
        planned.firstAttemptMillis = 100_000
        _ = try await Self.admit(store, [(0, planned)] + (1..<4).map { ($0, Fixtures.delivery($0)) })
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: 10).map(\.id) == ["dlv-1", "dlv-2", "dlv-3"])
        try await store.outbox.completeDelivery(id: "dlv-2", outcome: .delivered(upstreamStatus: 204), nowMillis: 5000)
        try await store.outbox.completeDelivery(id: "dlv-3", outcome: .dead(reason: "refused", upstreamStatus: 422), nowMillis: 5000)

        var expected = Delivery(submitted: planned, requestId: "req-0")
        expected.status = .cancelled
        expected.updatedMillis = 7000
        #expect(try await store.outbox.cancelDelivery(id: "dlv-0", services: nil, nowMillis: 7000) == expected)
        #expect(try await store.outbox.delivery(id: "dlv-0") == expected)
        #expect(try await store.outbox.nextDueMillis() == nil)
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 200_000, limit: 10) == [])
        #expect(try await store.outbox.deliveries(status: .cancelled, limit: 10, beforeCursor: nil).deliveries == [expected])
        for (id, status) in [("dlv-0", "cancelled"), ("dlv-1", "sending"), ("dlv-2", "delivered"), ("dlv-3", "dead")] {
            let refused = await #expect(throws: AuditStoreError.self) {
                try await store.outbox.cancelDelivery(id: id, services: nil, nowMillis: 8000)
            }
            #expect(refused == AuditStoreError(
                code: .conflict, detail: "The delivery \(id) is \(status): only a pending delivery can be cancelled."
            ))
        }
        let missing = await #expect(throws: AuditStoreError.self) {
            try await store.outbox.cancelDelivery(id: "nope", services: nil, nowMillis: 8000)
        }
        #expect(missing == AuditStoreError(code: .notFound, detail: "No delivery has the id nope."))
        // Another service's delivery is not found for a principal limited to others.
        var other = Fixtures.delivery(9)
        other.firstAttemptMillis = 100_000
        _ = try await Self.admit(store, [(9, other)])
        let outside = await #expect(throws: AuditStoreError.self) {
            try await store.outbox.cancelDelivery(id: "dlv-9", services: [50123], nowMillis: 8000)
        }
        #expect(outside == AuditStoreError(code: .notFound, detail: "No delivery has the id dlv-9."))
        #expect(try await store.outbox.delivery(id: "dlv-9")?.status == .pending)
        await store.audit.close()
    }

    @Test("only a claimed delivery can be completed, and an unknown id is not found", arguments: Backend.all)
    func completeRules(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        _ = try await Self.admit(store, 0..<1)
        let pending = await #expect(throws: AuditStoreError.self) {
            try await store.outbox.completeDelivery(id: "dlv-0", outcome: .delivered(upstreamStatus: 204), nowMillis: 2000)
        }
        #expect(pending == AuditStoreError(
            code: .conflict, detail: "The delivery dlv-0 is pending, not sending: only a claimed delivery can be completed."
        ))
        let missing = await #expect(throws: AuditStoreError.self) {
            try await store.outbox.completeDelivery(id: "dlv-404", outcome: .delivered(upstreamStatus: 204), nowMillis: 2000)
        }
        #expect(missing == AuditStoreError(code: .notFound, detail: "No delivery has the id dlv-404."))
        #expect(try await store.outbox.delivery(id: "dlv-0") == Delivery(submitted: Fixtures.delivery(0), requestId: "req-0"))
        await store.audit.close()
    }

    @Test("an attempt's record and its delivery's new state commit together; a completion that does not apply keeps the record and says why", arguments: Backend.all)
    func attemptRecords(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let writer = AuditWriter(store: store.audit)
        _ = try await Self.admit(store, 0..<2)
        _ = try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: 1)
        let (record, delivered) = try await writer.record(
            Fixtures.record(0), completing: DeliveryCompletion(deliveryId: "dlv-0", outcome: .delivered(upstreamStatus: 204), nowMillis: 6000))
        #expect(record.sequence == 3)
        #expect(delivered == Self.expected(Fixtures.delivery(0), index: 0, .delivered, attempts: 1, next: 1000, updated: 6000,
                                           lastError: nil, upstream: 204))
        #expect(try await store.outbox.delivery(id: "dlv-0") == delivered)
        // dlv-1 was never claimed: its completion is refused, the attempt's record is kept.
        let refused = await #expect(throws: AuditStoreError.self) {
            try await writer.record(Fixtures.record(1), completing: DeliveryCompletion(
                deliveryId: "dlv-1", outcome: .delivered(upstreamStatus: 204), nowMillis: 6000))
        }
        #expect(refused?.code == .conflict)
        #expect(try await store.outbox.delivery(id: "dlv-1")?.status == .pending)
        let missing = await #expect(throws: AuditStoreError.self) {
            try await writer.record(Fixtures.record(2), completing: DeliveryCompletion(
                deliveryId: "dlv-404", outcome: .delivered(upstreamStatus: 204), nowMillis: 6000))
        }
        #expect(missing == AuditStoreError(code: .notFound, detail: "No delivery has the id dlv-404."))
        #expect(try await store.audit.query(AuditQuery(limit: 10)).records.map(\.sequence) == [5, 4, 3, 2, 1])
        await writer.shutdown()
        #expect(try await store.audit.verify().firstBad == nil)
        await store.audit.close()
    }

    @Test("an operator's retry revives only a dead or unknown delivery, due at once, its history kept", arguments: Backend.all)
    func operatorRetry(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // dlv-0 stays pending, dlv-1 sending; dlv-2 delivered, dlv-3 dead, dlv-4 unknown.
        _ = try await Self.admit(store, 0..<5)
        _ = try await store.outbox.claimDueDeliveries(nowMillis: 5000, limit: 5)
        try await store.outbox.completeDelivery(id: "dlv-0", outcome: .retry(atMillis: 60_000, error: "busy", upstreamStatus: 503), nowMillis: 5000)
        try await store.outbox.completeDelivery(id: "dlv-2", outcome: .delivered(upstreamStatus: 204), nowMillis: 5000)
        try await store.outbox.completeDelivery(id: "dlv-3", outcome: .dead(reason: "refused", upstreamStatus: 422), nowMillis: 5000)
        try await store.outbox.completeDelivery(id: "dlv-4", outcome: .unknown(reason: "timed out"), nowMillis: 5000)
        for (id, status) in [("dlv-0", "pending"), ("dlv-1", "sending"), ("dlv-2", "delivered")] {
            let refused = await #expect(throws: AuditStoreError.self) { try await store.outbox.retryDelivery(id: id, nowMillis: 7000) }
            #expect(refused == AuditStoreError(
                code: .conflict, detail: "The delivery \(id) is \(status): only a dead or unknown delivery can be retried."
            ))
        }
        let missing = await #expect(throws: AuditStoreError.self) { try await store.outbox.retryDelivery(id: "nope", nowMillis: 7000) }
        #expect(missing == AuditStoreError(code: .notFound, detail: "No delivery has the id nope."))
        for (index, lastError, upstream) in [(3, "refused", 422), (4, "timed out", nil as Int?)] {
            let expected = Self.expected(
                Fixtures.delivery(index), index: index, .pending, attempts: 1, next: 7000, updated: 7000,
                lastError: lastError, upstream: upstream
            )
            #expect(try await store.outbox.retryDelivery(id: "dlv-\(index)", nowMillis: 7000) == expected)
        }
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 7000, limit: 10).map(\.id) == ["dlv-3", "dlv-4"])
        await store.audit.close()
    }

    @Test("deliveries in flight when the process stopped are marked unknown at start-up, never claimed again", arguments: Backend.all)
    func interrupted(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        _ = try await Self.admit(store, 0..<3)
        #expect(try await store.outbox.claimDueDeliveries(nowMillis: 2000, limit: 10).map(\.id) == ["dlv-0", "dlv-1"])
        // The process stops while both are being sent: nothing completes them.
        await store.audit.close()

        let reopened = try await backend.open(directory)
        #expect(try await reopened.outbox.recoverInterruptedDeliveries(leaseMillis: 5000, nowMillis: 9000) == 2)
        for index in 0..<2 {
            let expected = Self.expected(
                Fixtures.delivery(index), index: index, .unknown, attempts: 1, next: Int64(index + 1) * 1000, updated: 9000,
                lastError: "interrupted: the process stopped while it was being sent; it may or may not have reached LiveVox",
                upstream: nil
            )
            #expect(try await reopened.outbox.delivery(id: "dlv-\(index)") == expected)
        }
        #expect(try await reopened.outbox.recoverInterruptedDeliveries(leaseMillis: 5000, nowMillis: 9500) == 0)
        #expect(try await reopened.outbox.claimDueDeliveries(nowMillis: 10_000, limit: 10).map(\.id) == ["dlv-2"])
        await reopened.audit.close()
    }

    @Test("listing pages newest first by status, without gaps or duplicates", arguments: Backend.all, [nil, DeliveryStatus.pending, .sending, .dead])
    func listing(backend: Backend, status: DeliveryStatus?) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let stored = try await Self.admit(store, 0..<25)
        // The nine oldest are being sent.
        let claimed = try await store.outbox.claimDueDeliveries(nowMillis: 9000, limit: 100)
        #expect(claimed.count == 9)
        let current = claimed + stored[9...]
        let expected = current.filter { status == nil || $0.status == status }.reversed().map(\.id)
        var seen: [String] = []
        var cursor: Int64?
        var pages = 0
        repeat {
            let page = try await store.outbox.deliveries(status: status, limit: 4, beforeCursor: cursor)
            #expect(page.deliveries.count <= 4)
            #expect(page.deliveries.allSatisfy { status == nil || $0.status == status })
            seen += page.deliveries.map(\.id)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil
        #expect(seen == expected)
        #expect(pages == max(1, (expected.count + 3) / 4))
        let error = await #expect(throws: AuditStoreError.self) {
            try await store.outbox.deliveries(status: status, limit: 0, beforeCursor: nil)
        }
        #expect(error == AuditStoreError(code: .invalidQuery, detail: "The limit must be between 1 and 1000; got 0."))
        await store.audit.close()
    }

    @Test("pruning delivered deliveries removes only delivered ones last updated before the cutoff", arguments: Backend.all)
    func pruneDelivered(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // 0-6 delivered at 3000, 7 delivered at 9000; 8 dead, 9 unknown and 10 retrying at 3000; 11 sending; 12 pending.
        _ = try await Self.admit(store, 0..<13)
        let claimed = try await store.outbox.claimDueDeliveries(nowMillis: 20_000, limit: 12)
        #expect(claimed.count == 12)
        for index in 0..<7 {
            _ = try await store.outbox.completeDelivery(id: "dlv-\(index)", outcome: .delivered(upstreamStatus: 204), nowMillis: 3000)
        }
        _ = try await store.outbox.completeDelivery(id: "dlv-7", outcome: .delivered(upstreamStatus: 204), nowMillis: 9000)
        _ = try await store.outbox.completeDelivery(id: "dlv-8", outcome: .dead(reason: "refused", upstreamStatus: 400), nowMillis: 3000)
        _ = try await store.outbox.completeDelivery(id: "dlv-9", outcome: .unknown(reason: "timed out"), nowMillis: 3000)
        _ = try await store.outbox.completeDelivery(id: "dlv-10", outcome: .retry(atMillis: 99_000, error: "503", upstreamStatus: 503),
                                             nowMillis: 3000)
        let before = try await store.outbox.deliveries(status: nil, limit: 100, beforeCursor: nil).deliveries

        #expect(try await store.outbox.pruneDeliveredDeliveries(olderThanMillis: 5000) == 7)
        let after = try await store.outbox.deliveries(status: nil, limit: 100, beforeCursor: nil).deliveries
        #expect(after.map(\.id) == ["dlv-12", "dlv-11", "dlv-10", "dlv-9", "dlv-8", "dlv-7"])
        #expect(after == before.filter { !["dlv-0", "dlv-1", "dlv-2", "dlv-3", "dlv-4", "dlv-5", "dlv-6"].contains($0.id) })
        for index in 0..<7 { #expect(try await store.outbox.delivery(id: "dlv-\(index)") == nil) }
        #expect(try await store.outbox.pruneDeliveredDeliveries(olderThanMillis: 5000) == 0)
        // The one delivered later goes once the cutoff passes it; nothing else ever does.
        #expect(try await store.outbox.pruneDeliveredDeliveries(olderThanMillis: .max) == 1)
        #expect(try await store.outbox.deliveries(status: nil, limit: 100, beforeCursor: nil).deliveries.map(\.id)
                == ["dlv-12", "dlv-11", "dlv-10", "dlv-9", "dlv-8"])
        // The audit records stay (they have a retention of their own), and the chain verifies.
        #expect(try await store.audit.query(AuditQuery()).records.count == 13)
        #expect(try await store.audit.verify().firstBad == nil)
        await store.audit.close()
    }

    @Test("pruning the audit trail keeps the deliveries, and the chain stays verifiable", arguments: Backend.all)
    func pruneKeepsDeliveries(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let stored = try await Self.admit(store, 0..<3)
        #expect(try await store.audit.prune(olderThanMillis: .max) == 3)
        #expect(try await store.audit.query(AuditQuery()).records.isEmpty)
        #expect(try await store.outbox.deliveries(status: nil, limit: 10, beforeCursor: nil).deliveries == stored.reversed())
        #expect(try await store.audit.verify() == AuditVerification(checked: 0, firstBad: nil, checkpointSequence: 3))
        await store.audit.close()
    }
}
