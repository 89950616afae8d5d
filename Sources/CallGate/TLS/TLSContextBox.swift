import NIOSSL
import Synchronization

/// The server TLS context in force: each new connection reads it once, so a reload changes what
/// the next handshakes use while open connections keep the context they started with.
public final class TLSContextBox: Sendable {
    /// The files the context is made from.
    public let files: TLSFiles
    private let context: Mutex<NIOSSLContext>

    /// Reads the files; fails, naming the file, when one is missing or invalid.
    public init(files: TLSFiles) throws(TLSFilesError) {
        self.files = files
        context = Mutex(try files.makeContext())
    }

    /// The context a new connection handshakes with.
    public var current: NIOSSLContext { context.withLock { $0 } }

    /// Re-reads the files (when the reload door saw them change, or on SIGHUP) and puts the new
    /// context in force. A read that fails (a file half-written, a key that does not match) keeps the
    /// current context and is thrown.
    public func reload() throws(TLSFilesError) {
        let fresh = try files.makeContext()
        context.withLock { $0 = fresh }
    }
}
