@testable import CallGateStorage
import StorageTestSupport
import Testing

/// What every backend does with a principal's scope (`services`): only records and deliveries of
/// those services exist for the query, so pages are full, cursors right and counts exact.
@Suite("Service scope conformance")
struct ServiceScopeConformanceTests {
    /// `Fixtures.record(index)` with services 21429, 21430, none, 21431 in turn, and service 777
    /// only at indexes 50..<60 and 8990..<9000: in the first block of the search index and in the
    /// scanned tail, not in the block between.
    static func record(_ index: Int) -> AuditRecord {
        var record = Fixtures.record(index)
        record.serviceId = (50..<60).contains(index) || (8990..<9000).contains(index)
            ? 777 : [21429, 21430, nil, 21431][index % 4]
        return record
    }

    /// Every page of `query` at `limit`, following the cursors.
    static func pages(_ store: Storage, _ query: AuditQuery, limit: Int) async throws -> [AuditPage] {
        var pages: [AuditPage] = []
        var page = query
        page.limit = limit
        repeat {
            let result = try await store.audit.query(page)
            pages.append(result)
            page.beforeSequence = result.nextCursor
        } while page.beforeSequence != nil
        return pages
    }

    @Test("an audit query limited to services pages through exactly their records, across index blocks and the tail",
          arguments: Backend.all)
    func auditQuery(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let stored = try await Fixtures.fill(store.audit, count: 9000, batch: 1000, make: Self.record)
        let phone = Fixtures.keys.fingerprint(phone: "4158149720")
        let cases: [(AuditQuery, (AuditRecord) -> Bool)] = [
            (AuditQuery(services: [21429]), { $0.serviceId == 21429 }),
            (AuditQuery(services: [21429, 777]), { $0.serviceId == 21429 || $0.serviceId == 777 }),
            (AuditQuery(services: [777]), { $0.serviceId == 777 }),
            (AuditQuery(services: []), { _ in false }),
            (AuditQuery(services: [999]), { _ in false }),
            (AuditQuery(principal: "principal-1", services: [21431]), { $0.principal == "principal-1" && $0.serviceId == 21431 }),
            (AuditQuery(serviceId: 21430, services: [21429]), { _ in false }),
            (AuditQuery(serviceId: 21430, services: [21429, 21430]), { $0.serviceId == 21430 }),
            (AuditQuery(services: [21429], phoneFingerprint: phone),
             { $0.serviceId == 21429 && $0.phones.contains { $0.fingerprint == phone } }),
            (AuditQuery(services: [777], requestId: "req-52"), { $0.requestId == "req-52" }),
            (AuditQuery(services: [21429], requestId: "req-53"), { _ in false }),
        ]
        for (query, matches) in cases {
            let expected = stored.filter(matches).reversed().map(\.sequence)
            for limit in [97, 1000] {
                let pages = try await Self.pages(store, query, limit: limit)
                #expect(pages.flatMap(\.records).map(\.sequence) == Array(expected), "\(query) by \(limit)")
                // Every page but the last is full; the last has no cursor: no short or empty page.
                #expect(pages.dropLast().allSatisfy { $0.records.count == limit }, "\(query) by \(limit)")
                #expect(pages.count == max(1, (expected.count + limit - 1) / limit), "\(query) by \(limit)")
            }
        }
        // The oracle is not vacuous: service 777 is in both places, and records without one exist.
        #expect(stored.filter { $0.serviceId == 777 }.count == 20)
        #expect(stored.contains { $0.serviceId == nil })

        var batches: [Int] = []
        var exported: [Int64] = []
        try await store.audit.export(AuditQuery(services: [777]), batchSize: 7) { records in
            batches.append(records.count)
            exported += records.map(\.sequence)
        }
        #expect(batches == [7, 7, 6])
        #expect(exported == Array((8991...9000).reversed()) + Array((51...60).reversed()))
        await store.audit.close()
    }

    @Test("deliveries limited to services: listed in full pages, and another service's is unknown to show and retry",
          arguments: Backend.all)
    func outbox(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // dlv-0...dlv-11 on services 21429, 21430, 21431 in turn; all made unknown, so retryable.
        let submitted = (0..<12).map { index in
            var delivery = Fixtures.delivery(index)
            delivery.serviceId = [21429, 21430, 21431][index % 3]
            return (index, delivery)
        }
        _ = try await OutboxConformanceTests.admit(store, submitted)
        _ = try await store.outbox.claimDueDeliveries(nowMillis: 20_000, limit: 100)
        #expect(try await store.outbox.recoverInterruptedDeliveries(leaseMillis: 5_000, nowMillis: 25_001) == 12)

        for (services, expected) in [([21429, 21431] as Set<Int64>, [11, 9, 8, 6, 5, 3, 2, 0]), ([21430], [10, 7, 4, 1]), ([], [])] {
            var seen: [String] = []
            var sizes: [Int] = []
            var cursor: Int64?
            repeat {
                let page = try await store.outbox.deliveries(status: .unknown, services: services, limit: 3, beforeCursor: cursor)
                seen += page.deliveries.map(\.id)
                sizes.append(page.deliveries.count)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == expected.map { "dlv-\($0)" }, "\(services)")
            #expect(sizes.dropLast().allSatisfy { $0 == 3 } && sizes.count == max(1, (expected.count + 2) / 3), "\(services)")
        }

        #expect(try await store.outbox.delivery(id: "dlv-0", services: [21429])?.serviceId == 21429)
        #expect(try await store.outbox.delivery(id: "dlv-1", services: [21429]) == nil)
        #expect(try await store.outbox.delivery(id: "dlv-0", services: []) == nil)
        #expect(try await store.outbox.delivery(id: "dlv-1", services: nil)?.serviceId == 21430)

        let refused = await #expect(throws: AuditStoreError.self) {
            try await store.outbox.retryDelivery(id: "dlv-1", services: [21429], nowMillis: 30_000)
        }
        #expect(refused == AuditStoreError(code: .notFound, detail: "No delivery has the id dlv-1."))
        #expect(try await store.outbox.delivery(id: "dlv-1")?.status == .unknown, "not retried")
        #expect(try await store.outbox.retryDelivery(id: "dlv-0", services: [21429], nowMillis: 30_000).status == .pending)
        await store.audit.close()
    }
}
