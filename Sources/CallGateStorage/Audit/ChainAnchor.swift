/// A point of the chain: the head an audit witness signs, or where a chain starts (nothing pruned
/// yet, or the last record pruned).
public struct ChainAnchor: Sendable, Hashable {
    /// The record's sequence, 0 before the first record.
    public var sequence: Int64
    /// That record's hash, `AuditRecord.genesisHash` before the first record.
    public var hash: String

    /// A point of the chain.
    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The start of a chain nothing was pruned from.
    public static let genesis = ChainAnchor(sequence: 0, hash: AuditRecord.genesisHash)
}
