/// Where a PostgreSQL store is and how to reach it, as a `postgres://` store URL names it
/// (`AuditStoreURL`). The password may also come from the settings (`--store-password-file`,
/// `CALLGATE_STORE_PASSWORD`), never from both.
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS: libpq's `sslmode` values, less the two that may fall back to
    /// clear text without saying so (`allow`, `prefer`).
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS: for a server on the same host or a network that is itself private.
        case disable
        /// TLS, without checking the server's certificate (protects against listening, not against
        /// a server impersonated).
        case require
        /// TLS, the server's certificate signed by the CA (`--store-ca-file`, else the system's),
        /// whatever host name it names.
        case verifyCA = "verify-ca"
        /// TLS, the certificate signed by the CA and naming the host of the URL.
        case verifyFull = "verify-full"
    }

    /// The database user.
    public var user: String
    /// The user's password, when the URL carries one.
    public var password: String?
    /// The server's host name or address (an IPv6 address without its brackets).
    public var host: String
    /// The server's port, 5432 unless given.
    public var port: Int
    /// The database.
    public var database: String
    /// How TLS is used; `require` unless the URL's `sslmode` says otherwise.
    public var sslMode: SSLMode

    /// Creates an address.
    public init(user: String, password: String?, host: String, port: Int = 5432, database: String, sslMode: SSLMode = .require) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(shownHost):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }
}
