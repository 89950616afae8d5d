/// The pruning checkpoint: the last record pruned, from which the chain continues, MACed with the
/// chain key so that whoever deletes the oldest records cannot write a checkpoint that hides it.
package struct ChainCheckpoint: Sendable, Hashable {
    /// The last pruned record's sequence and hash.
    package var anchor: ChainAnchor
    /// The largest record time up to that record.
    package var maxTimeMillis: Int64
    /// When the prune ran.
    package var prunedAtMillis: Int64
    /// The checkpoint's MAC (`AuditKeys.checkpointMAC`); nil when the row carries none.
    package var mac: String?

    /// A checkpoint as stored.
    package init(anchor: ChainAnchor, maxTimeMillis: Int64, prunedAtMillis: Int64, mac: String?) {
        self.anchor = anchor
        self.maxTimeMillis = maxTimeMillis
        self.prunedAtMillis = prunedAtMillis
        self.mac = mac
    }

    /// The last pruned record's sequence.
    package var sequence: Int64 { anchor.sequence }

    /// The sentence saying why the checkpoint cannot be trusted, or nil when its MAC is the one the
    /// chain key gives.
    package func problem(under keys: AuditKeys) -> String? {
        guard let mac else {
            return "the checkpoint at record \(sequence) carries no MAC: it was written without the chain key, so the records pruned before it cannot be vouched for"
        }
        guard mac == keys.checkpointMAC(self) else {
            return "the checkpoint at record \(sequence) was rewritten or forged: its MAC does not match its content"
        }
        return nil
    }
}
