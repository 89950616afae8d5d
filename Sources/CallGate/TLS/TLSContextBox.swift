import NIOSSL
import Synchronization

/// The server TLS context in force: each new connection reads it once, so a reload changes what
/// the next handshakes use while open connections keep the context they started with.
public final class TLSContextBox: Sendable {
    /// The files the context is made from.
    public let files: TLSFiles
    private let state: Mutex<State>

    private struct State {
        var context: NIOSSLContext
        /// The files' stamps when they were last read, whether that read succeeded or not.
        var stamp: [TLSFiles.FileStamp?]
    }

    /// Reads the files; fails, naming the file, when one is missing or invalid.
    public init(files: TLSFiles) throws(TLSFilesError) {
        self.files = files
        let stamp = files.stamp()
        state = Mutex(State(context: try files.makeContext(), stamp: stamp))
    }

    /// The context a new connection handshakes with.
    public var current: NIOSSLContext { state.withLock { $0.context } }

    /// Re-reads the files when their modification times or sizes changed since they were last
    /// read (or always, when `force`); returns whether a new context is in force. A read that fails
    /// (a file half-written, a key that does not match) keeps the current context and is thrown,
    /// once per change of the files.
    @discardableResult
    public func reload(force: Bool = false) throws(TLSFilesError) -> Bool {
        let stamp = files.stamp()
        guard force || state.withLock({ $0.stamp != stamp }) else { return false }
        let context: NIOSSLContext
        do throws(TLSFilesError) {
            context = try files.makeContext()
        } catch {
            state.withLock { $0.stamp = stamp }
            throw error
        }
        state.withLock { $0 = State(context: context, stamp: stamp) }
        return true
    }
}
