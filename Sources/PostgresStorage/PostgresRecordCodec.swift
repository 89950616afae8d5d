import CallGateStorage
import Logging
import PostgresNIO

/// How a record maps onto `audit_records`: the same columns and stored forms as SQLite's
/// (`PreparedAuditRecord` makes the phones' and validation codes' JSON), so a record reads back
/// identical and verifies with the same chain.
enum PostgresRecordCodec {
    /// A record numbered and chained, ready to insert.
    struct Row: Sendable {
        var prepared: PreparedAuditRecord
        var sequence: Int64
        var previousHash: String
        var hash: String
    }

    /// The record columns, in the order `insert` binds and `decode` reads them.
    private static let names = [
        "sequence", "request_id", "time_ms", "principal", "role", "auth_method", "client_address", "peer_address",
        "operation", "method", "path", "service_id", "entry_count", "outcome", "reason", "validation_codes", "phones",
        "upstream_status", "upstream_attempts", "upstream_latency_us", "total_latency_us", "response_status",
        "previous_hash", "hash", "format_version",
    ]

    /// How many columns `decode` reads: a statement's own columns follow them.
    static let columnCount = names.count

    /// The columns `decode` reads, for a query that names `audit_records` `r`.
    static let columns = names.map { "r." + $0 }.joined(separator: ", ")

    /// Rows per INSERT statement: the protocol allows 65,535 parameters a statement.
    static let rowsPerStatement = 2000

    /// Inserts `rows` with multi-row INSERTs, `rowsPerStatement` at a time.
    static func insert(_ rows: [Row], _ connection: PostgresConnection, logger: Logger) async throws {
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + rowsPerStatement)]
            var bindings = PostgresBindings(capacity: chunk.count * names.count)
            var sql = "INSERT INTO audit_records (\(names.joined(separator: ", "))) VALUES "
            sql.reserveCapacity(sql.utf8.count + chunk.count * names.count * 7)
            var parameter = 0
            for (offset, row) in chunk.enumerated() {
                sql += offset == 0 ? "(" : ",("
                for column in 0..<names.count {
                    parameter += 1
                    sql += column == 0 ? "$\(parameter)" : ",$\(parameter)"
                }
                sql += ")"
                bind(row, into: &bindings)
            }
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            start += chunk.count
        }
    }

    private static func bind(_ row: Row, into bindings: inout PostgresBindings) {
        let record = row.prepared.record
        bindings.append(row.sequence)
        bindings.append(record.requestId)
        bindings.append(record.timeMillis)
        bindings.append(record.principal)
        bindings.append(record.role)
        bindings.append(record.authMethod)
        bindings.append(record.clientAddress)
        bindings.append(record.peerAddress)
        bindings.append(record.operation)
        bindings.append(record.method)
        bindings.append(record.path)
        bindings.append(record.serviceId)
        bindings.append(record.entryCount.map(Int64.init))
        bindings.append(record.outcome.rawValue)
        bindings.append(record.reason)
        bindings.append(row.prepared.validationCodesJSON)
        bindings.append(row.prepared.phonesJSON)
        bindings.append(record.upstreamStatus.map(Int64.init))
        bindings.append(Int64(record.upstreamAttempts))
        bindings.append(record.upstreamLatencyMicros)
        bindings.append(record.totalLatencyMicros)
        bindings.append(Int64(record.responseStatus))
        bindings.append(row.previousHash)
        bindings.append(row.hash)
        bindings.append(Int64(record.formatVersion))
    }

    /// The record in `row`, selected with `columns`; throws for a row that cannot be one (edited by
    /// hand), naming its sequence.
    static func decode(_ row: PostgresRow) throws(UnreadableRecord) -> AuditRecord {
        let cells = row.makeRandomAccess()
        var sequence: Int64 = 0
        do {
            sequence = try cells[0].decode(Int64.self)
            let outcomeText = try cells[13].decode(String.self)
            // `incomplete` is how an intent reads, never what a record holds.
            guard let outcome = AuditOutcome(rawValue: outcomeText), outcome != .incomplete else {
                throw unreadable(sequence, "its outcome '\(outcomeText)' is none of allowed, denied, error, intent")
            }
            guard let validationCodes = CanonicalJSON.decodeStringArray(try cells[15].decode(String.self)) else {
                throw unreadable(sequence, "its validation_codes column is not a JSON array of strings")
            }
            guard let phones = PreparedAuditRecord.decodePhones(try cells[16].decode(String.self)) else {
                throw unreadable(sequence, "its phones column is not a JSON array of masked number and fingerprint pairs")
            }
            let formatVersion = try cells[24].decode(Int64.self)
            guard AuditRecord.knownFormatVersions.contains(Int(truncatingIfNeeded: formatVersion)) else {
                throw unreadable(
                    sequence,
                    "its format version \(formatVersion) is not one this build knows (\(AuditRecord.knownFormatVersions.lowerBound) to \(AuditRecord.currentFormatVersion)); a newer build verifies it"
                )
            }
            return AuditRecord(
                sequence: sequence,
                requestId: try cells[1].decode(String.self),
                timeMillis: try cells[2].decode(Int64.self),
                principal: try cells[3].decode(String?.self),
                role: try cells[4].decode(String?.self),
                authMethod: try cells[5].decode(String?.self),
                clientAddress: try cells[6].decode(String?.self),
                peerAddress: try cells[7].decode(String?.self),
                operation: try cells[8].decode(String.self),
                method: try cells[9].decode(String.self),
                path: try cells[10].decode(String.self),
                serviceId: try cells[11].decode(Int64?.self),
                phones: phones,
                entryCount: try cells[12].decode(Int64?.self).map { Int(truncatingIfNeeded: $0) },
                outcome: outcome,
                reason: try cells[14].decode(String?.self),
                validationCodes: validationCodes,
                upstreamStatus: try cells[17].decode(Int64?.self).map { Int(truncatingIfNeeded: $0) },
                upstreamAttempts: Int(truncatingIfNeeded: try cells[18].decode(Int64.self)),
                upstreamLatencyMicros: try cells[19].decode(Int64?.self),
                totalLatencyMicros: try cells[20].decode(Int64.self),
                responseStatus: Int(truncatingIfNeeded: try cells[21].decode(Int64.self)),
                previousHash: try cells[22].decode(String.self),
                hash: try cells[23].decode(String.self),
                formatVersion: Int(formatVersion)
            )
        } catch let error as UnreadableRecord {
            throw error
        } catch let error as PostgresDecodingError {
            throw unreadable(sequence, "its \(error.columnName) column holds a \(error.postgresType) the record cannot have (\(error.code))")
        } catch {
            throw unreadable(sequence, "a column cannot be read (\(error))")
        }
    }

    private static func unreadable(_ sequence: Int64, _ detail: String) -> UnreadableRecord {
        UnreadableRecord(sequence: sequence, detail: detail)
    }

    /// The store error for an unreadable row met while trying to `action`.
    static func storeError(_ error: UnreadableRecord, _ action: String) -> AuditStoreError {
        AuditStoreError(code: .corrupt, detail: "The PostgreSQL store could not \(action): record \(error.sequence) is unreadable: \(error.detail).")
    }
}
