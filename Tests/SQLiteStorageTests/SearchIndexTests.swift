@testable import CallGateStorage
import Foundation
@testable import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Search index")
struct SearchIndexTests {
    @Test("an integer's term (written by the store) is the term of its decimal text (asked by queries)",
          arguments: [0, 7, 9, 10, 99, 100, 200, 204, 503, 21429, -1, -40, Int64.max, Int64.min])
    func integerTerms(value: Int64) {
        for kind in [SQLiteSearchIndex.Kind.status, .serviceId] {
            #expect(SQLiteSearchIndex.term(kind, value) == SQLiteSearchIndex.term(kind, String(value)))
        }
        #expect(SQLiteSearchIndex.term(.status, value) != SQLiteSearchIndex.term(.serviceId, value))
    }

    @Test("records not yet indexed when the store closed are indexed after reopening, and found all along")
    func backlogAfterReopen() async throws {
        let directory = try TemporaryDirectory()
        let first = try Fixtures.store(in: directory)
        // One block indexed (1...4096), 904 records in the backlog.
        try await Fixtures.fill(first, count: 5000, batch: 1000)
        await first.close()
        #expect(try RawDatabase(path: first.path).column("SELECT indexed_through FROM audit_search_progress") == ["4096"])

        let second = try Fixtures.store(in: directory)
        #expect(try await second.query(AuditQuery(requestId: "req-4500")).records.map(\.sequence) == [4501])
        // Small batches: a block is stored a slice per append.
        try await Fixtures.fill(second, count: 4000, batch: 50) { Fixtures.record(5000 + $0) }
        #expect(try RawDatabase(path: first.path).column("SELECT indexed_through FROM audit_search_progress") == ["8192"])
        // Records of the backlog are now found through the index, with the rest of their block.
        #expect(try await second.query(AuditQuery(requestId: "req-4500")).records.map(\.sequence) == [4501])
        let phone = Fixtures.keys.fingerprint(phone: "4152057003")
        let byPhone = try await second.query(AuditQuery(phoneFingerprint: phone, beforeSequence: 8193, limit: 1000))
        #expect(byPhone.records.allSatisfy { $0.phones.contains { $0.fingerprint == phone } })
        // Sequence s holds Fixtures.record(s - 1), before and after the reopening.
        #expect(byPhone.records.count == (0..<8192).filter { index in
            Fixtures.record(index).phones.contains { $0.fingerprint == phone }
        }.count)
        #expect(try await second.verify() == AuditVerification(checked: 9000, firstBad: nil, checkpointSequence: nil))
        await second.close()
    }

    @Test("a version 2 file (a row per request id and phone) is upgraded when opened: chain intact, index rebuilt, records found")
    func upgradeFromVersion2() async throws {
        let directory = try TemporaryDirectory()
        let written = try Fixtures.store(in: directory)
        try await Fixtures.fill(written, count: 5000, batch: 1000) { index in
            var record = Fixtures.record(index)
            record.formatVersion = AuditRecord.unversionedFormat
            record.peerAddress = nil
            record.callingWindow = nil
            return record
        }
        await written.close()
        // What version 2 had: no postings table, the per-record rows in audit_search, and records
        // without a format version or a peer address.
        let raw = try RawDatabase(path: written.path)
        try raw.execute("""
            ALTER TABLE audit_records DROP COLUMN format_version;
            ALTER TABLE audit_records DROP COLUMN peer_address;
            ALTER TABLE audit_records DROP COLUMN calling_window;
            ALTER TABLE audit_checkpoint DROP COLUMN mac;
            ALTER TABLE deliveries DROP COLUMN first_attempt_ms;
            ALTER TABLE deliveries DROP COLUMN window_query;
            DROP TABLE audit_search_postings;
            CREATE INDEX audit_records_max_time ON audit_records (max_time_ms);
            INSERT INTO audit_search VALUES (0, 12345, 17);
            PRAGMA user_version = 2
            """)
        let store = try Fixtures.store(in: directory)
        #expect(try raw.column("PRAGMA user_version") == ["8"])
        #expect(try raw.column("SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_max_time'") == ["0"])
        #expect(try raw.column("SELECT count(*) FROM audit_search WHERE sequence != 0") == ["0"])
        #expect(try raw.column("SELECT indexed_through FROM audit_search_progress") == ["4096"])
        #expect(try Int(raw.column("SELECT count(*) FROM audit_search_postings WHERE block = 0").first ?? "") ?? 0 > 200)
        // Sequence s holds Fixtures.record(s - 1).
        #expect(try await store.query(AuditQuery(requestId: Fixtures.record(99).requestId)).records.map(\.sequence) == [100])
        #expect(try await store.query(AuditQuery(requestId: Fixtures.record(4500).requestId)).records.map(\.sequence) == [4501])
        #expect(try await store.query(AuditQuery(sinceMillis: Fixtures.record(4990).timeMillis)).records.map(\.sequence) == Array((4991...5000).reversed()))
        #expect(try await store.verify() == AuditVerification(checked: 5000, firstBad: nil, checkpointSequence: nil))
        await store.close()
    }

    /// An edit of the stored index, and the record verify must name (nil: none, the trail is intact).
    enum Tamper: String, CaseIterable, Sendable {
        /// The request id entry of record 100, taken out of its bucket's blob.
        case requestIdOfRecord100
        /// A per-block row (principal, role, operation...) of block 1: reported at its first record.
        case blockTermOfBlock1
        /// An extra entry only adds a candidate that the exact conditions drop.
        case extraEntry

        var sequence: Int64? {
            switch self {
            case .requestIdOfRecord100: 100
            case .blockTermOfBlock1: 4097
            case .extraEntry: nil
            }
        }

        func apply(to database: RawDatabase) throws {
            switch self {
            case .requestIdOfRecord100:
                // Sequence 100 holds Fixtures.record(99).
                let term = SQLiteSearchIndex.term(.requestId, Fixtures.record(99).requestId)
                let bucket = SQLiteSearchIndex.bucket(of: term)
                let entry = SQLiteSearchIndex.storedRows(of: [.init(term: term, sequence: 100)], block: 0)
                guard case .postings(_, let bytes) = entry.first else { Issue.record("no postings row"); return }
                let stored = try database.column("SELECT hex(entries) FROM audit_search_postings WHERE block = 0 AND bucket = \(bucket)")
                let hex = bytes.map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
                let blob = try #require(stored.first)
                #expect(blob.contains(hex))
                let edited = blob.replacingFirst(hex, with: "")
                try database.execute("UPDATE audit_search_postings SET entries = X'\(edited)' WHERE block = 0 AND bucket = \(bucket)")
            case .blockTermOfBlock1:
                try database.execute("DELETE FROM audit_search WHERE block = 1 AND sequence = 0 AND term = (SELECT min(term) FROM audit_search WHERE block = 1 AND sequence = 0)")
            case .extraEntry:
                try database.execute("UPDATE audit_search_postings SET entries = CAST(entries || X'2A00000000000000' || X'0600' AS BLOB) WHERE block = 0 AND bucket = 0")
            }
        }
    }

    @Test("verify finds a search index entry removed to hide a record, and accepts extra entries", arguments: Tamper.allCases)
    func tampering(tamper: Tamper) async throws {
        let sequence = tamper.sequence
        let directory = try TemporaryDirectory()
        let written = try Fixtures.store(in: directory)
        try await Fixtures.fill(written, count: 8500, batch: 1000)
        // Closing finishes the index of both whole blocks.
        await written.close()
        try tamper.apply(to: RawDatabase(path: written.path))
        let store = try Fixtures.store(in: directory)
        let verification = try await store.verify()
        if let sequence {
            let first = sequence <= 4096 ? 1 : 4097
            #expect(verification.firstBad == AuditVerification.BadRecord(
                sequence: sequence,
                problem: "the search index of records \(first) to \(first + 4095) was altered: filtered queries would miss some of them"
            ))
        } else {
            #expect(verification.isIntact)
        }
        await store.close()
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }

    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
