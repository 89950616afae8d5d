@testable import CallGateStorage
import StorageTestSupport
import Testing

/// What every backend's audit store does: append and chain, query and page, export, verify,
/// prune, reopen.
@Suite("Audit store conformance")
struct AuditStoreConformanceTests {
    @Test("append assigns contiguous sequences and chains the hashes; query returns every field", arguments: Backend.all)
    func roundTrip(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let minimal = AuditRecord(
            requestId: "req-min", timeMillis: 5, operation: "unknown", method: "GET", path: "/nowhere",
            outcome: .denied, reason: "unauthenticated", totalLatencyMicros: 12, responseStatus: 401
        )
        let input = (0..<4).map { Fixtures.record($0) } + [minimal]
        let stored = try await store.audit.append(input)
        #expect(stored.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(stored[0].previousHash == AuditRecord.genesisHash)
        for index in 1..<stored.count {
            #expect(stored[index].previousHash == stored[index - 1].hash)
        }
        for (original, saved) in zip(input, stored) {
            var expected = original
            expected.sequence = saved.sequence
            expected.previousHash = saved.previousHash
            expected.hash = saved.hash
            #expect(saved == expected)
            #expect(saved.hash.count == 64)
            #expect(saved.hash == Fixtures.keys.chainHash(
                previousHash: saved.previousHash, sequence: saved.sequence, contentDigest: saved.contentDigest()
            ))
        }
        let page = try await store.audit.query(AuditQuery())
        #expect(page.records == stored.reversed())
        #expect(page.nextCursor == nil)
        #expect(try await store.audit.append([]) == [])
        await store.audit.close()
    }

    @Test("every filter alone and combined returns exactly the matching records, newest first",
          arguments: Backend.all, [120, 9000])
    func filters(backend: Backend, count: Int) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // 9000 records: two blocks in the search index and a scanned tail.
        let stored = try await Fixtures.fill(store.audit, count: count, batch: 1000)
        let phone = Fixtures.keys.fingerprint(phone: "4152057003")
        let base: Int64 = 1_767_225_600_000
        let cases: [(AuditQuery, (AuditRecord) -> Bool)] = [
            (AuditQuery(sinceMillis: base + 30_000), { $0.timeMillis >= base + 30_000 }),
            (AuditQuery(untilMillis: base + 30_000), { $0.timeMillis < base + 30_000 }),
            (AuditQuery(sinceMillis: base + 10_000, untilMillis: base + 20_000),
             { $0.timeMillis >= base + 10_000 && $0.timeMillis < base + 20_000 }),
            (AuditQuery(principal: "principal-1"), { $0.principal == "principal-1" }),
            (AuditQuery(role: "Agent"), { $0.role == "Agent" }),
            (AuditQuery(operation: "getQueueStats"), { $0.operation == "getQueueStats" }),
            (AuditQuery(serviceId: 21430), { $0.serviceId == 21430 }),
            (AuditQuery(phoneFingerprint: phone), { $0.phones.contains { $0.fingerprint == phone } }),
            (AuditQuery(outcome: .denied), { $0.outcome == .denied }),
            (AuditQuery(status: 504), { $0.responseStatus == 504 }),
            (AuditQuery(requestId: "req-17"), { $0.requestId == "req-17" }),
            (AuditQuery(beforeSequence: 50), { $0.sequence < 50 }),
            (AuditQuery(principal: "principal-1", beforeSequence: 4097), { $0.principal == "principal-1" && $0.sequence < 4097 }),
            (AuditQuery(sinceMillis: base + 4_200_000, principal: "principal-0"),
             { $0.timeMillis >= base + 4_200_000 && $0.principal == "principal-0" }),
            (AuditQuery(principal: "principal-2", outcome: .allowed), { $0.principal == "principal-2" && $0.outcome == .allowed }),
            (AuditQuery(sinceMillis: base + 40_000, role: "Manager", serviceId: 21429, phoneFingerprint: phone),
             { $0.timeMillis >= base + 40_000 && $0.role == "Manager" && $0.serviceId == 21429 && $0.phones.contains { $0.fingerprint == phone } }),
            (AuditQuery(operation: "launchManualCalls", status: 403, beforeSequence: 100),
             { $0.operation == "launchManualCalls" && $0.responseStatus == 403 && $0.sequence < 100 }),
            (AuditQuery(sinceMillis: base + 100_000_000), { $0.timeMillis >= base + 100_000_000 }),
            (AuditQuery(principal: "nobody"), { _ in false }),
        ]
        for (query, matches) in cases {
            let expected = Array(stored.filter(matches).reversed())
            var found: [AuditRecord] = []
            var page = query
            page.limit = 1000
            repeat {
                let result = try await store.audit.query(page)
                found += result.records
                page.beforeSequence = result.nextCursor
            } while page.beforeSequence != nil
            if found.map(\.sequence) == expected.map(\.sequence) {
                #expect(found == expected)
            } else {
                Issue.record("\(query): found \(found.count) records, expected \(expected.count)")
            }
        }
        // The phone filter found something; the oracle is not vacuous.
        #expect(try await store.audit.query(AuditQuery(phoneFingerprint: phone)).records.count > 5)
        #expect(try await store.audit.verify().isIntact)
        await store.audit.close()
    }

    @Test("a time window is honoured when record times are out of order", arguments: Backend.all)
    func unorderedTimes(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // Times jump around: a slow request logged late, a clock step backwards.
        let times: [Int64] = [100, 300, 200, 150, 400, 120, 500, 90]
        let stored = try await store.audit.append(times.enumerated().map { Fixtures.record($0.offset, timeMillis: $0.element) })
        for (since, until) in [(Int64(100), Int64(201)), (150, 160), (90, 91), (450, 1000), (0, 100), (501, 600)] {
            let expected = stored.filter { $0.timeMillis >= since && $0.timeMillis < until }.reversed().map(\.sequence)
            let page = try await store.audit.query(AuditQuery(sinceMillis: since, untilMillis: until))
            #expect(page.records.map(\.sequence) == Array(expected), "[\(since), \(until))")
        }
        await store.audit.close()
    }

    @Test("the limit must be 1...1000 and the time window non-empty", arguments: Backend.all)
    func limits(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        try await Fixtures.fill(store.audit, count: 1005, batch: 1005)
        for limit in [0, -1, 1001] {
            let error = await #expect(throws: AuditStoreError.self) { try await store.audit.query(AuditQuery(limit: limit)) }
            #expect(error?.code == .invalidQuery)
            #expect(error?.detail == "The limit must be between 1 and 1000; got \(limit).")
        }
        let window = await #expect(throws: AuditStoreError.self) {
            try await store.audit.query(AuditQuery(sinceMillis: 10, untilMillis: 10))
        }
        #expect(window?.detail == "The time window is empty: since (10) must be earlier than until (10).")
        let one = try await store.audit.query(AuditQuery(limit: 1))
        #expect(one.records.map(\.sequence) == [1005])
        #expect(one.nextCursor == 1005)
        let full = try await store.audit.query(AuditQuery(limit: 1000))
        #expect(full.records.count == 1000)
        #expect(full.nextCursor == 6)
        let rest = try await store.audit.query(AuditQuery(beforeSequence: 6, limit: 1000))
        #expect(rest.records.map(\.sequence) == [5, 4, 3, 2, 1])
        #expect(rest.nextCursor == nil)
        for cursor in [1, 0, -5, Int64.min] {
            #expect(try await store.audit.query(AuditQuery(beforeSequence: cursor)) == AuditPage(records: [], nextCursor: nil))
            #expect(try await store.audit.query(AuditQuery(requestId: "req-1", beforeSequence: cursor)).records.isEmpty)
        }
        #expect(try await store.audit.query(AuditQuery(sinceMillis: .min, untilMillis: .max, beforeSequence: .max)).records.count == 100)
        await store.audit.close()
    }

    @Test("cursor pagination returns every record exactly once while appends continue and blocks get indexed",
          arguments: Backend.all, [nil, "principal-2"])
    func paginationUnderAppends(backend: Backend, principal: String?) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let initial = try await Fixtures.fill(store.audit, count: 4000, batch: 1000)
        let appender = Task {
            for round in 0..<50 {
                _ = try await store.audit.append((0..<40).map { Fixtures.record(5000 + round * 40 + $0) })
                await Task.yield()
            }
        }
        var seen: [Int64] = []
        var cursor: Int64?
        var firstPageTop: Int64?
        repeat {
            let page = try await store.audit.query(AuditQuery(principal: principal, beforeSequence: cursor, limit: 97))
            if firstPageTop == nil { firstPageTop = page.records.first?.sequence }
            seen += page.records.map(\.sequence)
            cursor = page.nextCursor
            await Task.yield()
        } while cursor != nil
        try await appender.value
        let top = try #require(firstPageTop)
        #expect(top >= 3998)
        // Sequence s holds Fixtures.record(s - 1) up to 4000, then the appender's records in order.
        let expected = (1...top).reversed().filter { sequence in
            let index = sequence <= 4000 ? Int(sequence) - 1 : 5000 + Int(sequence) - 4001
            return principal == nil || Fixtures.record(index).principal == principal
        }
        #expect(seen == expected)
        #expect(initial.count == 4000)
        #expect(try await store.audit.query(AuditQuery(limit: 1)).records.first?.sequence == 6000)
        await store.audit.close()
    }

    @Test("export streams every matching record newest first in bounded batches", arguments: Backend.all)
    func export(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let stored = try await Fixtures.fill(store.audit, count: 2500, batch: 1000)
        var batches: [Int] = []
        var sequences: [Int64] = []
        try await store.audit.export(AuditQuery(), batchSize: 1000) { records in
            batches.append(records.count)
            sequences += records.map(\.sequence)
        }
        #expect(batches == [1000, 1000, 500])
        #expect(sequences == Array((1...2500).reversed()))
        var denied: [Int64] = []
        try await store.audit.export(AuditQuery(outcome: .denied, beforeSequence: 2000), batchSize: 7) { records in
            #expect(records.count <= 7)
            denied += records.map(\.sequence)
        }
        #expect(denied == stored.filter { $0.outcome == .denied && $0.sequence < 2000 }.reversed().map(\.sequence))
        let error = await #expect(throws: AuditStoreError.self) {
            try await store.audit.export(AuditQuery(), batchSize: 0) { _ in }
        }
        #expect(error?.code == .invalidQuery)
        await store.audit.close()
    }

    @Test("a reopened store continues the chain where it ended", arguments: Backend.all)
    func reopen(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let first = try await backend.open(directory)
        let before = try await Fixtures.fill(first.audit, count: 10)
        await first.audit.close()
        let second = try await backend.open(directory)
        let next = try await second.audit.append([Fixtures.record(10)])
        #expect(next[0].sequence == 11)
        #expect(next[0].previousHash == before.last?.hash)
        let verification = try await second.audit.verify()
        #expect(verification.isIntact)
        #expect(verification.checked == 11)
        await second.audit.close()
    }

    @Test("prune deletes the old prefix and the rest stays verifiable from the checkpoint, after reopening too", arguments: Backend.all)
    func pruneAndVerify(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // Record n has time (n - 1) * 1000, except record 6, a late one, which has time 500.
        let stored = try await Fixtures.fill(store.audit, count: 30) { index in
            Fixtures.record(index, timeMillis: index == 5 ? 500 : Int64(index) * 1000)
        }
        // Older than 4500: records 1-6 (times 0...4000 and 500); record 7 (time 6000) stops it.
        let deleted = try await store.audit.prune(olderThanMillis: 4500)
        #expect(deleted == 6)
        let verification = try await store.audit.verify()
        #expect(verification == AuditVerification(checked: 24, firstBad: nil, checkpointSequence: 6))
        let remaining = try await store.audit.query(AuditQuery(limit: 1000))
        #expect(remaining.records.map(\.sequence) == Array((7...30).reversed()))
        // A time window still finds the right records once their predecessors are gone.
        let window = try await store.audit.query(AuditQuery(sinceMillis: 6000, untilMillis: 8000))
        #expect(window.records.map(\.sequence) == [8, 7])

        let appended = try await store.audit.append([Fixtures.record(30, timeMillis: 40_000)])
        #expect(appended[0].sequence == 31)
        #expect(appended[0].previousHash == stored[29].hash)
        await store.audit.close()

        let reopened = try await backend.open(directory)
        #expect(try await reopened.audit.verify() == AuditVerification(checked: 25, firstBad: nil, checkpointSequence: 6))
        await reopened.audit.close()
    }

    @Test("prune stops at the first record that is not older, even if older ones follow", arguments: Backend.all)
    func stopsAtFirstNewer(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let times: [Int64] = [100, 200, 900, 150, 160, 950]
        _ = try await store.audit.append(times.enumerated().map { Fixtures.record($0.offset, timeMillis: $0.element) })
        #expect(try await store.audit.prune(olderThanMillis: 500) == 2)
        #expect(try await store.audit.prune(olderThanMillis: 500) == 0)
        #expect(try await store.audit.query(AuditQuery()).records.map(\.sequence) == [6, 5, 4, 3])
        #expect(try await store.audit.verify().isIntact)
        await store.audit.close()
    }

    @Test("a chain checked with another secret fails at the first record", arguments: Backend.all)
    func wrongSecret(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        try await Fixtures.fill(store.audit, count: 3)
        await store.audit.close()
        let other = try await backend.open(directory, keys: AuditKeys(secret: [UInt8](repeating: 1, count: 32)))
        let verification = try await other.audit.verify()
        #expect(verification.firstBad?.sequence == 1)
        #expect(verification.checked == 1)
        await other.audit.close()
    }

    @Test("an empty store is intact", arguments: Backend.all)
    func empty(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        #expect(try await store.audit.verify() == AuditVerification(checked: 0, firstBad: nil, checkpointSequence: nil))
        await store.audit.close()
    }
}
