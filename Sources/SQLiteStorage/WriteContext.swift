import CallGateStorage


/// The write connection, its prepared statements and the search index backlog; used only on the
/// write worker's thread.
final class WriteContext {
    let connection: SQLiteConnection
    let insertRecord: SQLiteStatement
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement
    /// The log's size after the last commit.
    let logFrames = WALFrames()
    private let insertSearch: SQLiteStatement
    private let insertPostings: SQLiteStatement
    private let setSearchProgress: SQLiteStatement
    /// The index rows of the records after `indexedThrough`.
    private var searchBacklog = SQLiteSearchIndex.Rows()
    /// The last sequence `audit_search` covers: a whole number of blocks.
    private var indexedThrough: Int64

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
        insertRecord = try SQLiteStatement(connection: connection.handle, sql: SQLiteRecordCodec.insertRecord)
        begin = try SQLiteStatement(connection: connection.handle, sql: "BEGIN IMMEDIATE")
        commit = try SQLiteStatement(connection: connection.handle, sql: "COMMIT")
        rollback = try SQLiteStatement(connection: connection.handle, sql: "ROLLBACK")
        insertSearch = try SQLiteStatement(connection: connection.handle, sql: SQLiteSearchIndex.insert)
        insertPostings = try SQLiteStatement(connection: connection.handle, sql: SQLiteSearchIndex.insertPostings)
        setSearchProgress = try SQLiteStatement(connection: connection.handle, sql: SQLiteSearchIndex.setProgress)
        indexedThrough = try connection.integer(SQLiteSearchIndex.progress) ?? 0
        connection.watchLog(logFrames)
    }

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try run(begin)
        do {
            let result = try body()
            try run(commit)
            return result
        } catch {
            // Fails harmlessly when SQLite already rolled the transaction back itself.
            try? run(rollback)
            throw error
        }
    }

    /// Reads the filter columns of the records the search index does not cover yet, after
    /// opening, one block at a time, indexing each whole block as it goes; `tail` is the last
    /// record.
    func catchUpSearchIndex(tail: Int64) throws {
        let rows = try SQLiteStatement(
            connection: connection.handle,
            sql: """
                SELECT sequence, request_id, principal, role, operation, service_id, outcome, response_status, phones \
                FROM audit_records WHERE sequence BETWEEN ?1 AND ?2 ORDER BY sequence
                """
        )
        var from = indexedThrough + 1
        while from <= tail {
            let through = min(tail, from + SQLiteSearchIndex.blockSize - 1)
            try rows.bind(1, from)
            try rows.bind(2, through)
            while try rows.step() {
                let sequence = rows.int64(0)
                searchBacklog.add(
                    sequence: sequence, requestId: rows.text(1),
                    // An unreadable column indexes no number; verification reports the record.
                    fingerprints: (PreparedAuditRecord.decodePhones(rows.text(8)) ?? []).lazy.map(\.fingerprint),
                    principal: rows.optionalText(2), role: rows.optionalText(3), operation: rows.text(4),
                    serviceId: rows.optionalInt64(5), outcome: rows.text(6), status: rows.int64(7)
                )
            }
            rows.reset()
            try indexCompleteBlocks(tail: through, all: true)
            from = through + 1
        }
    }

    /// Adds the index rows of a record just committed (records come in sequence order).
    func addToSearchBacklog(_ record: AuditRecord, sequence: Int64) {
        searchBacklog.add(record, sequence: sequence)
    }

    /// Index rows stored per transaction: a block (about 300 rows) goes in over several appends,
    /// so no append waits for a whole block.
    static let searchSliceSize = 64

    /// The block being stored, its rows, and how many are stored already.
    private var blockInProgress: (block: Int64, rows: [SQLiteSearchIndex.StoredRow], stored: Int)?

    /// Stores the next slice of index rows of the oldest whole block of records up to `tail`, or,
    /// with `all`, every whole block. A block counts as indexed (and queries use its rows) once its
    /// last slice is stored, with the progress, in one transaction; rows of a block still in
    /// progress are ignored, and stored again (`INSERT OR IGNORE`) after a restart.
    func indexCompleteBlocks(tail: Int64, all: Bool = false) throws {
        repeat {
            if blockInProgress == nil, indexedThrough + SQLiteSearchIndex.blockSize <= tail {
                let block = SQLiteSearchIndex.block(of: indexedThrough + SQLiteSearchIndex.blockSize)
                blockInProgress = (block, SQLiteSearchIndex.storedRows(of: searchBacklog.rows(of: block), block: block), 0)
            }
            guard let (block, rows, stored) = blockInProgress else { return }
            let slice = rows[stored..<min(rows.count, stored + Self.searchSliceSize)]
            let finished = slice.endIndex == rows.count
            let end = (block + 1) * SQLiteSearchIndex.blockSize
            try transaction {
                for row in slice {
                    switch row {
                    case .postings(let bucket, let entries):
                        try insertPostings.bind(1, block)
                        try insertPostings.bind(2, bucket)
                        try insertPostings.bind(3, entries)
                        try run(insertPostings)
                    case .blockTerm(let term):
                        try insertSearch.bind(1, block)
                        try insertSearch.bind(2, term)
                        try insertSearch.bind(3, SQLiteSearchIndex.wholeBlock)
                        try run(insertSearch)
                    }
                }
                if finished {
                    try setSearchProgress.bind(1, end)
                    try run(setSearchProgress)
                }
            }
            if finished {
                searchBacklog.remove(through: block)
                indexedThrough = end
                blockInProgress = nil
            } else {
                blockInProgress = (block, rows, slice.endIndex)
            }
        } while all
    }

    private func run(_ statement: SQLiteStatement) throws(SQLiteError) {
        defer { statement.reset() }
        try statement.run()
    }
}
