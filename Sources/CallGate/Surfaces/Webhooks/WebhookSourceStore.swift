import Foundation
import Synchronization

/// The live webhook sources: consulted on every delivery, swapped whole on reload, so a
/// delivery is checked against either the old sources or the new ones, never half of each (reloaded
/// by the reload door: a change of the file, or SIGHUP).
public final class WebhookSourceStore: Sendable {
    /// The sources file this store reads.
    public let path: String
    /// How far `webhook-timestamp` may be from the clock, either way, in seconds.
    public let toleranceSeconds: Int
    private let verifier: Mutex<WebhookVerifier>

    /// Loads `path` (a missing file is no source yet: every webhook is refused until it exists and is
    /// reloaded); fails when the file is invalid.
    public init(path: String, toleranceSeconds: Int = WebhookVerifier.defaultToleranceSeconds) throws(WebhookSourcesFileError) {
        self.path = path
        self.toleranceSeconds = toleranceSeconds
        self.verifier = Mutex(try WebhookSourcesFile.loadOrEmpty(path: path).verifier(toleranceSeconds: toleranceSeconds))
    }

    /// Re-reads the file. On error the current sources stay in force and the error is thrown.
    public func reload() throws(WebhookSourcesFileError) {
        let fresh = try WebhookSourcesFile.loadOrEmpty(path: path).verifier(toleranceSeconds: toleranceSeconds)
        verifier.withLock { $0 = fresh }
    }

    /// Verifies one delivery (see ``WebhookVerifier/verify(id:timestamp:signature:rawBody:now:)``);
    /// the HMACs are computed outside the lock.
    public func verify(id: String?, timestamp: String?, signature: String?, rawBody: some DataProtocol,
                       now: Date = Date()) -> Result<WebhookVerifier.Verified, WebhookRefusal> {
        verifier.withLock { $0 }.verify(id: id, timestamp: timestamp, signature: signature, rawBody: rawBody, now: now)
    }

    /// How many sources are configured.
    public var count: Int { verifier.withLock { $0.sources.count } }
}
