import CallGateCore

/// An RFC 9457 problem document: every refusal and failure CallGate answers is one of these,
/// built in one place so that every route speaks the same way.
///
/// `type` is `urn:callgate:problem:<code>`; `code` repeats the stable code for clients that read
/// only the body; `requestId` ties the answer to logs and (later) the audit trail.
public struct Problem: Error, Sendable, Hashable {
    /// The stable problem codes of the HTTP surface (field-level codes live in ``FieldIssue``).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case malformedJSON = "malformed_json"
        case unauthenticated
        case forbiddenRole = "forbidden_role"
        case forbiddenService = "forbidden_service"
        case forbiddenAgent = "forbidden_agent"
        case forbiddenToken = "forbidden_token"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case requestTimeout = "request_timeout"
        case invalidServiceId = "invalid_service_id"
        case invalidQuery = "invalid_query"
        case httpsRequired = "https_required"
        case bodyTooLarge = "body_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case validationFailed = "validation_failed"
        case outsideCallingWindow = "outside_calling_window"
        case locationUnknown = "location_unknown"
        case rateLimited = "rate_limited"
        case tooManyFailedAuthentications = "too_many_failed_authentications"
        case upstreamRefused = "upstream_refused"
        case upstreamError = "upstream_error"
        case upstreamUnavailable = "upstream_unavailable"
        case upstreamTimeout = "upstream_timeout"
        case notReady = "not_ready"
        case draining = "draining"
        case auditUnavailable = "audit_unavailable"
        case deliveryNotRetryable = "delivery_not_retryable"
        case deliveryNotCancellable = "delivery_not_cancellable"
        case invalidIdempotencyKey = "invalid_idempotency_key"
        case idempotencyKeyReused = "idempotency_key_reused"
        case idempotencyKeyInProgress = "idempotency_key_in_progress"
        case internalError = "internal_error"

