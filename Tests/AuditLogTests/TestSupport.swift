import AuditLog
import CSQLite
import Foundation
import Testing

/// A fresh directory under the system's temporary directory, removed when released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/audit-tests-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A path inside the directory.
    func file(_ name: String) -> String { path + "/" + name }
}

enum Fixtures {
    static let secret = [UInt8](repeating: 0x5A, count: 32)
    static let keys = try! AuditKeys(secret: secret)

    /// A record with every field filled, varied by `index`.
    static func record(_ index: Int, timeMillis: Int64? = nil) -> AuditRecord {
        let outcomes: [AuditOutcome] = [.allowed, .allowed, .denied, .error]
        let outcome = outcomes[index % outcomes.count]
        return AuditRecord(
            requestId: "req-\(index)",
            timeMillis: timeMillis ?? 1_767_225_600_000 + Int64(index) * 1000,
            principal: "principal-\(index % 3)",
            role: index % 2 == 0 ? "Manager" : "Agent",
            authMethod: index % 5 == 0 ? "webhook" : "api_key",
            clientAddress: "10.0.0.\(index % 250)",
            operation: index % 4 == 1 ? "getQueueStats" : "launchManualCalls",
            method: "POST",
            path: "/v1/services/\(21429 + index % 2)/manual-calls",
            serviceId: Int64(21429 + index % 2),
            phones: index % 4 == 1 ? [] : [keys.phone("41520\(57000 + index % 7)"), keys.phone("4158149720")],
            entryCount: index % 4 == 1 ? nil : 2,
            outcome: outcome,
            reason: outcome == .allowed ? nil : (outcome == .denied ? "forbidden_role" : "upstream_timeout"),
            validationCodes: outcome == .denied ? ["invalid_phone", "quote\"back\\slash\ttab"] : [],
            upstreamStatus: outcome == .denied ? nil : (outcome == .error ? 504 : 200),
            upstreamAttempts: outcome == .denied ? 0 : 1 + index % 3,
            upstreamLatencyMicros: outcome == .denied ? nil : 8000 + Int64(index),
            totalLatencyMicros: 9000 + Int64(index),
            responseStatus: outcome == .allowed ? 200 : (outcome == .denied ? 403 : 504)
        )
    }

    /// A webhook delivery varied by `index`: id `dlv-INDEX`, webhook id `wh-INDEX` unless given,
    /// created (and due) at `(index + 1) * 1000` unless given. Its payload ends with a NUL and a
    /// byte that is not UTF-8: payloads are kept as bytes, not text.
    static func delivery(
        _ index: Int, source: String = "crm", webhookId: String? = nil, createdMillis: Int64? = nil
    ) -> NewDelivery {
        NewDelivery(
            id: "dlv-\(index)", source: source, webhookId: webhookId ?? "wh-\(index)", operation: "schedule_callback",
            serviceId: 21429, payload: Array(#"{"phoneNumber":"4155550123","index":\#(index)}"#.utf8) + [0, 0xFF],
            createdMillis: createdMillis ?? Int64(index + 1) * 1000
        )
    }

    /// Opens a store in `directory`.
    static func store(
        in directory: TemporaryDirectory, name: String = "audit.sqlite",
        configuration: SQLiteAuditStore.Configuration = SQLiteAuditStore.Configuration()
    ) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: directory.file(name), keys: keys, configuration: configuration)
    }

    /// Appends `count` records made by `make`, in batches, and returns them as stored.
    @discardableResult
    static func fill(
        _ store: some AuditStore, count: Int, batch: Int = 500, make: (Int) -> AuditRecord = { record($0) }
    ) async throws -> [AuditRecord] {
        var stored: [AuditRecord] = []
        var next = 0
        while next < count {
            let end = min(count, next + batch)
            stored += try await store.append((next..<end).map(make))
            next = end
        }
        return stored
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
