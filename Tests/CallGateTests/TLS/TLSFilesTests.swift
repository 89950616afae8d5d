import Foundation
import Logging
import Testing
import TLSTestSupport

@testable import CallGate

/// What is checked before the HTTPS port opens: the TLS settings that go together, the files, and
/// the client certificate subjects of the keys file.
@Suite("TLS files and settings")
struct TLSFilesTests {
    @Test("A certificate without its key, a key without its certificate, or a client CA without HTTPS are refused at start", arguments: [
        (["tls.certFile": "/etc/callgate/cert.pem"], "--tls-cert-file and --tls-key-file go together"),
        (["tls.keyFile": "/etc/callgate/key.pem"], "--tls-cert-file and --tls-key-file go together"),
        (["tls.clientCaFile": "/etc/callgate/ca.pem"], "--tls-client-ca-file needs HTTPS"),
    ])
    func settingsGoTogether(flags: [String: String], message: String) async throws {
        let error = await #expect(throws: SettingsError.self) {
            try await GatewaySettings.read(flags: flags, configFile: nil)
        }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test("A TLS file that cannot be read, or holds no certificate, is refused with its path", .enabled(if: TLSTestCertificates.available))
    func unusableFiles() throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: certificates.path("garbage.pem")))
        let cases: [(TLSFiles, String)] = [
            (TLSFiles(certificateFile: certificates.path("missing.pem"), keyFile: certificates.path("server.key")),
             "Cannot read the TLS certificate file \(certificates.path("missing.pem"))"),
            (TLSFiles(certificateFile: certificates.path("garbage.pem"), keyFile: certificates.path("server.key")),
             "The TLS certificate file \(certificates.path("garbage.pem"))"),
            (TLSFiles(certificateFile: certificates.path("server.pem"), keyFile: certificates.path("garbage.pem")),
             "The TLS key file \(certificates.path("garbage.pem")) holds no usable PEM private key"),
            (TLSFiles(certificateFile: certificates.path("server.pem"), keyFile: certificates.path("rotated.key")),
             "The TLS certificate \(certificates.path("server.pem")) and key \(certificates.path("rotated.key")) cannot be used together"),
            (TLSFiles(certificateFile: certificates.path("server.pem"), keyFile: certificates.path("server.key"),
                      clientCAFile: certificates.path("garbage.pem")),
             "The TLS client CA file \(certificates.path("garbage.pem"))"),
        ]
        for (files, message) in cases {
            let error = #expect(throws: TLSFilesError.self) { try files.makeContext() }
            #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
        }
        _ = try TLSFiles(certificateFile: certificates.path("server.pem"), keyFile: certificates.path("server.key"),
                         clientCAFile: certificates.path("ca.pem")).makeContext()
    }

    @Test("A client certificate's subject reads as openssl prints it with -nameopt RFC2253, escapes included", .enabled(if: TLSTestCertificates.available))
    func subjectAsOpenSSLPrintsIt() throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        let made = try TLSTestCertificates.shell("""
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout odd.key -days 1 -outform DER -out odd.der \
              -subj "/C=US/ST=California/O=Example, Inc./OU=Ops\\+Night/CN=crm-prod/emailAddress=ops@example.com" 2>&1 &&
            openssl x509 -inform DER -in odd.der -noout -subject -nameopt RFC2253
            """, in: certificates.directory)
        try #require(made.status == 0, "\(made.output)")
        let printed = try #require(made.output.split(separator: "\n").last.map { String($0.dropFirst("subject=".count)) })
        let der = Array(try Data(contentsOf: URL(fileURLWithPath: certificates.path("odd.der"))))
        #expect(try ClientCertificateSubject.rfc4514(der: der) == printed)
        #expect(printed == #"emailAddress=ops@example.com,CN=crm-prod,OU=Ops\+Night,O=Example\, Inc.,ST=California,C=US"#)
    }

    @Test("A keys-file entry names a key's digest or a client certificate subject, exactly one, and one active entry per subject", arguments: [
        ("keys:\n  - {name: a, role: Manager}\n", "give either sha256 (a key) or clientCertificateSubject"),
        ("keys:\n  - {name: a, role: Manager, sha256: \(String(repeating: "0", count: 64)), clientCertificateSubject: 'CN=a'}\n",
         "give either sha256 (a key) or clientCertificateSubject"),
        ("keys:\n  - {name: a, role: Manager, clientCertificateSubject: ''}\n", "clientCertificateSubject is empty"),
        ("keys:\n  - {name: a, role: Manager, clientCertificateSubject: 'CN=a'}\n  - {name: b, role: Agent, agentLoginId: x, clientCertificateSubject: 'CN=a'}\n",
         "another active entry names the client certificate subject 'CN=a'"),
    ])
    func keysFileEntries(yaml: String, message: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: KeysFileError.self) { try APIKeyStore(path: path) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test("A subject a keys-file entry names authenticates as that entry's principal with authMethod mtls; a revoked one does not")
    func subjectPrincipal() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yaml = """
            keys:
              - {name: crm, role: Manager, services: [21429], clientCertificateSubject: 'CN=crm-prod,O=Example', rateLimit: {requestsPerSecond: 5, burst: 10}}
              - {name: old, role: Manager, clientCertificateSubject: 'CN=old', revokedAt: '2026-12-01T09:00:00Z'}
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        let store = try APIKeyStore(path: path)
        #expect(store.authenticate(clientCertificateSubject: "CN=crm-prod,O=Example")
            == Principal(name: "crm", role: .manager, services: [21429], agentLoginId: nil, authMethod: .mtls,
                         rateLimit: RateLimit(requestsPerSecond: 5, burst: 10)))
        #expect(store.authenticate(clientCertificateSubject: "CN=old") == nil)
        #expect(store.authenticate(clientCertificateSubject: "O=Example,CN=crm-prod") == nil)
    }
}

/// `callgate serve`'s start with TLS files it cannot use.
@Suite("callgate serve with unusable TLS files")
struct TLSStartTests {
    @Test("The service stops at start with a message naming the TLS file it cannot read")
    func unreadableFileStopsTheStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-tls-start-\(UUID().uuidString)").path
        let settings = try await GatewaySettings.read(flags: [
            "port": "0", "tls.certFile": directory + "/missing.pem", "tls.keyFile": directory + "/missing.key",
            "keysFile": directory + "/keys.yaml", "store": "none",
        ], configFile: nil)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let error = await #expect(throws: SettingsError.self) {
            try await CallGateService.run(settings: settings, logger: logger, openAPIDocument: [])
        }
        #expect(error?.description.hasPrefix("HTTPS cannot be served: Cannot read the TLS certificate file \(directory)/missing.pem") == true,
                "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
