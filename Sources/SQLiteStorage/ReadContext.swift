
/// A read-only connection; used only on its read worker's thread.
final class ReadContext {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
    }
}
