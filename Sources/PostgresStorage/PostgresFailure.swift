import CallGateStorage
import PostgresNIO

/// Turns what PostgresNIO throws into the store's errors, with a sentence that names what failed
/// and why, and never the URL or the password.
enum PostgresFailure {
    /// SQLSTATE classes that mean the database cannot take the work right now: connection
    /// exceptions (08), insufficient resources (53), operator intervention such as a shutdown (57),
    /// system errors (58), and a serialization failure or deadlock (40).
    private static let unavailableClasses: Set<Substring> = ["08", "53", "57", "58", "40"]

    /// The store error for `error`, raised while the store at `address` tried to `action`.
    static func storeError(_ error: any Error, _ action: String, at address: PostgresAddress) -> AuditStoreError {
        if let error = error as? AuditStoreError { return error }
        // A transaction's closure failed: its error is the cause, and the rollback follows from it.
        if let error = error as? PostgresTransactionError, let cause = error.closureError ?? error.beginError ?? error.commitError {
            return storeError(cause, action, at: address)
        }
        let prefix = "The PostgreSQL store \(address.host):\(address.port)/\(address.database) could not \(action)"
        guard let error = error as? PSQLError else {
            if error is CancellationError {
                return AuditStoreError(code: .unavailable, detail: "\(prefix): the operation was cancelled.")
            }
            return AuditStoreError(code: .unavailable, detail: "\(prefix): \(error).")
        }
        if let server = error.serverInfo {
            let state = server[.sqlState] ?? "?????"
            let message = server[.message] ?? "no message"
            let code: AuditStoreError.Code = unavailableClasses.contains(state.prefix(2)) ? .unavailable : .corrupt
            var hint = ""
            if state == "28P01" || state == "28000" {
                hint = " (check the user and the password: the URL, --store-password-file or CALLGATE_STORE_PASSWORD)"
            } else if state == "3D000" {
                hint = " (create the database first, or name one that exists)"
            }
            return AuditStoreError(code: state.hasPrefix("28") || state == "3D000" ? .unavailable : code,
                                   detail: "\(prefix): the server answered \(state) \(message)\(hint).")
        }
        let reason: String
        switch error.code {
        case .sslUnsupported:
            reason = "the server does not offer TLS; add ?sslmode=disable to the URL for a server without TLS"
        case .failedToAddSSLHandler:
            reason = "TLS could not be set up: \(error.underlying.map { "\($0)" } ?? "unknown reason")"
        case .authMechanismRequiresPassword:
            reason = "the server asks for a password and none was given (the URL, --store-password-file or CALLGATE_STORE_PASSWORD)"
        case .saslError, .unsupportedAuthMechanism:
            reason = "authentication failed (\(error.code))"
        case .connectionError:
            reason = "the server cannot be reached: \(error.underlying.map { "\($0)" } ?? "connection failed")"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            reason = "the connection to the server was lost"
        case .poolClosed:
            reason = "the store is closed"
        default:
            reason = "\(error.code)"
        }
        return AuditStoreError(code: .unavailable, detail: "\(prefix): \(reason).")
    }
}
