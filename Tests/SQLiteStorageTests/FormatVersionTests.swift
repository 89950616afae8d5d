@testable import CallGateStorage
@testable import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Record formats in SQLite")
struct FormatVersionTests {
    @Test("a trail of an earlier schema verifies unchanged once upgraded, and continues in the current format with the peer address and the calling window", arguments: [
        // (schema version, the record format it was written in, what the upgrade adds back)
        (3, AuditRecord.unversionedFormat,
         "ALTER TABLE audit_records DROP COLUMN calling_window; ALTER TABLE audit_records DROP COLUMN peer_address; ALTER TABLE audit_records DROP COLUMN format_version; ALTER TABLE audit_checkpoint DROP COLUMN mac; ALTER TABLE deliveries DROP COLUMN first_attempt_ms; ALTER TABLE deliveries DROP COLUMN window_query"),
        (4, 2, "ALTER TABLE audit_records DROP COLUMN calling_window; ALTER TABLE audit_records DROP COLUMN peer_address; ALTER TABLE audit_checkpoint DROP COLUMN mac; ALTER TABLE deliveries DROP COLUMN first_attempt_ms; ALTER TABLE deliveries DROP COLUMN window_query"),
        (5, 2, "ALTER TABLE audit_records DROP COLUMN calling_window; ALTER TABLE audit_checkpoint DROP COLUMN mac; ALTER TABLE deliveries DROP COLUMN first_attempt_ms; ALTER TABLE deliveries DROP COLUMN window_query"),
        (6, 3, "ALTER TABLE audit_records DROP COLUMN calling_window; ALTER TABLE deliveries DROP COLUMN first_attempt_ms; ALTER TABLE deliveries DROP COLUMN window_query"),
        (7, 4, "ALTER TABLE deliveries DROP COLUMN first_attempt_ms; ALTER TABLE deliveries DROP COLUMN window_query"),
    ])
    func upgrade(schema: Int, format: Int, columnsAdded: String) async throws {
        let directory = try TemporaryDirectory()
        let written = try Fixtures.store(in: directory)
        // The records as the earlier build wrote them: their canonical form, without the newer columns.
        let before = try await Fixtures.fill(written, count: 50) { index in
            var record = Fixtures.record(index)
            record.formatVersion = format
            record.peerAddress = nil
            record.callingWindow = nil
            return record
        }
        await written.close()
        let raw = try RawDatabase(path: written.path)
        try raw.execute("\(columnsAdded); PRAGMA user_version = \(schema)")

        let store = try Fixtures.store(in: directory)
        #expect(try raw.column("PRAGMA user_version") == ["8"])
        #expect(try raw.column("SELECT DISTINCT format_version FROM audit_records") == [String(format)])
        #expect(try raw.column("SELECT count(*) FROM audit_records WHERE peer_address IS NULL") == ["50"])
        #expect(try await store.query(AuditQuery(limit: 1000)).records == before.reversed())
        #expect(try await store.verify() == AuditVerification(checked: 50, firstBad: nil, checkpointSequence: nil))
        let after = try await store.append([Fixtures.record(50)])
        #expect(after[0].formatVersion == AuditRecord.currentFormatVersion)
        #expect(after[0].peerAddress == "192.0.2.50")
        #expect(after[0].callingWindow?.ruleIds == ["US-FL-solicitation"])
        #expect(after[0].previousHash == before.last?.hash)
        #expect(try await store.query(AuditQuery(limit: 1)).records == after)
        #expect(try await store.verify() == AuditVerification(checked: 51, firstBad: nil, checkpointSequence: nil))
        await store.close()
        // The peer address and the calling window are covered by the hash of a format 4 record.
        try raw.execute("UPDATE audit_records SET calling_window = '[\"off\",\"ab\",\"\"]' WHERE sequence = 51")
        let rewritten = try Fixtures.store(in: directory)
        #expect(try await rewritten.verify().firstBad == AuditVerification.BadRecord(
            sequence: 51, problem: "record 51 was altered or forged: its hash does not match its content"
        ))
        await rewritten.close()
        try raw.execute("UPDATE audit_records SET peer_address = '203.0.113.9' WHERE sequence = 51")
        let reopened = try Fixtures.store(in: directory)
        #expect(try await reopened.verify().firstBad == AuditVerification.BadRecord(
            sequence: 51, problem: "record 51 was altered or forged: its hash does not match its content"
        ))
        await reopened.close()
    }

    @Test("a record's format version is covered by its hash, and one this build does not know is reported")
    func alteredVersion() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 5)
        await store.close()
        let raw = try RawDatabase(path: store.path)
        try raw.execute("UPDATE audit_records SET format_version = 1 WHERE sequence = 2")
        let reopened = try Fixtures.store(in: directory)
        #expect(try await reopened.verify().firstBad == AuditVerification.BadRecord(
            sequence: 2, problem: "record 2 was altered or forged: its hash does not match its content"
        ))
        try raw.execute("UPDATE audit_records SET format_version = 4 WHERE sequence = 2; UPDATE audit_records SET format_version = 9 WHERE sequence = 4")
        #expect(try await reopened.verify().firstBad == AuditVerification.BadRecord(
            sequence: 4,
            problem: "record 4 is unreadable: its format version 9 is not one this build knows (1 to 4); a newer build verifies it"
        ))
        await reopened.close()
    }
}
