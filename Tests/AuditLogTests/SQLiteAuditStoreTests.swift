@testable import AuditLog
import Foundation
import Testing

@Suite("SQLite audit store")
struct SQLiteAuditStoreTests {
    @Test("append assigns contiguous sequences and chains the hashes; query returns every field")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let minimal = AuditRecord(
            requestId: "req-min", timeMillis: 5, operation: "unknown", method: "GET", path: "/nowhere",
            outcome: .denied, reason: "unauthenticated", totalLatencyMicros: 12, responseStatus: 401
        )
        let input = (0..<4).map { Fixtures.record($0) } + [minimal]
        let stored = try await store.append(input)
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
        let page = try await store.query(AuditQuery())
        #expect(page.records == stored.reversed())
        #expect(page.nextCursor == nil)
        #expect(try await store.append([]) == [])
        await store.close()
    }

    @Test("every filter alone and combined returns exactly the matching records, newest first",
          arguments: [120, 9000])
    func filters(count: Int) async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        // 9000 records: two blocks in the search index and a scanned tail.
        let stored = try await Fixtures.fill(store, count: count, batch: 1000)
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
                let result = try await store.query(page)
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
        #expect(try await store.query(AuditQuery(phoneFingerprint: phone)).records.count > 5)
        #expect(try await store.verify().isIntact)
        await store.close()
    }

    @Test("a time window is honoured when record times are out of order")
    func unorderedTimes() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        // Times jump around: a slow request logged late, a clock step backwards.
        let times: [Int64] = [100, 300, 200, 150, 400, 120, 500, 90]
        let stored = try await store.append(times.enumerated().map { Fixtures.record($0.offset, timeMillis: $0.element) })
        for (since, until) in [(Int64(100), Int64(201)), (150, 160), (90, 91), (450, 1000), (0, 100), (501, 600)] {
            let expected = stored.filter { $0.timeMillis >= since && $0.timeMillis < until }.reversed().map(\.sequence)
            let page = try await store.query(AuditQuery(sinceMillis: since, untilMillis: until))
            #expect(page.records.map(\.sequence) == Array(expected), "[\(since), \(until))")
        }
        await store.close()
    }

    @Test("a time window is found by binary search over 2000 jittered times, with gaps in the sequence too")
    func timeWindowSearch() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        // Mostly increasing, each up to half a second off: requests that finished out of order.
        let times: [Int64] = (0..<2000).map { (index: Int) -> Int64 in
            let jitter = Int64(index * 7919 % 97) - 48
            return Int64(index) * 10 + jitter
        }
        var stored = try await store.append(times.enumerated().map { Fixtures.record($0.offset, timeMillis: $0.element) })
        let windows: [(Int64, Int64)] = [(-100, 5), (0, 1), (3, 400), (5000, 5100), (12_345, 12_400), (19_900, 30_000), (19_999, 20_100), (25_000, 26_000)]
        func check(_ label: String) async throws {
            for (since, until) in windows {
                let expected: [Int64] = stored.filter { $0.timeMillis >= since && $0.timeMillis < until }.reversed().map { $0.sequence }
                let page = try await store.query(AuditQuery(sinceMillis: since, untilMillis: until, limit: 1000))
                #expect(page.records.map(\.sequence) == Array(expected), "\(label) [\(since), \(until))")
            }
        }
        try await check("contiguous")
        // Rows deleted behind the store's back (verify reports them): the search still bounds the scan.
        try RawDatabase(path: directory.file("audit.sqlite")).execute("DELETE FROM audit_records WHERE sequence = 3 OR sequence BETWEEN 500 AND 1300 OR sequence = 2000")
        stored.removeAll { $0.sequence == 3 || (500...1300).contains($0.sequence) || $0.sequence == 2000 }
        try await check("with gaps")
        await store.close()
    }

    @Test("the limit must be 1...1000 and the time window non-empty")
    func limits() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 1005, batch: 1005)
        for limit in [0, -1, 1001] {
            let error = await #expect(throws: AuditStoreError.self) { try await store.query(AuditQuery(limit: limit)) }
            #expect(error?.code == .invalidQuery)
            #expect(error?.detail == "The limit must be between 1 and 1000; got \(limit).")
        }
        let window = await #expect(throws: AuditStoreError.self) {
            try await store.query(AuditQuery(sinceMillis: 10, untilMillis: 10))
        }
        #expect(window?.detail == "The time window is empty: since (10) must be earlier than until (10).")
        let one = try await store.query(AuditQuery(limit: 1))
        #expect(one.records.map(\.sequence) == [1005])
        #expect(one.nextCursor == 1005)
        let full = try await store.query(AuditQuery(limit: 1000))
        #expect(full.records.count == 1000)
        #expect(full.nextCursor == 6)
        let rest = try await store.query(AuditQuery(beforeSequence: 6, limit: 1000))
        #expect(rest.records.map(\.sequence) == [5, 4, 3, 2, 1])
        #expect(rest.nextCursor == nil)
        for cursor in [1, 0, -5, Int64.min] {
            #expect(try await store.query(AuditQuery(beforeSequence: cursor)) == AuditPage(records: [], nextCursor: nil))
            #expect(try await store.query(AuditQuery(requestId: "req-1", beforeSequence: cursor)).records.isEmpty)
        }
        #expect(try await store.query(AuditQuery(sinceMillis: .min, untilMillis: .max, beforeSequence: .max)).records.count == 100)
        await store.close()
    }

    @Test("cursor pagination returns every record exactly once while appends continue and blocks get indexed",
          arguments: [nil, "principal-2"])
    func paginationUnderAppends(principal: String?) async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let initial = try await Fixtures.fill(store, count: 4000, batch: 1000)
        let appender = Task {
            for round in 0..<50 {
                _ = try await store.append((0..<40).map { Fixtures.record(5000 + round * 40 + $0) })
                await Task.yield()
            }
        }
        var seen: [Int64] = []
        var cursor: Int64?
        var firstPageTop: Int64?
        repeat {
            let page = try await store.query(AuditQuery(principal: principal, beforeSequence: cursor, limit: 97))
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
        #expect(try await store.query(AuditQuery(limit: 1)).records.first?.sequence == 6000)
        await store.close()
    }

    @Test("export streams every matching record newest first in bounded batches")
    func export() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let stored = try await Fixtures.fill(store, count: 2500, batch: 1000)
        var batches: [Int] = []
        var sequences: [Int64] = []
        try await store.export(AuditQuery(), batchSize: 1000) { records in
            batches.append(records.count)
            sequences += records.map(\.sequence)
        }
        #expect(batches == [1000, 1000, 500])
        #expect(sequences == Array((1...2500).reversed()))
        var denied: [Int64] = []
        try await store.export(AuditQuery(outcome: .denied, beforeSequence: 2000), batchSize: 7) { records in
            #expect(records.count <= 7)
            denied += records.map(\.sequence)
        }
        #expect(denied == stored.filter { $0.outcome == .denied && $0.sequence < 2000 }.reversed().map(\.sequence))
        let error = await #expect(throws: AuditStoreError.self) {
            try await store.export(AuditQuery(), batchSize: 0) { _ in }
        }
        #expect(error?.code == .invalidQuery)
        await store.close()
    }

    @Test("a reopened store continues the chain where it ended")
    func reopen() async throws {
        let directory = try TemporaryDirectory()
        let first = try Fixtures.store(in: directory)
        let before = try await Fixtures.fill(first, count: 10)
        await first.close()
        let second = try Fixtures.store(in: directory)
        let next = try await second.append([Fixtures.record(10)])
        #expect(next[0].sequence == 11)
        #expect(next[0].previousHash == before.last?.hash)
        let verification = try await second.verify()
        #expect(verification.isIntact)
        #expect(verification.checked == 11)
        await second.close()
    }

    @Test("a closed store refuses work with a clear sentence")
    func closed() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await store.checkWritable()
        await store.close()
        let error = await #expect(throws: AuditStoreError.self) { try await store.append([Fixtures.record(0)]) }
        #expect(error == AuditStoreError(code: .unavailable, detail: "The audit store at \(store.path) is closed."))
        await #expect(throws: AuditStoreError.self) { try await store.checkWritable() }
        await #expect(throws: AuditStoreError.self) { try await store.query(AuditQuery()) }
    }

    @Test("the database file and its new directories are private")
    func permissions() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory, name: "data/audit/callgate.sqlite")
        let file = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((file[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: directory.file("data/audit"))
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        #expect(try RawDatabase(path: store.path).column("PRAGMA journal_mode") == ["wal"])
        await store.close()
    }

    @Test("a file that is not an audit database is refused")
    func foreignFiles() async throws {
        let directory = try TemporaryDirectory()
        let garbage = directory.file("garbage.sqlite")
        try String(repeating: "not a database ", count: 100).write(toFile: garbage, atomically: true, encoding: .utf8)
        let notDatabase = #expect(throws: AuditStoreError.self) {
            try SQLiteAuditStore(path: garbage, keys: Fixtures.keys)
        }
        #expect(notDatabase?.code == .corrupt)
        #expect(notDatabase?.detail.hasPrefix("The audit database \(garbage) could not be opened: file is not a database") == true)

        let other = directory.file("other.sqlite")
        try RawDatabase(path: other).execute("CREATE TABLE customers (id INTEGER)")
        let foreign = #expect(throws: AuditStoreError.self) {
            try SQLiteAuditStore(path: other, keys: Fixtures.keys)
        }
        #expect(foreign == AuditStoreError(
            code: .corrupt,
            detail: "The file \(other) holds another database, not a CallGate audit trail; give the audit store a file of its own."
        ))

        // A trail of the first chain format (schema version 1) is left as it is, and said so.
        let older = directory.file("older.sqlite")
        let store = try Fixtures.store(in: directory, name: "older.sqlite")
        await store.close()
        try RawDatabase(path: older).execute("PRAGMA user_version = 1")
        let olderFormat = #expect(throws: AuditStoreError.self) {
            try SQLiteAuditStore(path: older, keys: Fixtures.keys)
        }
        #expect(olderFormat == AuditStoreError(
            code: .corrupt,
            detail: "The audit database \(older) has schema version 1, an older chain format this build (version 3) does not continue; keep that file (the build that wrote it still verifies it) and give the store a new path."
        ))

        let unwritable = #expect(throws: AuditStoreError.self) {
            try SQLiteAuditStore(path: "/proc/callgate/audit.sqlite", keys: Fixtures.keys)
        }
        #expect(unwritable?.code == .unavailable)
        #expect(unwritable?.detail.hasPrefix("The directory /proc/callgate could not be created") == true)
    }
}
