import CallGateHashing
import CallGateStorage
import SQLiteStorage
import StorageTestSupport
import Testing

/// Records deleted from either end, and the checkpoint: what a witness and the checkpoint's MAC
/// catch that the chain alone cannot.
@Suite("Chain ends and the checkpoint")
struct TailVerificationTests {
    static let witnessKey = Ed25519.PrivateKey(seed: [UInt8](repeating: 0x21, count: 32))!
    /// 2026-12-07T20:01:02Z.
    static let witnessedAt: Int64 = 1_796_673_662_000

    /// `count` records written, each head witnessed into a real witness file as the service does,
    /// and the store closed (a clean stop).
    private func written(count: Int, in directory: TemporaryDirectory) async throws -> (path: String, witness: WitnessFile) {
        let store = try Fixtures.store(in: directory)
        let witness = WitnessFile(path: directory.file("audit.witness"))
        for first in stride(from: 0, to: count, by: 5) {
            try await Fixtures.fill(store, count: min(5, count - first)) { Fixtures.record(first + $0) }
            let head = try await store.chainHead()
            let seen = WitnessHead(sequence: head.sequence, hash: head.hash, timeMillis: Self.witnessedAt + head.sequence)
            try witness.append(WitnessLine(head: seen, signedBy: Self.witnessKey))
        }
        await store.close()
        return (store.path, witness)
    }

    /// Verifies the file at `directory` with a freshly opened store, with and without the witness.
    private func verify(_ directory: TemporaryDirectory, witness: WitnessFile) async throws -> (alone: AuditVerification, witnessed: AuditVerification) {
        let store = try Fixtures.store(in: directory)
        let heads = try witness.heads(publicKey: Self.witnessKey.publicKey)
        let alone = try await store.verify()
        let witnessed = try await store.verify(witnessed: heads)
        await store.close()
        return (alone, witnessed)
    }

    @Test("the untouched trail verifies against its witness")
    func untouched() async throws {
        let directory = try TemporaryDirectory()
        let (_, witness) = try await written(count: 40, in: directory)
        let result = try await verify(directory, witness: witness)
        #expect(result.witnessed == AuditVerification(checked: 40, firstBad: nil, checkpointSequence: nil))
        #expect(result.alone == result.witnessed)
    }

    @Test("the newest records deleted after a clean stop pass without the witness and are named with it", arguments: [
        (1, AuditVerification.BadRecord(sequence: 40, problem: "record 40 is missing: the witness saw the chain reach 40 at 2026-12-07T20:01:02Z")),
        (20, AuditVerification.BadRecord(sequence: 21, problem: "records 21 to 40 are missing: the witness saw the chain reach 40 at 2026-12-07T20:01:02Z")),
        (40, AuditVerification.BadRecord(sequence: 1, problem: "records 1 to 40 are missing: the witness saw the chain reach 40 at 2026-12-07T20:01:02Z")),
    ])
    func newestDeleted(count: Int, finding: AuditVerification.BadRecord) async throws {
        let directory = try TemporaryDirectory()
        let (path, witness) = try await written(count: 40, in: directory)
        try RawDatabase(path: path).execute("DELETE FROM audit_records WHERE sequence > \(40 - count)")
        let result = try await verify(directory, witness: witness)
        #expect(result.alone == AuditVerification(checked: 40 - count, firstBad: nil, checkpointSequence: nil))
        #expect(result.witnessed == AuditVerification(checked: 40 - count, firstBad: finding, checkpointSequence: nil))
    }

