/// Reads the store URL of the settings: which backend holds the audit trail, the outbox and the
/// idempotency keys, and where (the assembly opens it: `Storage.open(_:keys:)` in CallGate).
///
/// Accepted forms:
/// - `sqlite:./data/callgate.sqlite`: an SQLite file, relative to the working directory;
/// - `sqlite:/var/lib/callgate/audit.sqlite`: an SQLite file by absolute path;
/// - `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=MODE]` (or `postgresql://`): a PostgreSQL
///   database shared by several gateways, MODE one of disable, require (the default), verify-ca,
///   verify-full; user, password and database percent-decoded, an IPv6 host in brackets.
///
/// Error sentences never repeat a URL that may carry a password (`redacted(_:)` is the form to log).
public enum AuditStoreURL {
    /// A parsed store URL.
    public enum Location: Sendable, Hashable {
        /// An SQLite database file.
        case sqlite(path: String)
        /// A PostgreSQL database.
        case postgres(PostgresAddress)
    }

    private static let acceptedForms =
        "sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require"

    /// `url` with its password, if any, replaced by `***`: what logs and messages may show.
    public static func redacted(_ url: String) -> String {
        guard let parsed = try? parse(url) else { return "(an invalid store URL)" }
        switch parsed {
        case .sqlite: return url
        case .postgres(let address): return address.description
        }
    }

    /// What `url` names; throws `invalidURL` with a sentence naming the accepted forms.
    public static func parse(_ url: String) throws(AuditStoreError) -> Location {
        guard !url.isEmpty else {
            throw AuditStoreError(code: .invalidURL, detail: "The audit store URL is empty; use \(acceptedForms).")
        }
        guard let colon = url.firstIndex(of: ":") else {
            throw AuditStoreError(
                code: .invalidURL, detail: "The audit store URL has no scheme; use \(acceptedForms)."
            )
        }
        let scheme = url[..<colon].lowercased()
        let rest = url[url.index(after: colon)...]
        switch scheme {
        case "sqlite":
            if rest.isEmpty {
                throw AuditStoreError(
                    code: .invalidURL, detail: "The sqlite: audit store URL names no file; use \(acceptedForms)."
                )
            }
            if rest.hasPrefix("//") {
                throw AuditStoreError(
                    code: .invalidURL,
                    detail: "The sqlite: audit store URL must be followed by the file's path, not '//'; use \(acceptedForms)."
                )
            }
            if rest.contains("\0") {
                throw AuditStoreError(
                    code: .invalidURL, detail: "The sqlite: audit store URL's path contains a NUL character."
                )
            }
            return .sqlite(path: String(rest))
        case "postgres", "postgresql":
            return .postgres(try parsePostgres(rest))
        default:
            let shown = scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) } && scheme.count <= 32
                ? "'\(scheme):'" : "of this URL"
            throw AuditStoreError(
                code: .invalidURL, detail: "The audit store URL scheme \(shown) is not supported; use \(acceptedForms)."
            )
        }
    }

    /// The address of a `postgres://` URL, from what follows the scheme's colon.
    private static func parsePostgres(_ rest: Substring) throws(AuditStoreError) -> PostgresAddress {
        func refuse(_ problem: String) -> AuditStoreError {
            AuditStoreError(code: .invalidURL, detail: "The postgres:// store URL \(problem); use postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require.")
        }
        guard rest.hasPrefix("//") else { throw refuse("must start with postgres://") }
        var remainder = rest.dropFirst(2)
        var sslMode = PostgresAddress.SSLMode.require
        if let question = remainder.firstIndex(of: "?") {
            for parameter in remainder[remainder.index(after: question)...].split(separator: "&") {
                let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, pair[0] == "sslmode" else {
                    let name = pair[0].allSatisfy { $0.isLetter || $0 == "_" } && pair[0].count <= 32 ? "'\(pair[0])'" : "of this URL"
                    throw refuse("has the parameter \(name), which CallGate does not take (only sslmode)")
                }
                guard let mode = PostgresAddress.SSLMode(rawValue: String(pair[1])) else {
                    throw refuse("has an sslmode that is none of \(PostgresAddress.SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            }
            remainder = remainder[..<question]
        }
        guard let slash = remainder.firstIndex(of: "/") else { throw refuse("names no database") }
        let database = try decode(remainder[remainder.index(after: slash)...], "database", refuse)
        guard !database.isEmpty, !database.contains("/") else { throw refuse("names no database") }
        let authority = remainder[..<slash]
        guard let at = authority.lastIndex(of: "@") else { throw refuse("names no user") }
        let userInfo = authority[..<at]
        var hostPort = authority[authority.index(after: at)...]
        let user: String
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            user = try decode(userInfo[..<colon], "user", refuse)
            password = try decode(userInfo[userInfo.index(after: colon)...], "password", refuse)
        } else {
            user = try decode(userInfo, "user", refuse)
        }
        guard !user.isEmpty else { throw refuse("names no user") }
        let host: String
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw refuse("has an IPv6 host without its closing bracket") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            guard hostPort.isEmpty || hostPort.hasPrefix(":") else { throw refuse("has characters after its IPv6 host") }
        } else {
            let colon = hostPort.firstIndex(of: ":") ?? hostPort.endIndex
            host = String(hostPort[..<colon])
            hostPort = hostPort[colon...]
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-_:".contains($0) }) else {
            throw refuse("names no host, or one with characters a host name cannot have")
        }
        var port = 5432
        if hostPort.hasPrefix(":") {
            guard let given = Int(hostPort.dropFirst()), (1...65535).contains(given) else {
                throw refuse("has a port that is not a number from 1 to 65535")
            }
            port = given
        }
        return PostgresAddress(user: user, password: password, host: host, port: port, database: database, sslMode: sslMode)
    }

    /// `text` with its `%XX` escapes decoded; refuses a bad escape or bytes that are not UTF-8.
    private static func decode(
        _ text: Substring, _ part: String, _ refuse: (String) -> AuditStoreError
    ) throws(AuditStoreError) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex,
                      let value = UInt8(String(decoding: utf8[first...utf8.index(after: first)], as: UTF8.self), radix: 16) else {
                    throw refuse("has a bad %-escape in its \(part)")
                }
                bytes.append(value)
                index = utf8.index(first, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self), !decoded.contains("\0") else {
            throw refuse("has a \(part) that is not UTF-8 text")
        }
        return decoded
    }
}
