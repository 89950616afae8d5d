import CallGateStorage
import CSQLite
import Foundation
import SQLiteStorage
import StorageTestSupport
import Testing

extension Fixtures {
    /// Opens a store in `directory`.
    static func store(
        in directory: TemporaryDirectory, name: String = "audit.sqlite",
        configuration: SQLiteAuditStore.Configuration = SQLiteAuditStore.Configuration()
    ) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: directory.file(name), keys: keys, configuration: configuration)
    }
}

/// A direct connection to a database file through the C API, to tamper with it as an attacker
/// with file access would.
final class RawDatabase {
    private var handle: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open(path, &handle) == SQLITE_OK else {
            throw RawDatabaseError(message: "cannot open \(path)")
        }
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit {
        sqlite3_close(handle)
    }

    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            defer { sqlite3_free(message) }
            throw RawDatabaseError(message: message.map { String(cString: $0) } ?? "unknown error")
        }
    }

    /// The first column of every row, as text.
    func column(_ sql: String) throws -> [String] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw RawDatabaseError(message: String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_finalize(statement) }
        var values: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            values.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "NULL")
        }
        return values
    }
}

struct RawDatabaseError: Error {
    let message: String
}

/// Reads a `/proc/self/status` field in KiB (Linux), e.g. `VmHWM`.
func procStatusKiB(_ field: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}
