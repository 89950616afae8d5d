import Foundation
import Testing
import TLSTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

/// `callgate health` against a real `callgate serve` (the binary) on a loopback port.
@Suite("callgate health", .serialized)
struct HealthCommandTests {
    @Test("A ready gateway: exit 0 and one line saying so on standard output")
    func ready() async throws {
        let (served, _) = try await ServedBinary.start()
        defer { served.stop() }
        #expect(try await ServeCommandTests.get(served.readyz, key: nil) == 200)
        let result = try await CLI.run(["health", "--url", served.readyz], stdin: "")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ready: \(served.readyz) answered 200\n")
        #expect(result.stderr == "")
    }

    @Test("Without --url it asks the port `serve` reads from CALLGATE_PORT, on 127.0.0.1 when serve listens everywhere")
    func urlFromTheEnvironment() async throws {
        let (served, _) = try await ServedBinary.start()
        defer { served.stop() }
        let result = try await CLI.run(["health"], environment: ["CALLGATE_PORT": String(served.port), "CALLGATE_HOST": "0.0.0.0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ready: \(served.readyz) answered 200\n")

        let unusable = try await CLI.run(["health"], environment: ["CALLGATE_PORT": "eighty"])
        #expect(unusable.status == 2)
        #expect(unusable.stderr.contains("--port / CALLGATE_PORT is 'eighty'"), "\(unusable.stderr)")
    }

    @Test("A gateway whose LiveVox keeps failing answers 503: exit 1 with /readyz's reason on standard error")
    func notReady() async throws {
        // Nothing listens on the upstream's port: each call fails at once, and five open the breaker.
        let upstream = try ServeCommandTests.freePort()
        let (served, key) = try await ServedBinary.start([
            "--upstream-url", "http://127.0.0.1:\(upstream)", "--upstream-access-token", "token",
            "--upstream-client-name", "client", "--upstream-user-name", "user", "--upstream-password", "password",
            "--upstream-timeout-seconds", "2",
        ])
        defer { served.stop() }
        var status = try await ServeCommandTests.get(served.readyz, key: nil)
        for _ in 0..<20 where status == 200 {
            _ = try await ServeCommandTests.get("http://127.0.0.1:\(served.port)/v1/services/21429/queue", key: key)
            status = try await ServeCommandTests.get(served.readyz, key: nil)
        }
        #expect(status == 503)
        let result = try await CLI.run(["health", "--url", served.readyz], stdin: "")
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "not ready: \(served.readyz) answered 503: LiveVox has been failing; the circuit breaker is open.\n")
    }

    @Test("An HTTPS gateway: ready with --ca-file naming its CA; with another CA its certificate is not trusted, and health says so")
    func https() async throws {
        let certificates = try TLSTestCertificates.make()
        defer { certificates.remove() }
        let (served, _) = try await ServedBinary.start(["--tls-cert-file", certificates.path("server.pem"),
                                                        "--tls-key-file", certificates.path("server.key")], waitOverHTTP: false)
        defer { served.stop() }
        let url = "https://127.0.0.1:\(served.port)/readyz"
        var result = try await CLI.run(["health", "--url", url, "--ca-file", certificates.path("ca.pem")], stdin: "")
        for _ in 0..<200 where result.status != 0 {
            try await Task.sleep(for: .milliseconds(50))
            result = try await CLI.run(["health", "--url", url, "--ca-file", certificates.path("ca.pem")], stdin: "")
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ready: \(url) answered 200\n")

        let untrusted = try await CLI.run(["health", "--url", url, "--ca-file", certificates.path("other-ca.pem")], stdin: "")
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.hasPrefix("not ready: \(url) could not be asked: "), "\(untrusted.stderr)")
    }

    @Test("Nothing listening: exit 1 at once with 'connection refused', not after the timeout")
    func nothingListening() async throws {
        let url = "http://127.0.0.1:\(try ServeCommandTests.freePort())/readyz"
        // A 600 s timeout: the sentence below names the refusal, which comes before any timeout would.
        let result = try await CLI.run(["health", "--url", url, "--timeout", "600"], stdin: "")
        #expect(result.status == 1)
        #expect(result.stderr == "not ready: nothing is listening at \(url) (connection refused)\n")
    }

    @Test("A port that accepts but never answers: exit 1 after --timeout, saying so")
    func noAnswer() async throws {
        // A listening socket nobody accepts from: the kernel completes the connection, nothing answers.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, listen(fd, 8) == 0, getsockname(fd, raw, &length) == 0 else {
                    throw POSIXError(.EADDRINUSE)
                }
            }
        }
        let url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/readyz"
        let result = try await CLI.run(["health", "--url", url, "--timeout", "0.5"], stdin: "")
        #expect(result.status == 1)
        #expect(result.stderr == "not ready: \(url) did not answer within 0.5 seconds\n")
    }

    @Test("A bad --url or --timeout: exit 2 with a sentence naming it", arguments: [
        (["--url", "ftp://127.0.0.1/readyz"], "--url is 'ftp://127.0.0.1/readyz': give an http:// or https:// URL with a host"),
        (["--url", "127.0.0.1:8080/readyz"], "--url is '127.0.0.1:8080/readyz': give an http:// or https:// URL with a host"),
        (["--url", "http:///readyz"], "--url is 'http:///readyz': give an http:// or https:// URL with a host"),
        (["--url", "http://127.0.0.1:8080/readyz", "--timeout", "0"], "--timeout must be more than 0 and at most 3600 seconds; it is 0.0."),
    ])
    func badInvocation(arguments: [String], message: String) async throws {
        let result = try await CLI.run(["health"] + arguments, stdin: "")
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
