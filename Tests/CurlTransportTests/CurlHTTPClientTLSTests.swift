import CurlTransport
import Foundation
import Testing

/// `openssl s_server` on loopback with certificates made for the test: the CA file and client
/// certificate settings against a real TLS peer. Skipped where the `openssl` command is missing.
@Suite("CurlHTTPClient over TLS", .enabled(if: FileManager.default.isExecutableFile(atPath: TLSPeer.openssl)))
struct CurlHTTPClientTLSTests {
    @Test("With the test CA trusted and a client certificate, a server that demands one answers")
    func mutualTLS() async throws {
        try await TLSPeer.with(requireClientCertificate: true) { peer in
            let client = try CurlHTTPClient(configuration: .init(tls: .init(
                caFile: peer.file("ca.pem"), clientCertificateFile: peer.file("client.pem"), clientKeyFile: peer.file("client.key"))))
            let response = try await client.execute(HTTPRequestSpec(url: peer.url))
            #expect(response.status == 200)
            await client.shutdown(gracePeriod: .zero)
        }
    }

    @Test("A server whose certificate no trusted CA signed is refused before the request, never sent")
    func untrustedServer() async throws {
        try await TLSPeer.with(requireClientCertificate: false) { peer in
            let client = try CurlHTTPClient(configuration: .init())
            let error = await #expect(throws: CurlTransportError.self) {
                try await client.execute(HTTPRequestSpec(method: "POST", url: peer.url))
            }
            #expect(error?.code == .connectFailed)
            #expect(error?.requestNeverSent == true)
            #expect(error?.curlCode == 60)  // CURLE_PEER_FAILED_VERIFICATION
            await client.shutdown(gracePeriod: .zero)
        }
    }

    @Test("A server that speaks only TLS 1.1 is refused for its protocol version: the floor is TLS 1.2")
    func tlsFloor() async throws {
        // SECLEVEL=0 lets the server offer TLS 1.1 at all; the client's refusal must then come from
        // its own floor, which names the protocol version (not from the system's cipher policy).
        try await TLSPeer.with(requireClientCertificate: false, serverOptions: ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]) { peer in
            let client = try CurlHTTPClient(configuration: .init(tls: .init(caFile: peer.file("ca.pem"))))
            let error = await #expect(throws: CurlTransportError.self) {
                try await client.execute(HTTPRequestSpec(url: peer.url))
            }
            #expect(error?.curlCode == 35)  // CURLE_SSL_CONNECT_ERROR
            #expect(error?.detail.hasSuffix("tlsv1 alert protocol version") == true, "\(String(describing: error?.detail))")
            await client.shutdown(gracePeriod: .zero)
        }
    }

    @Test("A server that demands a client certificate refuses a client without one")
    func clientCertificateMissing() async throws {
        try await TLSPeer.with(requireClientCertificate: true) { peer in
            let client = try CurlHTTPClient(configuration: .init(tls: .init(caFile: peer.file("ca.pem"))))
            await #expect(throws: CurlTransportError.self) {
                try await client.execute(HTTPRequestSpec(url: peer.url))
            }
            await client.shutdown(gracePeriod: .zero)
        }
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate in a temporary directory, and
/// `openssl s_server -www` serving with them.
struct TLSPeer {
    static let openssl = "/usr/bin/openssl"

    let directory: URL
    let port: Int

    var url: String { "https://127.0.0.1:\(port)/" }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func with(requireClientCertificate: Bool, serverOptions: [String] = [],
                     _ body: (TLSPeer) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try run("""
            set -e
            key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            openssl req -x509 $key -keyout ca.key -out ca.pem -days 1 -subj /CN=CurlTransportTestCA
            openssl req $key -keyout server.key -out server.csr -subj /CN=127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile server.ext -out server.pem
            openssl req $key -keyout client.key -out client.csr -subj /CN=client
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out client.pem
            """, in: directory)
        // A port that was free a moment ago; s_server cannot report one it chose itself.
        let (socket, port) = LoopbackSockets.bound(listenBacklog: nil)
        close(socket)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: openssl)
        server.currentDirectoryURL = directory
        server.arguments = ["s_server", "-quiet", "-www", "-accept", "127.0.0.1:\(port)", "-cert", "server.pem", "-key", "server.key"]
            + (requireClientCertificate ? ["-CAfile", "ca.pem", "-Verify", "1"] : []) + serverOptions
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: the child inherits the test runner's blocked signals, SIGTERM among them.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try await waitUntilListening(port: port)
        try await body(TLSPeer(directory: directory, port: port))
    }

    private static func run(_ script: String, in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
    }

    private static func waitUntilListening(port: Int) async throws {
        for _ in 0..<100 {
            let descriptor = LoopbackSockets.connectWithoutWaiting(port: port)
            try await Task.sleep(for: .milliseconds(50))
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            var peer = sockaddr()
            var peerLength = socklen_t(MemoryLayout<sockaddr>.size)
            let connected = error == 0 && getpeername(descriptor, &peer, &peerLength) == 0
            close(descriptor)
            if connected { return }
        }
        Issue.record("openssl s_server did not start listening on port \(port)")
    }
}
