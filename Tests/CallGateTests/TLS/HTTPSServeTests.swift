import CallGateCore
import CurlTransport
import Foundation
import Testing
import TLSTestSupport

@testable import CallGate

/// `callgate serve` with `--tls-cert-file` and `--tls-key-file` (and `--tls-client-ca-file`),
/// against clients on loopback using certificates the test makes with openssl.
@Suite("HTTPS and mutual TLS on callgate serve", .serialized, .enabled(if: TLSTestCertificates.available))
struct HTTPSServeTests {
    @Test("HTTPS is answered with the configured certificate, and a plain HTTP request on that port gets 400 https_required")
    func httpsAnsweredPlainHTTPRefused() async throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        let server = try await certificates.serveHTTPS()

        let https = try CurlHTTPClient(configuration: .init(tls: .init(caFile: certificates.path("ca.pem"))))
        let health = try await https.execute(HTTPRequestSpec(url: "https://127.0.0.1:\(server.port)/healthz"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)

        let plain = try CurlHTTPClient(configuration: .init())
        let refused = try await plain.execute(HTTPRequestSpec(url: "http://127.0.0.1:\(server.port)/healthz"))
        #expect(refused.status == 400)
        #expect(try JSONParser.parse(refused.body)["code"] == .string("https_required"))
        #expect(refused.headers.first { $0.name.lowercased() == "connection" }?.value == "close")

        await https.shutdown(gracePeriod: .zero)
        await plain.shutdown(gracePeriod: .zero)
        await server.stop()
    }

    @Test("The server refuses TLS 1.1 with a protocol_version alert and accepts TLS 1.2 and 1.3")
    func tlsVersions() async throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        let server = try await certificates.serveHTTPS()

        // Security level 0 lets this openssl offer TLS 1.1 at all: the refusal is the server's alert.
        let old = try certificates.connect(port: server.port, "-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'")
        #expect(old.status != 0)
        #expect(old.output.contains("alert protocol version"), "\(old.output)")
        let tls12 = try certificates.connect(port: server.port, "-tls1_2")
        #expect(tls12.status == 0, "\(tls12.output)")
        #expect(tls12.output.contains("Protocol  : TLSv1.2") || tls12.output.contains("TLSv1.2"))
        let tls13 = try certificates.connect(port: server.port, "-tls1_3 -alpn http/1.1")
        #expect(tls13.status == 0, "\(tls13.output)")
        #expect(tls13.output.contains("ALPN protocol: http/1.1"), "\(tls13.output)")

        await server.stop()
    }

    @Test("Under mutual TLS a client certificate from the CA is required, and one a keys-file entry names authenticates as it (authMethod mtls) unless a key is sent")
    func mutualTLS() async throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        var keys = KeysFile()
        let admin = try keys.create(name: "admin", role: .sysadmin, services: nil, agentLoginId: nil)
        keys.keys.append(KeysFile.Entry(name: "crm-cert", role: "Manager", sha256: nil, services: [21429],
                                        clientCertificateSubject: "CN=crm-prod,O=Example"))
        try keys.save(path: certificates.path("keys.yaml"))
        let server = try await certificates.serveHTTPS(["tls.clientCaFile": certificates.path("ca.pem")])
        let base = "https://127.0.0.1:\(server.port)"

        let client = try CurlHTTPClient(configuration: .init(tls: .init(
            caFile: certificates.path("ca.pem"), clientCertificateFile: certificates.path("client.pem"),
            clientKeyFile: certificates.path("client.key"))))
        let queue = try await client.execute(HTTPRequestSpec(url: base + "/v1/services/21429/queue"))
        #expect(queue.status == 200, "\(String(decoding: queue.body, as: UTF8.self))")
        let otherService = try await client.execute(HTTPRequestSpec(url: base + "/v1/services/50123/queue"))
        #expect(try JSONParser.parse(otherService.body)["code"] == .string("forbidden_service"))
        // The certificate's entry is a Manager, which may not read the audit trail; the Sysadmin
        // key sent over the same connection may: the key wins.
        let asCertificate = try await client.execute(HTTPRequestSpec(url: base + "/v1/audit?principal=crm-cert"))
        #expect(asCertificate.status == 403)
        let audit = try await client.execute(HTTPRequestSpec(
            url: base + "/v1/audit?principal=crm-cert",
            headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(admin)")]))
        #expect(audit.status == 200)
        guard case .array(let records)? = try JSONParser.parse(audit.body)["records"] else {
            Issue.record("no records: \(String(decoding: audit.body, as: UTF8.self))")
            return
        }
        #expect(records.count == 3)
        #expect(records.map { $0["authMethod"] } == Array(repeating: .string("mtls"), count: records.count))

        let anonymous = try CurlHTTPClient(configuration: .init(tls: .init(caFile: certificates.path("ca.pem"))))
        await #expect(throws: CurlTransportError.self) {
            try await anonymous.execute(HTTPRequestSpec(url: base + "/healthz"))
        }
        let stranger = try CurlHTTPClient(configuration: .init(tls: .init(
            caFile: certificates.path("ca.pem"), clientCertificateFile: certificates.path("stranger.pem"),
            clientKeyFile: certificates.path("stranger.key"))))
        await #expect(throws: CurlTransportError.self) {
            try await stranger.execute(HTTPRequestSpec(url: base + "/healthz"))
        }
        let withoutCertificate = try certificates.connect(port: server.port, "-tls1_2")
        #expect(withoutCertificate.status != 0)
        #expect(withoutCertificate.output.contains("alert handshake failure"), "\(withoutCertificate.output)")

        for http in [client, anonymous, stranger] { await http.shutdown(gracePeriod: .zero) }
        await server.stop()
    }

    @Test("Replaced TLS files are used by new connections after the poll; a half-written file keeps the previous certificate")
    func rotation() async throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        let fileManager = FileManager.default
        try fileManager.copyItem(atPath: certificates.path("server.pem"), toPath: certificates.path("live.pem"))
        try fileManager.copyItem(atPath: certificates.path("server.key"), toPath: certificates.path("live.key"))
        let server = try await certificates.serveHTTPS(
            ["tls.certFile": certificates.path("live.pem"), "tls.keyFile": certificates.path("live.key"), "reload.pollSeconds": "1"])
        #expect(try certificates.servedSubject(port: server.port) == "subject=CN=server,O=CallGate Test")

        let rotatedCertificate = try Data(contentsOf: URL(fileURLWithPath: certificates.path("rotated.pem")))
        try rotatedCertificate.prefix(100).write(to: URL(fileURLWithPath: certificates.path("live.pem")))
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try certificates.servedSubject(port: server.port) == "subject=CN=server,O=CallGate Test")

        try Data(contentsOf: URL(fileURLWithPath: certificates.path("rotated.key"))).write(to: URL(fileURLWithPath: certificates.path("live.key")))
        try rotatedCertificate.write(to: URL(fileURLWithPath: certificates.path("live.pem")))
        var served = ""
        for _ in 0..<40 {
            served = try certificates.servedSubject(port: server.port)
            if served == "subject=CN=rotated,O=CallGate Test" { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(served == "subject=CN=rotated,O=CallGate Test")

        await server.stop()
    }
}
