import CallGateStorage
import PostgresNIO

extension PostgresAuditStore {
    /// Walks the whole chain in one repeatable-read transaction, so concurrent appends and prunes
    /// (of any instance) cannot change what the walk sees; the rows stream, so memory stays bounded.
    ///
    /// The chain must reach the head row of the same snapshot and end on its hash, and reach the
    /// newest head this store appended or read: records cut from the end show either way.
    public func verify(witnessed: [WitnessHead]) async throws(AuditStoreError) -> AuditVerification {
        // Taken before the walk's snapshot, which therefore holds at least this much.
        let remembered = rememberedHead.sequence
        // The walk lasts as long as the trail is long: a lost connection fails it, not a deadline.
        return try await perform("verify the chain", timeout: Self.walkTimeout) { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                let checkpoint = try await Self.loadCheckpoint(connection, logger: logger)
                let head = try await Self.readHead(
                    connection.query("SELECT sequence, hash FROM audit_head WHERE id = 1", logger: logger)
                )
                var verifier = ChainVerifier(keys: keys, checkpoint: checkpoint, witnessed: witnessed)
                if verifier.firstBad == nil {
                    let rows = try await connection.query(
                        "SELECT \(unescaped: PostgresRecordCodec.columns) FROM audit_records r ORDER BY r.sequence", logger: logger
                    )
                    for try await row in rows {
                        let record: AuditRecord
                        do throws(UnreadableRecord) {
                            record = try PostgresRecordCodec.decode(row)
                        } catch {
                            verifier.reject(error.sequence, "record \(error.sequence) is unreadable: \(error.detail)")
                            break
                        }
                        guard verifier.check(record) else { break }
                    }
                }
                if verifier.firstBad == nil, verifier.last.sequence == head.sequence, verifier.last.hash != head.hash {
                    verifier.fail(
                        head.sequence,
                        "record \(head.sequence) is not the one the store appended last: its hash differs from the head's, so the trail was cut back and rewritten"
                    )
                }
                return verifier.finish(expectedLastSequence: max(head.sequence, remembered))
            }
        }
    }

    /// The deadline of a walk of the whole trail.
    static let walkTimeout: Duration = .seconds(24 * 3600)

    /// The pruning checkpoint, if any.
    static func loadCheckpoint(_ connection: PostgresConnection, logger: Logger) async throws -> ChainCheckpoint? {
        let rows = try await connection.query(
            "SELECT sequence, hash, max_time_ms, pruned_at_ms, mac FROM audit_checkpoint WHERE id = 1", logger: logger
        )
        var checkpoint: ChainCheckpoint?
        for try await (sequence, hash, maxTime, prunedAt, mac) in rows.decode((Int64, String, Int64, Int64, String?).self) {
            checkpoint = ChainCheckpoint(
                anchor: ChainAnchor(sequence: sequence, hash: hash), maxTimeMillis: maxTime, prunedAtMillis: prunedAt, mac: mac
            )
        }
        return checkpoint
    }
}
