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

    /// The record columns and their SQL types, in the order `insert` binds and `decode` reads them.
    private static let typedNames: [(name: String, type: String)] = [
        ("sequence", "bigint"), ("request_id", "text"), ("time_ms", "bigint"), ("principal", "text"), ("role", "text"),
        ("auth_method", "text"), ("client_address", "text"), ("peer_address", "text"), ("operation", "text"),
        ("method", "text"), ("path", "text"), ("service_id", "bigint"), ("entry_count", "bigint"), ("outcome", "text"),
        ("reason", "text"), ("validation_codes", "text"), ("phones", "text"), ("upstream_status", "bigint"),
        ("upstream_attempts", "bigint"), ("upstream_latency_us", "bigint"), ("total_latency_us", "bigint"),
        ("response_status", "bigint"), ("previous_hash", "text"), ("hash", "text"), ("format_version", "bigint"),
    ]

    private static let names = typedNames.map(\.name)

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
            appendValues(chunk, typed: false, to: &sql, bindings: &bindings)
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            start += chunk.count
        }
    }

    /// Inserts `rows` (at most `rowsPerStatement`), chained after `expected`, and moves the head to
    /// `head`, in one statement: one round trip and its own transaction, with no lock held between
    /// round trips. Only while the head is still `expected`: when another instance moved it, the
    /// head's UPDATE matches no row (PostgreSQL re-checks its condition on the row another
    /// transaction committed), nothing is inserted, and this returns false.
    static func insertIfHeadUnmoved(
        _ rows: [Row], expected: ChainAnchor, head: ChainAnchor, _ client: PostgresClient, logger: Logger
    ) async throws -> Bool {
        precondition(rows.count <= rowsPerStatement, "a batch over rowsPerStatement takes the locked path")
        var bindings = PostgresBindings(capacity: rows.count * names.count + 4)
        bindings.append(head.sequence)
        bindings.append(head.hash)
        bindings.append(expected.sequence)
        bindings.append(expected.hash)
        let columnList = names.joined(separator: ", ")
        var sql = """
            WITH moved AS (UPDATE audit_head SET sequence = $1, hash = $2 WHERE id = 1 AND sequence = $3 AND hash = $4 RETURNING id), \
            inserted AS (INSERT INTO audit_records (\(columnList)) SELECT \(columnList) FROM (VALUES
            """
        sql += " "
        appendValues(rows[...], typed: true, to: &sql, bindings: &bindings)
        sql += ") AS batch (\(columnList)) WHERE EXISTS (SELECT 1 FROM moved)) SELECT count(*) FROM moved"
        var moved: Int64 = 0
        for try await count in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).decode(Int64.self) {
            moved = count
        }
        return moved == 1
    }

    /// Appends `(...), (...)` for `rows` to `sql`, numbering parameters after those already in
    /// `bindings`, and binds them. `typed` casts each parameter to its column's type: a VALUES list
    /// outside INSERT takes no type from the columns, and a NULL binds with none of its own.
    private static func appendValues(_ rows: ArraySlice<Row>, typed: Bool, to sql: inout String, bindings: inout PostgresBindings) {
        sql.reserveCapacity(sql.utf8.count + rows.count * names.count * (typed ? 14 : 7))
        var parameter = bindings.count
        for (offset, row) in rows.enumerated() {
            sql += offset == 0 ? "(" : ",("
            for column in typedNames.indices {
                parameter += 1
                if column > 0 { sql += "," }
                sql += "$\(parameter)"
                if typed { sql += "::" + typedNames[column].type }
            }
            sql += ")"
            bind(row, into: &bindings)
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
