import CallGateCore
import CallGateHashing
import Foundation

/// Checks Standard Webhooks signatures (https://www.standardwebhooks.com) against the configured
/// sources, over the raw body bytes, before anything parses the body.
///
/// A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`:
/// space-separated `v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` entries. Entries of
/// other versions are ignored, so that secrets can rotate and schemes evolve.
///
/// The source is found by trying every secret of every source, not by a source name in the URL or
/// a header: the CRM's administrator pastes one URL and one secret, nothing more, and a few sources
/// times a few secrets HMACs per delivery cost microseconds.
public struct WebhookVerifier: Sendable {
    /// The header names, lowercase as HTTP/2 sends them.
    public enum Header {
        /// The delivery's unique id (the same on retries), signed with the body.
        public static let id = "webhook-id"
        /// When the delivery was signed, in Unix seconds.
        public static let timestamp = "webhook-timestamp"
        /// The signatures.
        public static let signature = "webhook-signature"
    }

    /// One sender: the principal it authenticates as and the secrets it may sign with.
    public struct Source: Sendable {
        /// The principal (``Principal/AuthMethod/webhook``, named after the source).
        public let principal: Principal
        /// Every secret that authenticates, during a rotation more than one.
        public let secrets: [WebhookSecret]
        /// What its callbacks outside the calling window get.
        public let outsideWindow: WebhookOutsideWindow

        /// Creates a source.
        public init(principal: Principal, secrets: [WebhookSecret], outsideWindow: WebhookOutsideWindow = .refuse) {
            self.principal = principal
            self.secrets = secrets
            self.outsideWindow = outsideWindow
        }
    }

    /// An authenticated delivery.
    public struct Verified: Sendable, Hashable {
        /// Who signed it.
        public let principal: Principal
        /// The `webhook-id`, for deduplicating retries and for the audit trail.
        public let webhookId: String
        /// What its callbacks outside the calling window get (the source's setting).
        public var outsideWindow: WebhookOutsideWindow = .refuse
    }

    /// How far a timestamp may be from the clock, either way, by default: five minutes.
    public static let defaultToleranceSeconds = 300
    /// The longest `webhook-id` accepted.
    public static let maximumIdLength = WebhookHeaders.maximumIdLength

    /// The sources, tried in order.
    public let sources: [Source]
    /// How far `webhook-timestamp` may be from the clock, either way, in seconds.
    public let toleranceSeconds: Int

    /// Creates a verifier.
    public init(sources: [Source], toleranceSeconds: Int = defaultToleranceSeconds) {
        self.sources = sources
        self.toleranceSeconds = toleranceSeconds
    }

    /// Verifies one delivery: headers present, a well-formed id, an integer timestamp within the
    /// tolerance, a parseable signature list, then a constant-time comparison of every `v1` entry
    /// against every secret's MAC (all of them: no early exit on a match).
    public func verify(id: String?, timestamp: String?, signature: String?, rawBody: some DataProtocol,
                       now: Date = Date()) -> Result<Verified, WebhookRefusal> {
        let missing = [(Header.id, id), (Header.timestamp, timestamp), (Header.signature, signature)]
            .filter { ($0.1 ?? "").isEmpty }.map(\.0)
        guard missing.isEmpty, let id, let timestamp, let signature else { return .failure(.missingHeaders(missing)) }
        guard WebhookHeaders.isWellFormed(id: id) else { return .failure(.malformedWebhookId) }
        guard let sentAt = WebhookHeaders.parse(timestamp: timestamp) else { return .failure(.malformedTimestamp) }
        let offset = sentAt - Int64(now.timeIntervalSince1970.rounded(.down))
        guard abs(offset) <= Int64(toleranceSeconds) else {
            return .failure(.staleTimestamp(offsetSeconds: offset, toleranceSeconds: toleranceSeconds))
        }
        let presented = WebhookHeaders.parse(signatures: signature)
        guard !presented.isEmpty else { return .failure(.malformedSignature) }

        var matched: Source?
        for source in sources {
            for secret in source.secrets {
                let expected = secret.mac(id: id, timestamp: timestamp, body: rawBody)
                for candidate in presented where expected.constantTimeEquals(candidate) {
                    matched = matched ?? source
                }
            }
        }
        guard let matched else { return .failure(.signatureMismatch) }
        return .success(Verified(principal: matched.principal, webhookId: id, outsideWindow: matched.outsideWindow))
    }
}

/// Why a webhook was refused: a stable code and a sentence, answered as a 401 problem document.
public enum WebhookRefusal: Error, Sendable, Hashable {
    /// One or more of the three headers is absent or empty; names them.
    case missingHeaders([String])
    /// `webhook-id` is longer than 256 characters or not printable ASCII.
    case malformedWebhookId
    /// `webhook-timestamp` is not an integer number of seconds.
    case malformedTimestamp
    /// `webhook-timestamp` is further from the clock than the tolerance; a positive offset is in the future.
    case staleTimestamp(offsetSeconds: Int64, toleranceSeconds: Int)
    /// `webhook-signature` holds no `v1,<base64 of 32 bytes>` entry.
    case malformedSignature
    /// No `v1` entry matches any secret of any source.
    case signatureMismatch

    /// The stable code.
    public var code: String {
        switch self {
        case .missingHeaders: "missing_webhook_headers"
        case .malformedWebhookId: "malformed_webhook_id"
        case .malformedTimestamp: "malformed_timestamp"
        case .staleTimestamp: "stale_timestamp"
        case .malformedSignature: "malformed_signature"
        case .signatureMismatch: "signature_mismatch"
        }
    }

    /// The sentence, for the problem document's `detail`.
    public var message: String {
        typealias Header = WebhookVerifier.Header
        switch self {
        case .missingHeaders(let names):
            let list = names.count == 1
                ? "The \(names[0]) header is"
                : "The \(names.dropLast().joined(separator: ", ")) and \(names[names.count - 1]) headers are"
            return "\(list) missing; a signed webhook carries \(Header.id), \(Header.timestamp) and \(Header.signature)."
        case .malformedWebhookId:
            return "The \(Header.id) header must be 1 to \(WebhookVerifier.maximumIdLength) printable ASCII characters."
        case .malformedTimestamp:
            return "The \(Header.timestamp) header must be a whole number of seconds since 1970-01-01T00:00:00Z."
        case .staleTimestamp(let offset, let tolerance):
            let direction = offset > 0 ? "in the future" : "in the past"
            return "The \(Header.timestamp) is \(offset.magnitude) seconds \(direction); CallGate accepts \(tolerance) seconds either way."
        case .malformedSignature:
            return "The \(Header.signature) header holds no v1 signature; expected space-separated entries v1,<base64 of the 32-byte HMAC-SHA256>."
        case .signatureMismatch:
            return "No signature in \(Header.signature) matches a configured webhook secret for this id, timestamp and body."
        }
    }
}