        /// The short, human title of the problem type.
        public var title: String {
            switch self {
            case .malformedJSON: "Malformed JSON"
            case .unauthenticated: "Authentication required"
            case .forbiddenRole: "Role not allowed"
            case .forbiddenService: "Service not allowed"
            case .forbiddenAgent: "Agent not allowed"
            case .forbiddenToken: "Token not usable"
            case .notFound: "Not found"
            case .methodNotAllowed: "Method not allowed"
            case .requestTimeout: "Request timeout"
            case .invalidServiceId: "Invalid service id"
            case .invalidQuery: "Invalid query parameter"
            case .httpsRequired: "HTTPS required"
            case .bodyTooLarge: "Body too large"
            case .unsupportedMediaType: "Unsupported media type"
            case .validationFailed: "Validation failed"
            case .outsideCallingWindow: "Outside the calling window"
            case .locationUnknown: "Called party's location unknown"
            case .rateLimited: "Too many requests"
            case .tooManyFailedAuthentications: "Too many failed authentications"
            case .upstreamRefused: "LiveVox refused the request"
            case .upstreamError: "LiveVox failed"
            case .upstreamUnavailable: "LiveVox unavailable"
            case .upstreamTimeout: "LiveVox timed out"
            case .notReady: "Not ready"
            case .draining: "Draining"
            case .auditUnavailable: "Audit trail unavailable"
            case .deliveryNotRetryable: "Delivery not retryable"
            case .deliveryNotCancellable: "Delivery not cancellable"
            case .invalidIdempotencyKey: "Invalid Idempotency-Key"
            case .idempotencyKeyReused: "Idempotency-Key reused"
            case .idempotencyKeyInProgress: "Idempotency-Key in use"
            case .internalError: "Internal error"
            }
        }
    }

    /// What LiveVox said, when the problem comes from upstream.
    public struct Upstream: Sendable, Hashable {
        /// LiveVox's HTTP status, when it answered.
        public var status: Int?
        /// LiveVox's `code`, when present.
        public var code: Int?
        /// LiveVox's `message`, when present.
        public var message: String?
        /// How many attempts were made.
        public var attempts: Int

        /// Creates the upstream part.
        public init(status: Int?, code: Int?, message: String?, attempts: Int) {
            self.status = status
            self.code = code
            self.message = message
            self.attempts = attempts
        }
    }

    /// The HTTP status.
    public var status: Int
    /// The stable code.
    public var code: Code
    /// What happened in this occurrence, and what to do about it.
    public var detail: String
    /// Field errors (422), at most ``FieldIssues/listLimit`` of them.
    public var errors: [FieldIssue] = []
    /// How many field errors there were, `errors` and those left out.
    public var errorCount = 0
    /// What LiveVox said (502/503/504).
    public var upstream: Upstream?
    /// Seconds after which a retry may succeed (sent as `Retry-After` too).
    public var retryAfterSeconds: Int?
    /// Methods allowed on the path (405; sent as `Allow` too).
    public var allowedMethods: [String] = []
    /// The earliest instant at which a refused launch or callback would be allowed as a whole
    /// (422 `outside_calling_window`), in milliseconds since the epoch.
    public var nextAllowedAtEpochMillis: Int64?

    /// Creates a problem.
    public init(_ status: Int, _ code: Code, _ detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    /// The `application/problem+json` body, with the request id of the answer.
    public func body(requestId: String, instance: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + errors.count * 160)
        JSONBytes.appendRaw("{\"type\":\"urn:callgate:problem:", to: &out)
        out.append(contentsOf: code.rawValue.utf8)
        JSONBytes.appendRaw("\",\"title\":", to: &out)
        JSONBytes.appendString(code.title, to: &out)
        JSONBytes.appendRaw(",\"status\":", to: &out)
        JSONBytes.appendInteger(status, to: &out)
        JSONBytes.appendRaw(",\"detail\":", to: &out)
        JSONBytes.appendString(detail, to: &out)
        JSONBytes.appendRaw(",\"instance\":", to: &out)
        JSONBytes.appendString(instance, to: &out)
        JSONBytes.appendRaw(",\"code\":", to: &out)
        JSONBytes.appendString(code.rawValue, to: &out)
        JSONBytes.appendRaw(",\"requestId\":", to: &out)
        JSONBytes.appendString(requestId, to: &out)
        if !errors.isEmpty {
            JSONBytes.appendRaw(",\"errorCount\":", to: &out)
            JSONBytes.appendInteger(errorCount, to: &out)
            JSONBytes.appendRaw(",\"errors\":", to: &out)
            JSONBytes.appendPointerMessages(errors, to: &out)
        }
        if let upstream {
            JSONBytes.appendRaw(",\"upstream\":{\"attempts\":", to: &out)
            JSONBytes.appendInteger(upstream.attempts, to: &out)
            if let status = upstream.status {
                JSONBytes.appendRaw(",\"status\":", to: &out)
                JSONBytes.appendInteger(status, to: &out)
            }
            if let code = upstream.code {
                JSONBytes.appendRaw(",\"code\":", to: &out)
                JSONBytes.appendInteger(code, to: &out)
            }
            if let message = upstream.message {
                JSONBytes.appendRaw(",\"message\":", to: &out)
                JSONBytes.appendString(message, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let nextAllowedAtEpochMillis {
            JSONBytes.appendRaw(",\"nextAllowedAt\":", to: &out)
            JSONBytes.appendInstant(nextAllowedAtEpochMillis, to: &out)
        }
        if let retryAfterSeconds {
            JSONBytes.appendRaw(",\"retryAfterSeconds\":", to: &out)
            JSONBytes.appendInteger(retryAfterSeconds, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension Problem {
    /// 422 with the first field errors (``FieldIssues/listLimit``) and the count of all of them.
    public static func validation(_ failure: ValidationFailure) -> Problem {
        let count = failure.issues.count
        var detail = count == 1 ? "One field was refused; nothing was sent to LiveVox."
                                : "\(count) fields were refused; nothing was sent to LiveVox."
        if count > failure.errors.count { detail += " The first \(failure.errors.count) are listed." }
        var problem = Problem(422, .validationFailed, detail)
        problem.errors = failure.errors
        problem.errorCount = count
        return problem
    }

    /// The refusal of a body the parser stopped at: 400 when it is not JSON (naming the line and
    /// column) or holds too many values; 422 `batch_too_large`, as the validator answers a batch
    /// too large, when an array is longer than a batch may be.
    public static func malformed(_ error: MalformedJSON) -> Problem {
        guard case .arrayLength(let pointer, _)? = error.limit else {
            return Problem(400, .malformedJSON, error.detail)
        }
        return validation(ValidationFailure(errors: [
            FieldIssue(pointer: pointer, code: FieldIssue.Code.batchTooLarge.rawValue, detail: error.detail),
        ]))
    }
}
