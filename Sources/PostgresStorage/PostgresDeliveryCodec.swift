import CallGateStorage
import Logging
import NIOCore
import PostgresNIO

/// How a delivery maps onto `deliveries` (schema versions 2 and 6), and the statements that read and
/// write it inside a transaction: the state rules are `Delivery`'s, a row read, changed and
/// written back.
enum PostgresDeliveryCodec {
    /// The columns `decode` reads, then the row's position (the cursor of lists). A row an older
    /// build wrote has no first attempt's time (schema version 6): it was its creation's.
    static let columns = """
        id, source, webhook_id, operation, service_id, payload, request_id, created_ms, status, attempts, \
        next_attempt_ms, updated_ms, last_error, upstream_status, COALESCE(first_attempt_ms, created_ms), window_query, position
        """

    /// The delivery in `row`, selected with `columns`, and its position.
    static func decode(_ row: PostgresRow) throws -> (delivery: Delivery, position: Int64) {
        let cells = row.makeRandomAccess()
        let id = try cells[0].decode(String.self)
        let statusText = try cells[8].decode(String.self)
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "The delivery \(id) is unreadable: its status '\(statusText)' is none of \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        let delivery = Delivery(
            id: id, source: try cells[1].decode(String.self), webhookId: try cells[2].decode(String.self),
            operation: try cells[3].decode(String.self), serviceId: try cells[4].decode(Int64.self),
            payload: Array(try cells[5].decode(ByteBuffer.self).readableBytesView),
            createdMillis: try cells[7].decode(Int64.self), requestId: try cells[6].decode(String.self), status: status,
            attempts: Int(truncatingIfNeeded: try cells[9].decode(Int64.self)),
            nextAttemptMillis: try cells[10].decode(Int64.self), updatedMillis: try cells[11].decode(Int64.self),
            lastError: try cells[12].decode(String?.self),
            upstreamStatus: try cells[13].decode(Int64?.self).map { Int(truncatingIfNeeded: $0) },
            firstAttemptMillis: try cells[14].decode(Int64.self),
            windowQuery: try cells[15].decode(ByteBuffer?.self).map { Array($0.readableBytesView) }
        )
        return (delivery, try cells[16].decode(Int64.self))
    }

    /// Every delivery `rows` holds (selected with `columns`), read to the end.
    static func collect(_ rows: PostgresRowSequence) async throws -> [(delivery: Delivery, position: Int64)] {
        var deliveries: [(delivery: Delivery, position: Int64)] = []
        for try await row in rows {
            deliveries.append(try decode(row))
        }
        return deliveries
    }

    /// The statement selecting delivery `id`, limited to `services` when given, locked for the
    /// transaction's change (`lock`).
    static func selectById(_ id: String, services: Set<Int64>?, lock: Bool) -> PostgresQuery {
        var bindings = PostgresBindings()
        bindings.append(id)
        var sql = "SELECT \(columns) FROM deliveries WHERE id = $1"
        if let services {
            bindings.append(Array(services))
            sql += " AND service_id = ANY($2)"
        }
        if lock { sql += " FOR UPDATE" }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// Writes the state of `delivery`, a transition of a stored one, and the claim that made it
    /// `sending` when `claimedBy` is given (its time is the delivery's `updatedMillis`).
    static func update(_ delivery: Delivery, claimedBy: String? = nil, _ connection: PostgresConnection, logger: Logger) async throws {
        let claimedMillis = claimedBy == nil ? nil : delivery.updatedMillis
        try await connection.query("""
            UPDATE deliveries SET status = \(delivery.status.rawValue), attempts = \(Int64(delivery.attempts)),
                next_attempt_ms = \(delivery.nextAttemptMillis), updated_ms = \(delivery.updatedMillis),
                last_error = \(delivery.lastError), upstream_status = \(delivery.upstreamStatus.map(Int64.init)),
                first_attempt_ms = \(delivery.firstAttemptMillis),
                claimed_by = COALESCE(\(claimedBy), claimed_by), claimed_ms = COALESCE(\(claimedMillis), claimed_ms)
            WHERE id = \(delivery.id)
            """, logger: logger)
    }

    /// Admits `submitted`, whose record has `requestId`, in the append's transaction: inserted as
    /// new, or, when its source already submitted its webhook id (through any instance: the unique
    /// constraint decides), the delivery stored then.
    static func admit(
        _ submitted: NewDelivery, requestId: String, _ connection: PostgresConnection, logger: Logger
    ) async throws -> DeliveryAdmission {
        let delivery = Delivery(submitted: submitted, requestId: requestId)
        let inserted = try await connection.query("""
            INSERT INTO deliveries (id, source, webhook_id, operation, service_id, payload, request_id, created_ms,
                status, attempts, next_attempt_ms, updated_ms, first_attempt_ms, window_query)
            VALUES (\(delivery.id), \(delivery.source), \(delivery.webhookId), \(delivery.operation), \(delivery.serviceId),
                \(ByteBuffer(bytes: delivery.payload)), \(delivery.requestId), \(delivery.createdMillis),
                \(delivery.status.rawValue), \(Int64(delivery.attempts)), \(delivery.nextAttemptMillis), \(delivery.updatedMillis),
                \(delivery.firstAttemptMillis), \(delivery.windowQuery.map { ByteBuffer(bytes: $0) }))
            ON CONFLICT (source, webhook_id) DO NOTHING RETURNING position
            """, logger: logger)
        var created = false
        for try await _ in inserted { created = true }
        if created { return .created(delivery) }
        let existing = try await collect(connection.query(
            "SELECT \(unescaped: columns) FROM deliveries WHERE source = \(submitted.source) AND webhook_id = \(submitted.webhookId)",
            logger: logger
        ))
        guard let first = existing.first else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "The delivery of webhook \(submitted.webhookId) from \(submitted.source) was neither stored nor found."
            )
        }
        return .duplicate(first.delivery)
    }

    /// Applies `completion` to its delivery in the transaction in progress: the delivery as
    /// written, or, written nothing, why it cannot be completed. Throws only the database's errors.
    static func complete(
        _ completion: DeliveryCompletion, _ connection: PostgresConnection, logger: Logger
    ) async throws -> Result<Delivery, AuditStoreError> {
        let rows = try await collect(connection.query(selectById(completion.deliveryId, services: nil, lock: true), logger: logger))
        guard let current = rows.first?.delivery else { return .failure(Delivery.notFound(completion.deliveryId)) }
        let next: Delivery
        do {
            next = try current.completed(completion.outcome, nowMillis: completion.nowMillis)
        } catch {
            return .failure(error)
        }
        try await update(next, connection, logger: logger)
        return .success(next)
    }
}
