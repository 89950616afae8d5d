@testable import CallGateStorage
import Foundation
@testable import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("SQLite audit store")
struct SQLiteAuditStoreTests {
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
            detail: "The audit database \(older) has schema version 1, an older chain format this build (version 8) does not continue; keep that file (the build that wrote it still verifies it) and give the store a new path."
        ))

        let unwritable = #expect(throws: AuditStoreError.self) {
            try SQLiteAuditStore(path: "/proc/callgate/audit.sqlite", keys: Fixtures.keys)
        }
        #expect(unwritable?.code == .unavailable)
        #expect(unwritable?.detail.hasPrefix("The directory /proc/callgate could not be created") == true)
    }
}
