import CallGateStorage
import CSQLite

/// A failed SQLite call: its result code and message.
struct SQLiteError: Error {
    /// The (extended) result code.
    var code: Int32
    /// SQLite's message, e.g. "database or disk is full".
    var message: String

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The connection's last error, for a call that returned `code`.
    init(_ connection: OpaquePointer?, _ code: Int32) {
        self.code = code
        if let connection {
            message = String(cString: sqlite3_errmsg(connection))
        } else {
            message = String(cString: sqlite3_errstr(code))
        }
    }

    /// The store error for this failure: `corrupt` when the file is damaged or not a database,
    /// `unavailable` otherwise; `context` says what failed ("The audit store at … could not …").
    func storeError(_ context: String) -> AuditStoreError {
        let primary = code & 0xFF
        return AuditStoreError(
            code: primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ? .corrupt : .unavailable,
            detail: "\(context): \(message) (SQLite error \(code))."
        )
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue: Sendable {
    case integer(Int64)
    case text(String)
}

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe (it is opened with `SQLITE_OPEN_NOMUTEX`): each connection belongs to one
/// `SQLiteWorker`, which runs one job at a time on it.
final class SQLiteConnection {
    let handle: OpaquePointer
    private var cache: [String: SQLiteStatement] = [:]
    /// What the WAL hook writes to (`watchLog(_:)`), kept alive as long as the connection.
    var logWatcher: WALFrames?
    /// Dynamic queries are cached too; past this many distinct texts the cache starts over.
    private static let cacheLimit = 128

    /// Process-wide settings, applied before the first connection opens: no memory statistics
    /// (a global mutex per allocation otherwise).
    private static let configured: Bool = csqlite_disable_memory_statistics() == SQLITE_OK

    /// Opens the database file at `path`, read-write (creating it) or read-only.
    init(path: String, readOnly: Bool, busyTimeoutMillis: Int32) throws(SQLiteError) {
        _ = Self.configured
        var connection: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let result = sqlite3_open_v2(path, &connection, access | SQLITE_OPEN_NOMUTEX, nil)
        guard result == SQLITE_OK, let connection else {
            let error = SQLiteError(connection, result)
            sqlite3_close_v2(connection)
            throw error
        }
        handle = connection
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, busyTimeoutMillis)
    }

    deinit {
        cache.removeAll()
        sqlite3_wal_hook(handle, nil, nil)
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows needed (DDL, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String) throws(SQLiteError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw SQLiteError(handle, result) }
    }

    /// The first column of the first row of `sql` as text, nil when there is no row.
    func text(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try SQLiteStatement(connection: handle, sql: sql)
        return try statement.step() ? statement.optionalText(0) : nil
    }

    /// The first column of the first row of `sql` as an integer, nil when there is no row.
    func integer(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try SQLiteStatement(connection: handle, sql: sql)
        return try statement.step() ? statement.int64(0) : nil
    }

    /// A prepared statement for `sql`, prepared once per connection and reused.
    ///
    /// Reset it (`defer { statement.reset() }`) when done: a statement left mid-way keeps its read
    /// transaction open.
    func cached(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = cache[sql] { return statement }
        if cache.count >= Self.cacheLimit { cache.removeAll() }
        let statement = try SQLiteStatement(connection: handle, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int { Int(sqlite3_changes64(handle)) }
}

/// A prepared statement; finalized when released.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    init(connection: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw SQLiteError(connection, result) }
        self.handle = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `value` to parameter `index` (1-based); nil binds NULL.
    func bind(_ index: Int32, _ value: Int64?) throws(SQLiteError) {
        let result = if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
        try check(result)
    }

    /// Binds `value` to parameter `index` (1-based); nil binds NULL. The text is copied.
    func bind(_ index: Int32, _ value: String?) throws(SQLiteError) {
        guard var value else {
            try check(sqlite3_bind_null(handle, index))
            return
        }
        let result = value.withUTF8 { utf8 -> Int32 in
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
            }
            guard utf8.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
            let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            return sqlite3_bind_text(handle, index, text, Int32(utf8.count), csqlite_transient())
        }
        try check(result)
    }

    /// Binds `value` to parameter `index` (1-based) as a blob (an empty one when `value` is). The
    /// bytes are copied.
    func bind(_ index: Int32, _ value: [UInt8]) throws(SQLiteError) {
        let result = value.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
            guard bytes.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
            return sqlite3_bind_blob(handle, index, base, Int32(bytes.count), csqlite_transient())
        }
        try check(result)
    }

    /// Binds `value` to parameter `index` (1-based) as a blob; nil binds NULL.
    func bind(_ index: Int32, _ value: [UInt8]?) throws(SQLiteError) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(index, value)
    }

    /// Binds `value` to parameter `index` (1-based).
    func bind(_ index: Int32, _ value: SQLiteValue) throws(SQLiteError) {
        switch value {
        case .integer(let integer): try bind(index, integer)
        case .text(let text): try bind(index, text)
        }
    }

    /// Advances; true when a row is ready, false when the statement is done.
    func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let result: throw SQLiteError(connection, result)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    /// Makes the statement ready to run again and releases its read transaction; clears bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    /// The column as text; NULL reads as the empty string.
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column as bytes; NULL reads as no bytes.
    func blob(_ column: Int32) -> [UInt8] {
        // Read the pointer first: asking for the size first could convert the value.
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// The column as bytes; NULL reads as nil.
    func optionalBlob(_ column: Int32) -> [UInt8]? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : blob(column)
    }

    func optionalText(_ column: Int32) -> String? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : text(column)
    }

    private func check(_ result: Int32) throws(SQLiteError) {
        guard result == SQLITE_OK else { throw SQLiteError(connection, result) }
    }
}
