import CurlTransport
import Foundation
import TLSTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `callgate serve` (the binary) with TLS files: its start and SIGHUP.
@Suite("callgate serve over HTTPS (the binary)", .serialized,
       .enabled(if: TLSTestCertificates.available))
struct TLSServeCommandTests {
    @Test("A certificate without its key, or a TLS file that cannot be read, stops serve with status 2 and a sentence naming it")
    func unusableTLSSettings() async throws {
        let alone = try await CLI.run(["serve", "--tls-cert-file", "/nonexistent/cert.pem"], stdin: "")
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--tls-cert-file and --tls-key-file go together"), "\(alone.stderr)")
        let missing = try await CLI.run(["serve", "--tls-cert-file", "/nonexistent/cert.pem", "--tls-key-file", "/nonexistent/key.pem"], stdin: "")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("Cannot read the TLS certificate file /nonexistent/cert.pem"), "\(missing.stderr)")
    }

    @Test("SIGHUP reloads replaced TLS files at once, without waiting for the poll (a new connection gets the new certificate), and the keys file too")
    func reloadOnSIGHUP() async throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        try TLSTestCertificates.shell("cp server.pem live.pem && cp server.key live.key", in: certificates.directory)

        let port = try ServeCommandTests.freePort()
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--calling-profile", "off", "--port", String(port), "--shutdown-drain-seconds", "0", "--keys-file", certificates.path("keys.yaml"), "--log-level", "error",
                            "--store", "none", "--tls-cert-file", certificates.path("live.pem"),
                            "--tls-key-file", certificates.path("live.key"), "--reload-poll-seconds", "0"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        var served = ""
        for _ in 0..<200 where served != "subject=CN=server,O=CallGate Test" {
            served = try certificates.servedSubject(port: port)
            if served != "subject=CN=server,O=CallGate Test" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(served == "subject=CN=server,O=CallGate Test")

        let created = try await CLI.run(["keys", "create", "--name", "late", "--role", "Manager", "--file", certificates.path("keys.yaml")], stdin: "")
        let https = try CurlHTTPClient(configuration: .init(tls: .init(caFile: certificates.path("ca.pem"))))
        let queue = HTTPRequestSpec(url: "https://127.0.0.1:\(port)/v1/services/21429/queue",
                                    headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(created.stdout.trimmingCharacters(in: .newlines))")])
        #expect(try await https.execute(queue).status == 401)
        try TLSTestCertificates.shell("cp rotated.key live.key && cp rotated.pem live.pem", in: certificates.directory)
        #expect(try certificates.servedSubject(port: port) == "subject=CN=server,O=CallGate Test")
        kill(server.processIdentifier, SIGHUP)
        for _ in 0..<100 where served != "subject=CN=rotated,O=CallGate Test" {
            try await Task.sleep(for: .milliseconds(50))
            served = try certificates.servedSubject(port: port)
        }
        #expect(served == "subject=CN=rotated,O=CallGate Test")
        #expect(try await https.execute(queue).status == 200)
        await https.shutdown(gracePeriod: .zero)

        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
    }
}
