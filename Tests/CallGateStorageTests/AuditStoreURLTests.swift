import CallGateStorage
import Testing

@Suite("Store URLs")
struct AuditStoreURLTests {
    @Test("sqlite: URLs name a relative or absolute file")
    func accepted() throws {
        #expect(try AuditStoreURL.parse("sqlite:./data/callgate.sqlite") == .sqlite(path: "./data/callgate.sqlite"))
        #expect(try AuditStoreURL.parse("sqlite:/var/lib/callgate/audit.sqlite") == .sqlite(path: "/var/lib/callgate/audit.sqlite"))
        #expect(try AuditStoreURL.parse("SQLite:audit.sqlite") == .sqlite(path: "audit.sqlite"))
    }

    @Test("postgres:// and postgresql:// URLs name user, password, host, port, database and sslmode, percent-decoded")
    func postgres() throws {
        #expect(try AuditStoreURL.parse("postgres://callgate:s%40cr%3At@db.example:6432/audit?sslmode=verify-full")
            == .postgres(PostgresAddress(user: "callgate", password: "s@cr:t", host: "db.example", port: 6432,
                                         database: "audit", sslMode: .verifyFull)))
        #expect(try AuditStoreURL.parse("postgresql://gate@127.0.0.1/trail")
            == .postgres(PostgresAddress(user: "gate", password: nil, host: "127.0.0.1", port: 5432, database: "trail", sslMode: .require)))
        #expect(try AuditStoreURL.parse("postgres://u:@[::1]:5433/d?sslmode=disable")
            == .postgres(PostgresAddress(user: "u", password: "", host: "::1", port: 5433, database: "d", sslMode: .disable)))
        #expect(try AuditStoreURL.parse("postgres://u@h/d?sslmode=verify-ca")
            == .postgres(PostgresAddress(user: "u", password: nil, host: "h", database: "d", sslMode: .verifyCA)))
    }

    @Test("a postgres URL is logged without its password")
    func redacted() {
        #expect(AuditStoreURL.redacted("postgres://callgate:secret@db:6432/audit?sslmode=disable")
            == "postgres://callgate:***@db:6432/audit?sslmode=disable")
        #expect(AuditStoreURL.redacted("postgres://callgate@[::1]/audit") == "postgres://callgate@[::1]:5432/audit?sslmode=require")
        #expect(AuditStoreURL.redacted("sqlite:data/a.sqlite") == "sqlite:data/a.sqlite")
        #expect(AuditStoreURL.redacted("postgres://callgate:secret@db:99999/audit") == "(an invalid store URL)")
    }

    @Test("a malformed postgres URL is refused with what is wrong, never its password", arguments: [
        ("postgres:db/audit", "must start with postgres://"),
        ("postgres://callgate:secret@db", "names no database"),
        ("postgres://callgate:secret@db/", "names no database"),
        ("postgres://db/audit", "names no user"),
        ("postgres://:secret@db/audit", "names no user"),
        ("postgres://callgate:secret@/audit", "names no host, or one with characters a host name cannot have"),
        ("postgres://callgate:secret@d b/audit", "names no host, or one with characters a host name cannot have"),
        ("postgres://callgate:secret@db:0/audit", "has a port that is not a number from 1 to 65535"),
        ("postgres://callgate:secret@db:x/audit", "has a port that is not a number from 1 to 65535"),
        ("postgres://callgate:secret@[::1/audit", "has an IPv6 host without its closing bracket"),
        ("postgres://callgate:secret@[::1]x/audit", "has characters after its IPv6 host"),
        ("postgres://callgate:sec%zzret@db/audit", "has a bad %-escape in its password"),
        ("postgres://callgate:sec%ffret@db/audit", "has a password that is not UTF-8 text"),
        ("postgres://callgate:secret@db/audit?sslmode=prefer", "has an sslmode that is none of disable, require, verify-ca, verify-full"),
        ("postgres://callgate:secret@db/audit?password=secret", "has the parameter 'password', which CallGate does not take (only sslmode)"),
        ("postgres://callgate:secret@db/audit?x%3Dsecret", "has the parameter of this URL, which CallGate does not take (only sslmode)"),
    ])
    func refusedPostgres(url: String, problem: String) {
        let error = #expect(throws: AuditStoreError.self) { try AuditStoreURL.parse(url) }
        #expect(error == AuditStoreError(
            code: .invalidURL,
            detail: "The postgres:// store URL \(problem); use postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."
        ))
        #expect(!(error?.detail.contains("secret") ?? true))
    }

    @Test("anything else is refused with a sentence naming the accepted forms", arguments: [
        ("", "The audit store URL is empty; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
        ("./data/callgate.sqlite", "The audit store URL has no scheme; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
        ("sqlite:", "The sqlite: audit store URL names no file; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
        ("sqlite:///var/audit.sqlite", "The sqlite: audit store URL must be followed by the file's path, not '//'; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
        ("mysql://user:pw@db/audit", "The audit store URL scheme 'mysql:' is not supported; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
        ("user pw@host:1", "The audit store URL scheme of this URL is not supported; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
    ])
    func refused(url: String, detail: String) {
        let error = #expect(throws: AuditStoreError.self) { try AuditStoreURL.parse(url) }
        #expect(error == AuditStoreError(code: .invalidURL, detail: detail))
        #expect(!(error?.detail.contains("secret") ?? true))
    }
}
