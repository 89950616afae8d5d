import Foundation
import NIOSSL

/// The PEM files the HTTPS port serves with: the server's certificate chain and key, and for mutual
/// TLS the CA certificates a client's certificate must chain to.
public struct TLSFiles: Sendable, Hashable {
    /// The server's certificate chain, leaf first.
    public var certificateFile: String
    /// The server certificate's private key.
    public var keyFile: String
    /// The CA certificates of mutual TLS; `nil`: no client certificate is asked for.
    public var clientCAFile: String?

    /// The files of a configuration.
    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }

    /// The files, in the order messages name them and the reload door watches them.
    var paths: [String] { [certificateFile, keyFile] + (clientCAFile.map { [$0] } ?? []) }

    /// A server context from the files as they are now: TLS 1.2 and 1.3 only, ALPN `http/1.1`, and
    /// with a client CA file a client certificate it signed is required (no hostname check: a
    /// client's name is not where it connects from). Every failure names its file.
    public func makeContext() throws(TLSFilesError) -> NIOSSLContext {
        let chain = try Self.certificates(in: certificateFile, what: "certificate")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: try Self.contents(of: keyFile, what: "key"), format: .pem)
        } catch let error as TLSFilesError {
            throw error
        } catch {
            throw TLSFilesError("The TLS key file \(keyFile) holds no usable PEM private key (\(error)).")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.applicationProtocols = ["http/1.1"]
        if let clientCAFile {
            configuration.trustRoots = .certificates(try Self.certificates(in: clientCAFile, what: "client CA"))
            configuration.certificateVerification = .noHostnameVerification
            configuration.sendCANameList = true
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFilesError("The TLS certificate \(certificateFile) and key \(keyFile) cannot be used together (\(error)).")
        }
    }

    private static func contents(of path: String, what: String) throws(TLSFilesError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TLSFilesError("Cannot read the TLS \(what) file \(path): \(error.localizedDescription)")
        }
    }

    private static func certificates(in path: String, what: String) throws(TLSFilesError) -> [NIOSSLCertificate] {
        let bytes = try contents(of: path, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw TLSFilesError("The TLS \(what) file \(path) is not valid PEM certificates (\(error)).")
        }
        guard !certificates.isEmpty else { throw TLSFilesError("The TLS \(what) file \(path) holds no PEM certificate.") }
        return certificates
    }
}

/// Why the TLS files cannot be served with: a sentence naming the file.
public struct TLSFilesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String

    /// An error with that message.
    public init(_ description: String) { self.description = description }
}
