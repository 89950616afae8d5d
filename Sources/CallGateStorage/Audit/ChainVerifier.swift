/// Checks a chain record by record, in sequence order; database-neutral, so every store's
/// `verify()` reports the same problems in the same words.
///
/// Besides the chain itself, it checks the pruning checkpoint's MAC, and, given the heads an audit
/// witness saw, that the trail reaches the last of them and holds the hash each saw at its sequence.
package struct ChainVerifier {
    private let keys: AuditKeys
    private let checkpoint: ChainAnchor?
    /// The witnessed heads not yet compared, by sequence (then time), the next one last.
    private var witnessed: [WitnessHead]
    /// The witnessed head with the highest sequence: the trail must reach it.
    private let lastWitnessed: WitnessHead?
    package private(set) var last: ChainAnchor
    package private(set) var checked = 0
    package private(set) var firstBad: AuditVerification.BadRecord?

    /// Starts after `checkpoint`, or at the genesis when nothing was pruned; a checkpoint whose MAC
    /// is not the chain key's fails at once. `witnessed` are the heads a witness saw, in any order.
    package init(keys: AuditKeys, checkpoint: ChainCheckpoint?, witnessed: [WitnessHead] = []) {
        self.keys = keys
        self.checkpoint = checkpoint?.anchor
        let ordered = witnessed.sorted { ($0.sequence, $0.timeMillis) < ($1.sequence, $1.timeMillis) }
        lastWitnessed = ordered.last
        self.witnessed = ordered.reversed()
        last = checkpoint?.anchor ?? .genesis
        if let checkpoint {
            if let problem = checkpoint.problem(under: keys) {
                fail(checkpoint.sequence, problem)
            } else {
                compareWitnessed(at: last)
            }
        }
    }

    /// Checks the next record; returns false once a problem is found (the walk should stop there).
    package mutating func check(_ record: AuditRecord) -> Bool {
        guard firstBad == nil else { return false }
        checked += 1
        let sequence = record.sequence
        if sequence <= last.sequence {
            if let checkpoint, sequence <= checkpoint.sequence {
                return fail(sequence, "record \(sequence) should not exist: records up to \(checkpoint.sequence) were pruned")
            }
            return fail(sequence, "record \(sequence) is out of order: it comes after record \(last.sequence)")
        }
        if sequence != last.sequence + 1 {
            let missing = last.sequence + 1 == sequence - 1
                ? "record \(last.sequence + 1) is missing"
                : "records \(last.sequence + 1) to \(sequence - 1) are missing"
            let origin = last.sequence == 0 ? "the start" : "\(last.sequence)"
            return fail(last.sequence + 1, "\(missing): the sequence jumps from \(origin) to \(sequence)")
        }
        if record.previousHash != last.hash {
            let reason = last.sequence == 0
                ? "record \(sequence) does not start the chain: its previous hash is not 64 zeros"
                : "record \(sequence) does not follow \(describeLast()): its previous hash is not the hash of \(describeLast()), so a record was inserted, removed or moved here"
            return fail(sequence, reason)
        }
        let expected = keys.chainHash(
            previousHash: record.previousHash, sequence: sequence, contentDigest: record.contentDigest()
        )
        if record.hash != expected {
            return fail(sequence, "record \(sequence) was altered or forged: its hash does not match its content")
        }
        last = ChainAnchor(sequence: sequence, hash: record.hash)
        return compareWitnessed(at: last)
    }

    /// Compares the heads witnessed at `point`'s sequence with its hash, dropping those before it
    /// (pruned, or before the checkpoint); returns false when one differs.
    @discardableResult
    private mutating func compareWitnessed(at point: ChainAnchor) -> Bool {
        while let head = witnessed.last, head.sequence <= point.sequence {
            witnessed.removeLast()
            if head.sequence == point.sequence, head.hash != point.hash {
                return fail(
                    point.sequence,
                    "\(describeLast()) is not the one the witness saw at \(head.utcTime): its hash differs, so the trail was cut back and rewritten at or before it"
                )
            }
        }
        return true
    }

    /// Counts a record that could not even be read, and reports `problem` for it.
    package mutating func reject(_ sequence: Int64, _ problem: String) {
        checked += 1
        fail(sequence, problem)
    }

    /// Records a problem found outside the hash chain itself; returns false.
    @discardableResult
    package mutating func fail(_ sequence: Int64, _ problem: String) -> Bool {
        if firstBad == nil {
            firstBad = AuditVerification.BadRecord(sequence: sequence, problem: problem)
        }
        return false
    }

    /// The result, after checking that the chain reaches `expectedLastSequence`, the last
    /// sequence this process knows was written (records deleted from the end leave a valid chain
    /// behind; only a sequence remembered outside the database shows they are gone).
    package mutating func finish(expectedLastSequence: Int64) -> AuditVerification {
        if firstBad == nil, last.sequence < expectedLastSequence {
            let missing = last.sequence + 1 == expectedLastSequence
                ? "record \(expectedLastSequence) is missing"
                : "records \(last.sequence + 1) to \(expectedLastSequence) are missing"
            fail(last.sequence + 1, "\(missing): the chain ends at \(describeLast()) but records up to \(expectedLastSequence) were written")
        }
        if firstBad == nil, let head = lastWitnessed, last.sequence < head.sequence {
            let missing = last.sequence + 1 == head.sequence
                ? "record \(head.sequence) is missing"
                : "records \(last.sequence + 1) to \(head.sequence) are missing"
            fail(last.sequence + 1, "\(missing): the witness saw the chain reach \(head.sequence) at \(head.utcTime)")
        }
        return AuditVerification(checked: checked, firstBad: firstBad, checkpointSequence: checkpoint?.sequence)
    }

    private func describeLast() -> String {
        if last.sequence == 0 { return "the start" }
        if let checkpoint, last.sequence == checkpoint.sequence { return "the checkpoint at record \(last.sequence)" }
        return "record \(last.sequence)"
    }
}
