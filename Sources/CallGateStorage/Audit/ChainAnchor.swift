/// Where a chain starts: nothing pruned yet, or the last record pruned.
package struct ChainAnchor: Sendable, Hashable {
    /// The sequence of the last pruned record, 0 when nothing was pruned.
    package var sequence: Int64
    /// That record's hash, `AuditRecord.genesisHash` when nothing was pruned.
    package var hash: String

    /// A point of the chain.
    package init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The start of a chain nothing was pruned from.
    package static let genesis = ChainAnchor(sequence: 0, hash: AuditRecord.genesisHash)
}
