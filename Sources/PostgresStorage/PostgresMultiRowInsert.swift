import Logging
import PostgresNIO

/// Many rows in few statements: one INSERT of up to `maximumRows` rows, its values bound as
/// parameters, instead of a round trip per row.
enum PostgresMultiRowInsert {
    /// Rows per statement, at most: the protocol allows 65,535 parameters a statement.
    static let maximumRows = 2000

    /// Inserts `rows` into `table`'s `columns`, `bind` appending each row's values in column order.
    static func run<Row>(
        into table: String, columns: [String], rows: some Collection<Row>, _ connection: PostgresConnection, logger: Logger,
        bind: (Row, inout PostgresBindings) -> Void
    ) async throws {
        let rowsPerStatement = min(maximumRows, Int(UInt16.max) / columns.count)
        var remaining = rows[...]
        while !remaining.isEmpty {
            let chunk = remaining.prefix(rowsPerStatement)
            remaining = remaining.dropFirst(chunk.count)
            var bindings = PostgresBindings(capacity: chunk.count * columns.count)
            var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            sql.reserveCapacity(sql.utf8.count + chunk.count * columns.count * 7)
            var parameter = 0
            for (offset, row) in chunk.enumerated() {
                sql += offset == 0 ? "(" : ",("
                for column in 0..<columns.count {
                    parameter += 1
                    sql += column == 0 ? "$\(parameter)" : ",$\(parameter)"
                }
                sql += ")"
                bind(row, &bindings)
            }
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
    }
}
