/// The index behind the query filters, built one block of records at a time.
///
/// Sequences are grouped in blocks of 4096 (block `b` holds sequences `b*4096+1 ... (b+1)*4096`).
/// When a block is complete, the writer stores its `audit_search` rows in term order, a slice
/// after each append (`WriteContext.indexCompleteBlocks`): they land at the right edge of the
/// table's B-tree, a few bytes each, instead of a scattered index page per filter in every commit. A term is a 64-bit FNV-1a hash of a filter and
/// its value; a collision only adds candidates that the query's exact conditions then drop.
///
/// - A request id or a phone fingerprint, nearly unique, gets one row per record:
///   (block, term, sequence).
/// - A principal, role, operation, service, outcome or status, shared by many records, gets one
///   row per block it occurs in: (block, term, 0). A query on it scans only the blocks where every
///   such filter occurs.
///
/// Records after `audit_search_progress.indexed_through` (less than two blocks, normally) are not
/// in the index yet: queries scan them directly. The progress moves with a block's last slice, and
/// queries read it and the index in one transaction, so a query sees every record exactly once.
enum SQLiteSearchIndex {
    /// Records per block.
    static let blockSize: Int64 = 4096

    /// One index row.
    struct Entry: Hashable, Comparable, Sendable {
        var term: Int64
        var sequence: Int64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.term, lhs.sequence) < (rhs.term, rhs.sequence)
        }
    }

    typealias Kind = AuditSearchTerms.Kind

    /// The `sequence` of a per-block row.
    static let wholeBlock: Int64 = 0

    static let insert = "INSERT OR IGNORE INTO audit_search (block, term, sequence) VALUES (?1, ?2, ?3)"
    static let setProgress = "UPDATE audit_search_progress SET indexed_through = ?1 WHERE id = 1"
    static let progress = "SELECT indexed_through FROM audit_search_progress WHERE id = 1"

    /// The block holding `sequence` (1-based sequences, 0-based blocks).
    static func block(of sequence: Int64) -> Int64 {
        (sequence - 1) / blockSize
    }

    /// The term for a filter and its value (`AuditSearchTerms.term`).
    static func term(_ kind: Kind, _ value: String) -> Int64 {
        AuditSearchTerms.term(kind, value)
    }

    /// Index rows gathered from stored records, handed out block by block.
    struct Rows {
        /// Per-record rows, in sequence order.
        private var perRecord: [Entry] = []
        /// Per-block terms, by block.
        private var perBlock: [Int64: Set<Int64>] = [:]

        /// Adds the rows of a stored record.
        mutating func add(_ record: AuditRecord) {
            add(AuditSearchTerms(record), sequence: record.sequence)
        }

        /// Adds the rows of the record stored as `sequence`, whose terms are `terms`.
        mutating func add(_ terms: AuditSearchTerms, sequence: Int64) {
            for term in terms.perRecord {
                perRecord.append(Entry(term: term, sequence: sequence))
            }
            // Inserted in place: taking the set out and putting it back copied it for every record.
            let key = block(of: sequence)
            for term in terms.perBlock {
                perBlock[key, default: []].insert(term)
            }
        }

        /// Adds rows gathered separately (from records stored after these).
        mutating func add(_ other: Rows) {
            perRecord += other.perRecord
            perBlock.merge(other.perBlock) { $0.union($1) }
        }

        /// The rows of `block`, the first block held: its per-record rows sorted and without
        /// duplicates (a record may carry the same phone twice), then its per-block rows.
        func rows(of block: Int64) -> [Entry] {
            var rows = perRecord[..<count(through: block)].sorted()
            var last: Entry?
            rows.removeAll { row in
                defer { last = row }
                return row == last
            }
            rows += (perBlock[block] ?? []).sorted().map { Entry(term: $0, sequence: wholeBlock) }
            return rows
        }

        /// Forgets the rows of `block` and of the blocks before it.
        mutating func remove(through block: Int64) {
            perRecord.removeSubrange(..<count(through: block))
            perBlock = perBlock.filter { $0.key > block }
        }

        private func count(through block: Int64) -> Int {
            let end = (block + 1) * blockSize
            return perRecord.firstIndex { $0.sequence > end } ?? perRecord.count
        }
    }

    /// The per-record term of `query` (its request id, else its phone); nil when it has neither.
    static func recordTerm(of query: AuditQuery) -> Int64? {
        if let requestId = query.requestId { return term(.requestId, requestId) }
        if let phone = query.phoneFingerprint { return term(.phone, phone) }
        return nil
    }

    /// The per-block terms of `query`: a block can hold a match only if it holds them all.
    static func blockTerms(of query: AuditQuery) -> [Int64] {
        var terms: [Int64] = []
        if let principal = query.principal { terms.append(term(.principal, principal)) }
        if let role = query.role { terms.append(term(.role, role)) }
        if let operation = query.operation { terms.append(term(.operation, operation)) }
        if let serviceId = query.serviceId { terms.append(AuditSearchTerms.term(.serviceId, serviceId)) }
        if let outcome = query.outcome { terms.append(term(.outcome, outcome.rawValue)) }
        if let status = query.status { terms.append(AuditSearchTerms.term(.status, Int64(status))) }
        return terms
    }
}
