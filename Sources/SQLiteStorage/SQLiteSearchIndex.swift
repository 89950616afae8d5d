import CallGateStorage

/// The index behind the query filters, built one block of records at a time.
///
/// Sequences are grouped in blocks of 4096 (block `b` holds sequences `b*4096+1 ... (b+1)*4096`).
/// When a block is complete, the writer stores its rows, a slice after each append
/// (`WriteContext.indexCompleteBlocks`): they land at the right edge of the tables' B-trees, instead
/// of a scattered index page per filter in every commit. A term is a 64-bit FNV-1a hash of a filter
/// and its value; a collision only adds candidates that the query's exact conditions then drop.
///
/// - A request id or a phone fingerprint, nearly unique, gets one entry per record: (term,
///   sequence). A block's entries are stored in `audit_search_postings`, one row per block and
///   bucket (256 buckets, about 27 entries each; `bucket(of:)`), whose blob holds the bucket's
///   entries in term order. Storing a block is then about 300 rows, not 7000: a row per
///   entry cost the writer about a sixth of its time.
/// - A principal, role, operation, service, outcome or status, shared by many records, gets one
///   row per block it occurs in, in `audit_search`: (block, term, 0). A query on it scans only the
///   blocks where every such filter occurs.
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

    /// What a term filters on; the raw value is hashed in front of the filter's value.
    enum Kind: UInt8 {
        case requestId = 1, principal, role, operation, serviceId, outcome, status, phone
    }

    /// The `sequence` of a per-block row.
    static let wholeBlock: Int64 = 0

    static let insert = "INSERT OR IGNORE INTO audit_search (block, term, sequence) VALUES (?1, ?2, ?3)"
    static let insertPostings = "INSERT OR REPLACE INTO audit_search_postings (block, bucket, entries) VALUES (?1, ?2, ?3)"
    static let postings = "SELECT entries FROM audit_search_postings WHERE block = ?1 AND bucket = ?2"

    /// Buckets per block.
    static let bucketCount = 256

    /// The bucket of a per-record term: the top byte of the term times a 64-bit golden-ratio
    /// constant (FNV-1a's own top bits barely change between values that differ in their last
    /// characters, such as consecutive request ids).
    static func bucket(of term: Int64) -> Int64 {
        Int64((UInt64(bitPattern: term) &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    /// Bytes per entry in a postings blob: the term (8 bytes, little-endian) and the sequence's
    /// offset in its block (2 bytes, little-endian).
    static let entrySize = 10

    /// A row the writer stores for a block.
    enum StoredRow: Equatable {
        /// The entries of one bucket, encoded.
        case postings(bucket: Int64, entries: [UInt8])
        /// A per-block term.
        case blockTerm(Int64)
    }

    /// The rows that store `rows` (of ``Rows/rows(of:)``) of `block`: its entries by bucket, in
    /// bucket order, then its per-block terms.
    static func storedRows(of rows: [Entry], block: Int64) -> [StoredRow] {
        var buckets = [[UInt8]](repeating: [], count: bucketCount)
        var blockTerms: [StoredRow] = []
        for row in rows {
            if row.sequence == wholeBlock {
                blockTerms.append(.blockTerm(row.term))
            } else {
                // `rows` is sorted, so each bucket's entries are in term order.
                append(row, block: block, to: &buckets[Int(bucket(of: row.term))])
            }
        }
        let postings = buckets.indices.lazy.filter { !buckets[$0].isEmpty }
            .map { StoredRow.postings(bucket: Int64($0), entries: buckets[$0]) }
        return Array(postings) + blockTerms
    }

    private static func append(_ entry: Entry, block: Int64, to bytes: inout [UInt8]) {
        let term = UInt64(bitPattern: entry.term)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: term >> UInt64(shift))) }
        let offset = UInt16(truncatingIfNeeded: entry.sequence - block * blockSize - 1)
        bytes.append(UInt8(truncatingIfNeeded: offset))
        bytes.append(UInt8(truncatingIfNeeded: offset >> 8))
    }

    /// The entries of a postings blob of `block` (a trailing partial entry is ignored).
    static func entries(_ bytes: [UInt8], block: Int64) -> [Entry] {
        stride(from: 0, to: bytes.count - entrySize + 1, by: entrySize).map { start in
            var term: UInt64 = 0
            for index in 0..<8 { term |= UInt64(bytes[start + index]) << UInt64(8 * index) }
            let offset = Int64(bytes[start + 8]) | Int64(bytes[start + 9]) << 8
            return Entry(term: Int64(bitPattern: term), sequence: block * blockSize + 1 + offset)
        }
    }
    static let setProgress = "UPDATE audit_search_progress SET indexed_through = ?1 WHERE id = 1"
    static let progress = "SELECT indexed_through FROM audit_search_progress WHERE id = 1"

    /// The block holding `sequence` (1-based sequences, 0-based blocks).
    static func block(of sequence: Int64) -> Int64 {
        (sequence - 1) / blockSize
    }

    /// The term for a filter and its value: FNV-1a 64 over the kind byte and the value's UTF-8.
    static func term(_ kind: Kind, _ value: String) -> Int64 {
        var hash = fnvStart(kind)
        for byte in value.utf8 {
            hash = fnv(hash, byte)
        }
        return Int64(bitPattern: hash)
    }

    /// The term of an integer value: the same as of its decimal text, without making the text.
    static func term(_ kind: Kind, _ value: Int64) -> Int64 {
        var hash = fnvStart(kind)
        if value < 0 { hash = fnv(hash, UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var divisor: UInt64 = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            hash = fnv(hash, UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
        return Int64(bitPattern: hash)
    }

    private static func fnvStart(_ kind: Kind) -> UInt64 {
        fnv(0xCBF2_9CE4_8422_2325, kind.rawValue)
    }

    private static func fnv(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// Index rows gathered from stored records, handed out block by block.
    struct Rows {
        /// Per-record rows, in sequence order.
        private var perRecord: [Entry] = []
        /// Per-block terms of the blocks before `block`, by block.
        private var perBlock: [Int64: Set<Int64>] = [:]
        /// The block of the latest record and its per-block terms so far (kept apart from
        /// `perBlock`, so that a record costs no dictionary lookups).
        private var block: Int64 = -1
        private var terms: Set<Int64> = []

        /// Adds the rows of a stored record; `sequence` is its sequence when the record itself is not
        /// numbered yet (as appended, before the store assigned it).
        mutating func add(_ record: AuditRecord, sequence: Int64? = nil) {
            add(
                sequence: sequence ?? record.sequence, requestId: record.requestId,
                fingerprints: record.phones.lazy.map(\.fingerprint), principal: record.principal, role: record.role,
                operation: record.operation, serviceId: record.serviceId, outcome: record.outcome.rawValue,
                status: Int64(record.responseStatus)
            )
        }

        /// Adds the rows of the record with these filter values (records come in sequence order).
        mutating func add(
            sequence: Int64, requestId: String, fingerprints: some Sequence<String>, principal: String?, role: String?,
            operation: String, serviceId: Int64?, outcome: String, status: Int64
        ) {
            perRecord.append(Entry(term: term(.requestId, requestId), sequence: sequence))
            for fingerprint in fingerprints {
                perRecord.append(Entry(term: term(.phone, fingerprint), sequence: sequence))
            }
            let recordBlock = SQLiteSearchIndex.block(of: sequence)
            if recordBlock != block { moveTerms(to: recordBlock) }
            if let principal { terms.insert(term(.principal, principal)) }
            if let role { terms.insert(term(.role, role)) }
            terms.insert(term(.operation, operation))
            if let serviceId { terms.insert(term(.serviceId, serviceId)) }
            terms.insert(term(.outcome, outcome))
            terms.insert(term(.status, status))
        }

        /// Files the current block's terms under it and starts `next`'s (with what it already has).
        private mutating func moveTerms(to next: Int64) {
            if block >= 0, !terms.isEmpty { perBlock[block, default: []].formUnion(terms) }
            block = next
            terms = perBlock.removeValue(forKey: next) ?? []
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
            var blockTerms = perBlock[block] ?? []
            if block == self.block { blockTerms.formUnion(terms) }
            rows += blockTerms.sorted().map { Entry(term: $0, sequence: wholeBlock) }
            return rows
        }

        /// Forgets the rows of `block` and of the blocks before it.
        mutating func remove(through block: Int64) {
            perRecord.removeSubrange(..<count(through: block))
            perBlock = perBlock.filter { $0.key > block }
            if self.block <= block {
                self.block = -1
                terms = []
            }
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

    /// The per-block terms of `query.services`: a block can hold a match only if it holds one of
    /// them; nil when the query is not limited to services (none, for an empty set: no block can).
    static func serviceTerms(of query: AuditQuery) -> [Int64]? {
        query.services.map { $0.map { term(.serviceId, $0) } }
    }

    /// The per-block terms of `query`: a block can hold a match only if it holds them all.
    static func blockTerms(of query: AuditQuery) -> [Int64] {
        var terms: [Int64] = []
        if let principal = query.principal { terms.append(term(.principal, principal)) }
        if let role = query.role { terms.append(term(.role, role)) }
        if let operation = query.operation { terms.append(term(.operation, operation)) }
        if let serviceId = query.serviceId { terms.append(term(.serviceId, String(serviceId))) }
        if let outcome = query.outcome { terms.append(term(.outcome, SQLiteAuditStore.storedOutcome(outcome))) }
        if let status = query.status { terms.append(term(.status, String(status))) }
        return terms
    }
}
