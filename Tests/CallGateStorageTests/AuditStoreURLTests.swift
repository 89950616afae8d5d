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

    @Test("anything else is refused with a sentence naming the accepted forms", arguments: [
        ("", "The audit store URL is empty; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("./data/callgate.sqlite", "The audit store URL has no scheme; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("sqlite:", "The sqlite: audit store URL names no file; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("sqlite:///var/audit.sqlite", "The sqlite: audit store URL must be followed by the file's path, not '//'; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("postgres://callgate:secret@db/audit", "PostgreSQL audit stores are not supported yet; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("postgresql://db/audit", "PostgreSQL audit stores are not supported yet; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("mysql://user:pw@db/audit", "The audit store URL scheme 'mysql:' is not supported; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
        ("user pw@host:1", "The audit store URL scheme of this URL is not supported; use sqlite:./relative/path.sqlite or sqlite:/absolute/path.sqlite."),
    ])
    func refused(url: String, detail: String) {
        let error = #expect(throws: AuditStoreError.self) { try AuditStoreURL.parse(url) }
        #expect(error == AuditStoreError(code: .invalidURL, detail: detail))
        #expect(!(error?.detail.contains("secret") ?? true))
    }
}
