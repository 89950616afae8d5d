@testable import AuditLog
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

    @Test("verify finds a search index row removed to hide a record, and accepts extra rows", arguments: [
        // The request id of record 100.
        ("""
         DELETE FROM audit_search WHERE block = 0 AND sequence = 100
           AND term = (SELECT term FROM audit_search WHERE block = 0 AND sequence = 100 ORDER BY term LIMIT 1)
         """, 100 as Int64?),
        // A per-block row (principal, role, operation...) of block 1: reported at its first record.
        ("DELETE FROM audit_search WHERE block = 1 AND sequence = 0 AND term = (SELECT min(term) FROM audit_search WHERE block = 1 AND sequence = 0)",
         4097),
        // An extra row only adds a candidate that the exact conditions drop.
        ("INSERT INTO audit_search VALUES (0, 42, 7)", nil),
    ])
    func tampering(sql: String, sequence: Int64?) async throws {
        let directory = try TemporaryDirectory()
        let written = try Fixtures.store(in: directory)
        try await Fixtures.fill(written, count: 8500, batch: 1000)
        // Closing finishes the index of both whole blocks.
        await written.close()
        try RawDatabase(path: written.path).execute(sql)
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
