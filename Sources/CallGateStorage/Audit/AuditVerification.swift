/// What `verify()` found.
public struct AuditVerification: Sendable, Hashable {
    /// The first record found wrong, and what is wrong with it.
    public struct BadRecord: Sendable, Hashable {
        /// The sequence of the record that is missing, altered or out of place.
        public var sequence: Int64
        /// One sentence, e.g. "record 17 was altered or forged: its hash does not match its content".
        public var problem: String

        /// Creates a finding.
        public init(sequence: Int64, problem: String) {
            self.sequence = sequence
            self.problem = problem
        }
    }

    /// How many records were read and checked, the first bad one included.
    public var checked: Int
    /// The first problem found; nil when the chain is intact.
    public var firstBad: BadRecord?
    /// The sequence of the last pruned record the walk started after; nil when nothing was pruned.
    public var checkpointSequence: Int64?

    /// True when every record from the checkpoint (or the start) to the end is present, in place
    /// and unaltered.
    public var isIntact: Bool { firstBad == nil }

    /// Creates a verification result.
    public init(checked: Int, firstBad: BadRecord?, checkpointSequence: Int64?) {
        self.checked = checked
        self.firstBad = firstBad
        self.checkpointSequence = checkpointSequence
    }
}
