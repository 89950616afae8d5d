import CallGateStorage


/// A point of the chain: a record's sequence and hash, and the largest record time up to it.
struct ChainPoint: Sendable {
    var sequence: Int64
    var hash: String
    var maxTimeMillis: Int64

    /// Before the first record.
    static let genesis = ChainPoint(sequence: 0, hash: AuditRecord.genesisHash, maxTimeMillis: .min)

    var anchor: ChainAnchor { ChainAnchor(sequence: sequence, hash: hash) }
}
