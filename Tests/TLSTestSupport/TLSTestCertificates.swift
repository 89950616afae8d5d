import Foundation

/// Certificates made for a test with the openssl command in a temporary directory: a CA; server
/// certificates for 127.0.0.1 and localhost (`server`, and `rotated` to rotate to); a client
/// certificate from the CA (`client`, subject `CN=crm-prod,O=Example`); and one with the same
/// subject from another CA (`stranger`).
public struct TLSTestCertificates: Sendable {
    /// Where the openssl command is expected.
    public static let openssl = "/usr/bin/openssl"
    /// Whether it is there: the tests that need it are skipped otherwise.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

    /// The temporary directory holding the files.
    public let directory: String

    /// The path of the file `name` in the directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Makes the files in a new temporary directory.
    public static func make() throws -> TLSTestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let made = try shell("""
            set -e
            key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            openssl req -x509 $key -keyout ca.key -out ca.pem -days 2 -subj "/CN=CallGate Test CA"
            openssl req -x509 $key -keyout other-ca.key -out other-ca.pem -days 2 -subj "/CN=Another CA"
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            for name in server rotated; do
              openssl req $key -keyout $name.key -out $name.csr -subj "/O=CallGate Test/CN=$name"
              openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out $name.pem
            done
            openssl req $key -keyout client.key -out client.csr -subj "/O=Example/CN=crm-prod"
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem
            openssl req $key -keyout stranger.key -out stranger.csr -subj "/O=Example/CN=crm-prod"
            openssl x509 -req -in stranger.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days 2 -out stranger.pem
            """, in: directory)
        guard made.status == 0 else { throw CertificatesNotMade(output: made.output) }
        return TLSTestCertificates(directory: directory)
    }

    /// Deletes the directory.
    public func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs `script` with `/bin/sh` in `directory`, standard input empty; its exit status and its
    /// standard output and error together.
    @discardableResult
    public static func shell(_ script: String, in directory: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `openssl s_client` to `port` with `options`; its exit status and what it printed.
    public func connect(port: Int, _ options: String = "") throws -> (status: Int32, output: String) {
        try Self.shell("openssl s_client -connect 127.0.0.1:\(port) -CAfile ca.pem -verify_return_error \(options) </dev/null",
                       in: directory)
    }

    /// The subject (RFC 2253) of the certificate a new connection to `port` is served.
    public func servedSubject(port: Int) throws -> String {
        let served = try Self.shell("""
            openssl s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | openssl x509 -noout -subject -nameopt RFC2253
            """, in: directory)
        return served.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// openssl failed to make the certificates; its output says why.
public struct CertificatesNotMade: Error {
    /// What openssl printed.
    public let output: String
}
