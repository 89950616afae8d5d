import CallGateStorage

/// A point of the chain: a record's sequence and hash, and the largest record time up to it.
struct ChainPoint: Sendable {
    var sequence: Int64
    var hash: String
    var maxTimeMillis: Int64

    /// Before the first record.
    static let genesis = ChainPoint(sequence: 0, hash: AuditRecord.genesisHash, maxTimeMillis: .min)

    /// The point a checkpoint holds.
    init(_ checkpoint: ChainCheckpoint) {
        self.init(sequence: checkpoint.anchor.sequence, hash: checkpoint.anchor.hash, maxTimeMillis: checkpoint.maxTimeMillis)
    }

    init(sequence: Int64, hash: String, maxTimeMillis: Int64) {
        self.sequence = sequence
        self.hash = hash
        self.maxTimeMillis = maxTimeMillis
    }

    var anchor: ChainAnchor { ChainAnchor(sequence: sequence, hash: hash) }
}
