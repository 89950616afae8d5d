import CallGateStorage
import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Chain verification")
struct VerificationTests {
    /// Twenty records written and closed, `tampering` applied to the file directly, then verified
    /// by a freshly opened store.
    private func verify(after tampering: String) async throws -> AuditVerification {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 20)
        let intact = try await store.verify()
        #expect(intact == AuditVerification(checked: 20, firstBad: nil, checkpointSequence: nil))
        await store.close()
        try RawDatabase(path: store.path).execute(tampering)
        let reopened = try Fixtures.store(in: directory)
        defer { Task { await reopened.close() } }
        return try await reopened.verify()
    }

    static let allColumns = """
        request_id, time_ms, max_time_ms, principal, role, auth_method, client_address, operation, method, path, \
        service_id, entry_count, outcome, reason, validation_codes, phones, upstream_status, upstream_attempts, \
        upstream_latency_us, total_latency_us, response_status
        """

    @Test("each kind of tampering is found at the right record, with a sentence saying what is wrong", arguments: [
        // (a) an edited column
        ("UPDATE audit_records SET principal = 'mallory' WHERE sequence = 7",
         7, "record 7 was altered or forged: its hash does not match its content"),
        ("UPDATE audit_records SET response_status = 200 WHERE sequence = 3",
         3, "record 3 was altered or forged: its hash does not match its content"),
        ("UPDATE audit_records SET validation_codes = '[]' WHERE sequence = 3",
         3, "record 3 was altered or forged: its hash does not match its content"),
        ("UPDATE audit_records SET outcome = 'hacked' WHERE sequence = 12",
         12, "record 12 is unreadable: its outcome 'hacked' is none of allowed, denied, error, intent"),
        ("UPDATE audit_records SET validation_codes = 'oops' WHERE sequence = 12",
         12, "record 12 is unreadable: its validation_codes column is not a JSON array of strings"),
        ("UPDATE audit_records SET max_time_ms = 0 WHERE sequence = 15",
         15, "record 15's time index was altered: its max_time_ms is 0, but the records up to it give 1767225614000"),
        // (b) deleted records
        ("DELETE FROM audit_records WHERE sequence = 9",
         9, "record 9 is missing: the sequence jumps from 8 to 10"),
        ("DELETE FROM audit_records WHERE sequence BETWEEN 9 AND 11",
         9, "records 9 to 11 are missing: the sequence jumps from 8 to 12"),
        ("DELETE FROM audit_records WHERE sequence = 1",
         1, "record 1 is missing: the sequence jumps from the start to 2"),
        // (c) inserted records: forged at the end, forged in the middle, one replayed at the end
        ("INSERT INTO audit_records SELECT 21, \(allColumns), hash, printf('%064d', 0), format_version, peer_address, calling_window FROM audit_records WHERE sequence = 20",
         21, "record 21 was altered or forged: its hash does not match its content"),
        ("""
         UPDATE audit_records SET sequence = sequence + 100 WHERE sequence > 10;
         UPDATE audit_records SET sequence = sequence - 99 WHERE sequence > 100;
         INSERT INTO audit_records SELECT 11, \(allColumns), hash, hash, format_version, peer_address, calling_window FROM audit_records WHERE sequence = 10;
         """,
         11, "record 11 was altered or forged: its hash does not match its content"),
        ("INSERT INTO audit_records SELECT 21, \(allColumns), previous_hash, hash, format_version, peer_address, calling_window FROM audit_records WHERE sequence = 5",
         21, "record 21 does not follow record 20: its previous hash is not the hash of record 20, so a record was inserted, removed or moved here"),
        // (d) two records swapped
        ("""
         UPDATE audit_records SET sequence = -4 WHERE sequence = 4;
         UPDATE audit_records SET sequence = 4 WHERE sequence = 5;
         UPDATE audit_records SET sequence = 5 WHERE sequence = -4;
         """,
         4, "record 4 does not follow record 3: its previous hash is not the hash of record 3, so a record was inserted, removed or moved here"),
        // (e) the phones are covered by the hash
        ("UPDATE audit_records SET phones = replace(phones, substr(phones, 16, 64), printf('%064d', 0)) WHERE sequence = 7",
         7, "record 7 was altered or forged: its hash does not match its content"),
        ("UPDATE audit_records SET phones = substr(phones, 1, 80) || ']' WHERE sequence = 8",
         8, "record 8 was altered or forged: its hash does not match its content"),
        ("UPDATE audit_records SET phones = '[\"******0000\",\"feed\"]' WHERE sequence = 2",
         2, "record 2 was altered or forged: its hash does not match its content"),
        ("UPDATE audit_records SET phones = '[\"******0000\"]' WHERE sequence = 3",
         3, "record 3 is unreadable: its phones column is not a JSON array of masked number and fingerprint pairs"),
    ] as [(String, Int64, String)])
    func tampering(sql: String, sequence: Int64, problem: String) async throws {
        let verification = try await verify(after: sql)
        #expect(!verification.isIntact)
        #expect(verification.firstBad == AuditVerification.BadRecord(sequence: sequence, problem: problem))
    }

    @Test("records deleted from the end are found by the store that wrote them")
    func truncatedEnd() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 20)
        try RawDatabase(path: store.path).execute("DELETE FROM audit_records WHERE sequence >= 19")
        let verification = try await store.verify()
        #expect(verification.checked == 18)
        #expect(verification.firstBad == AuditVerification.BadRecord(
            sequence: 19, problem: "records 19 to 20 are missing: the chain ends at record 18 but records up to 20 were written"
        ))
        await store.close()
    }
}