    @Test("records deleted from the end and written again differ from what the witness saw")
    func newestRewritten() async throws {
        let directory = try TemporaryDirectory()
        let (path, witness) = try await written(count: 40, in: directory)
        try RawDatabase(path: path).execute("DELETE FROM audit_records WHERE sequence > 20")
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 25) { Fixtures.record(1000 + $0) }
        await store.close()
        let result = try await verify(directory, witness: witness)
        #expect(result.alone.isIntact)
        #expect(result.witnessed.firstBad == AuditVerification.BadRecord(
            sequence: 25,
            problem: "record 25 is not the one the witness saw at 2026-12-07T20:01:02Z: its hash differs, so the trail was cut back and rewritten at or before it"
        ))
    }

    @Test("the oldest records deleted are named, with or without a checkpoint rewritten to hide it", arguments: [
        ("DELETE FROM audit_records WHERE sequence <= 5",
         AuditVerification.BadRecord(sequence: 1, problem: "records 1 to 5 are missing: the sequence jumps from the start to 6")),
        // A checkpoint written without the chain key: no MAC, or one made up.
        ("""
         DELETE FROM audit_records WHERE sequence <= 5;
         INSERT INTO audit_checkpoint (id, sequence, hash, max_time_ms, pruned_at_ms)
           SELECT 1, 5, previous_hash, 0, 0 FROM audit_records WHERE sequence = 6;
         """,
         AuditVerification.BadRecord(sequence: 5, problem: "the checkpoint at record 5 carries no MAC: it was written without the chain key, so the records pruned before it cannot be vouched for")),
        ("""
         DELETE FROM audit_records WHERE sequence <= 5;
         INSERT INTO audit_checkpoint (id, sequence, hash, max_time_ms, pruned_at_ms, mac)
           SELECT 1, 5, previous_hash, 0, 0, printf('%064d', 7) FROM audit_records WHERE sequence = 6;
         """,
         AuditVerification.BadRecord(sequence: 5, problem: "the checkpoint at record 5 was rewritten or forged: its MAC does not match its content")),
    ] as [(String, AuditVerification.BadRecord)])
    func oldestDeleted(sql: String, finding: AuditVerification.BadRecord) async throws {
        let directory = try TemporaryDirectory()
        let (path, witness) = try await written(count: 40, in: directory)
        try RawDatabase(path: path).execute(sql)
        let result = try await verify(directory, witness: witness)
        #expect(result.alone.firstBad == finding)
        #expect(result.witnessed.firstBad == finding)
    }

    @Test("a real prune's checkpoint carries the chain key's MAC; moved past more records by hand, it fails")
    func prunedCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        try await Fixtures.fill(store, count: 10) { Fixtures.record($0, timeMillis: Int64($0)) }
        #expect(try await store.prune(olderThanMillis: 3) == 3)
        #expect(try await store.verify() == AuditVerification(checked: 7, firstBad: nil, checkpointSequence: 3))
        try RawDatabase(path: store.path).execute("""
            DELETE FROM audit_records WHERE sequence <= 5;
            UPDATE audit_checkpoint SET sequence = 5, hash = (SELECT previous_hash FROM audit_records WHERE sequence = 6);
            """)
        #expect(try await store.verify().firstBad == AuditVerification.BadRecord(
            sequence: 5, problem: "the checkpoint at record 5 was rewritten or forged: its MAC does not match its content"
        ))
        await store.close()
    }

    @Test("opening a version 5 file MACs the checkpoint its prune wrote, unless the records do not follow it")
    func upgradeMACsCheckpoint() async throws {
        for consistent in [true, false] {
            let directory = try TemporaryDirectory()
            let store = try Fixtures.store(in: directory)
            // Records as version 5 wrote them: format 3, no calling-window decision.
            try await Fixtures.fill(store, count: 10) { index in
                var record = Fixtures.record(index, timeMillis: Int64(index))
                record.formatVersion = 3
                record.callingWindow = nil
                return record
            }
            #expect(try await store.prune(olderThanMillis: 3) == 3)
            await store.close()
            // The file as version 5 left it: no MAC column, no calling_window column.
            try RawDatabase(path: store.path).execute("""
                ALTER TABLE audit_checkpoint DROP COLUMN mac;
                ALTER TABLE audit_records DROP COLUMN calling_window;
                ALTER TABLE deliveries DROP COLUMN first_attempt_ms;
                ALTER TABLE deliveries DROP COLUMN window_query;
                PRAGMA user_version = 5;
                \(consistent ? "" : "DELETE FROM audit_records WHERE sequence = 4;")
                """)
            let reopened = try Fixtures.store(in: directory)
            let verification = try await reopened.verify()
            await reopened.close()
            #expect(try RawDatabase(path: store.path).column("PRAGMA user_version") == ["8"])
            if consistent {
                #expect(verification == AuditVerification(checked: 7, firstBad: nil, checkpointSequence: 3))
            } else {
                #expect(verification.firstBad == AuditVerification.BadRecord(
                    sequence: 3,
                    problem: "the checkpoint at record 3 carries no MAC: it was written without the chain key, so the records pruned before it cannot be vouched for"
                ))
            }
        }
    }
}
