import CallGateStorage

/// How a delivery maps onto `deliveries`, and the statements that read and write it.
enum SQLiteDeliveryCodec {
    /// The columns `decode` reads, then the row's position (the cursor of lists). A row from before
    /// schema version 7 has no first attempt's time: it was its creation's.
    static let columns = """
        id, source, webhook_id, operation, service_id, payload, request_id, created_ms, \
        status, attempts, next_attempt_ms, updated_ms, last_error, upstream_status, \
        COALESCE(first_attempt_ms, created_ms), window_query, position
        """

    /// Inserts a new delivery, or nothing when its source already submitted its webhook id.
    static let insert = """
        INSERT INTO deliveries (id, source, webhook_id, operation, service_id, payload, request_id, created_ms, \
        status, attempts, next_attempt_ms, updated_ms, last_error, upstream_status, first_attempt_ms, window_query) \
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
        ON CONFLICT (source, webhook_id) DO NOTHING
        """

    /// Writes a delivery's state: the columns a transition changes (same parameters as `insert`).
    static let updateState = """
        UPDATE deliveries SET status = ?9, attempts = ?10, next_attempt_ms = ?11, updated_ms = ?12, \
        last_error = ?13, upstream_status = ?14, first_attempt_ms = ?15 WHERE id = ?1
        """

    static let selectById = "SELECT \(columns) FROM deliveries WHERE id = ?1"
    static let selectBySource = "SELECT \(columns) FROM deliveries WHERE source = ?1 AND webhook_id = ?2"

    /// `selectById`, limited to `services` when given.
    static func selectById(services: Set<Int64>?) -> String {
        guard let services else { return selectById }
        return selectById + " AND " + SQLiteServiceScope.condition("service_id", services)
    }

    /// Binds every column of `delivery` to `insert`'s parameters, or its id and state to
    /// `updateState`'s (`stateOnly`).
    static func bind(_ delivery: Delivery, to statement: SQLiteStatement, stateOnly: Bool = false) throws(SQLiteError) {
        try statement.bind(1, delivery.id)
        if !stateOnly {
            try statement.bind(2, delivery.source)
            try statement.bind(3, delivery.webhookId)
            try statement.bind(4, delivery.operation)
            try statement.bind(5, delivery.serviceId)
            try statement.bind(6, delivery.payload)
            try statement.bind(7, delivery.requestId)
            try statement.bind(8, delivery.createdMillis)
            try statement.bind(16, delivery.windowQuery)
        }
        try statement.bind(9, delivery.status.rawValue)
        try statement.bind(10, Int64(delivery.attempts))
        try statement.bind(11, delivery.nextAttemptMillis)
        try statement.bind(12, delivery.updatedMillis)
        try statement.bind(13, delivery.lastError)
        try statement.bind(14, delivery.upstreamStatus.map(Int64.init))
        try statement.bind(15, delivery.firstAttemptMillis)
    }

    /// The delivery in the current row of a statement selecting `columns`, and its position.
    static func decode(_ row: SQLiteStatement) throws(AuditStoreError) -> (delivery: Delivery, position: Int64) {
        let id = row.text(0)
        let statusText = row.text(8)
        guard let status = DeliveryStatus(rawValue: statusText) else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "The delivery \(id) is unreadable: its status '\(statusText)' is none of \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        let delivery = Delivery(
            id: id, source: row.text(1), webhookId: row.text(2), operation: row.text(3), serviceId: row.int64(4),
            payload: row.blob(5), createdMillis: row.int64(7), requestId: row.text(6), status: status,
            attempts: Int(truncatingIfNeeded: row.int64(9)), nextAttemptMillis: row.int64(10),
            updatedMillis: row.int64(11), lastError: row.optionalText(12),
            upstreamStatus: row.optionalInt64(13).map { Int(truncatingIfNeeded: $0) }, firstAttemptMillis: row.int64(14),
            windowQuery: row.optionalBlob(15)
        )
        return (delivery, row.int64(16))
    }

    /// The deliveries `sql` (selecting `columns`) returns for `values`, with their positions.
    static func select(
        _ sql: String, _ values: [SQLiteValue], _ connection: SQLiteConnection
    ) throws -> [(delivery: Delivery, position: Int64)] {
        let statement = try connection.cached(sql)
        defer { statement.reset() }
        for (index, value) in values.enumerated() {
            try statement.bind(Int32(index + 1), value)
        }
        var rows: [(delivery: Delivery, position: Int64)] = []
        while try statement.step() {
            rows.append(try decode(statement))
        }
        return rows
    }

    /// Writes the state of `delivery`, a transition of a stored one.
    static func update(_ delivery: Delivery, _ connection: SQLiteConnection) throws(SQLiteError) {
        let statement = try connection.cached(updateState)
        defer { statement.reset() }
        try bind(delivery, to: statement, stateOnly: true)
        try statement.run()
    }

    /// Admits `submitted`, whose record has `requestId`, in the transaction in progress: inserted
    /// as new, or, when its source already submitted its webhook id, the delivery stored then.
    static func admit(_ submitted: NewDelivery, requestId: String, _ connection: SQLiteConnection) throws -> DeliveryAdmission {
        let delivery = Delivery(submitted: submitted, requestId: requestId)
        let statement = try connection.cached(insert)
        defer { statement.reset() }
        try bind(delivery, to: statement)
        try statement.run()
        if connection.changes == 1 { return .created(delivery) }
        guard let existing = try select(selectBySource, [.text(submitted.source), .text(submitted.webhookId)], connection).first else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "The delivery of webhook \(submitted.webhookId) from \(submitted.source) was neither stored nor found."
            )
        }
        return .duplicate(existing.delivery)
    }

    /// Applies `completion` to its delivery in the transaction in progress: the delivery as
    /// written, or, written nothing, why it cannot be completed. Throws only the database's errors.
    static func complete(
        _ completion: DeliveryCompletion, _ connection: SQLiteConnection
    ) throws -> Result<Delivery, AuditStoreError> {
        guard let current = try select(selectById, [.text(completion.deliveryId)], connection).first?.delivery else {
            return .failure(Delivery.notFound(completion.deliveryId))
        }
        let next: Delivery
        do {
            next = try current.completed(completion.outcome, nowMillis: completion.nowMillis)
        } catch {
            return .failure(error)
        }
        try update(next, connection)
        return .success(next)
    }
}
