/// Reads the store URL of the settings: which backend holds the audit trail, the outbox and the
/// idempotency keys, and where (the assembly opens it: `Storage.open(_:keys:)` in CallGate).
///
/// Accepted forms:
/// - `sqlite:./data/callgate.sqlite`: an SQLite file, relative to the working directory;
/// - `sqlite:/var/lib/callgate/audit.sqlite`: an SQLite file by absolute path.
///
/// `postgres://` and `postgresql://` are recognized but not supported yet. Error sentences never
/// repeat a URL that may carry a password.
public enum AuditStoreURL {
    /// A parsed store URL.
    public enum Location: Sendable, Hashable {
        /// An SQLite database file.
        case sqlite(path: String)
    }

    private static let acceptedForms = "sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite"

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
            throw AuditStoreError(
                code: .invalidURL, detail: "PostgreSQL audit stores are not supported yet; use \(acceptedForms)."
            )
        default:
            let shown = scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) } && scheme.count <= 32
                ? "'\(scheme):'" : "of this URL"
            throw AuditStoreError(
                code: .invalidURL, detail: "The audit store URL scheme \(shown) is not supported; use \(acceptedForms)."
            )
        }
    }
}
