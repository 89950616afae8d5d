import CallGateCore

extension Gateway {
    /// What the pipeline needs to know.
    public struct Configuration: Sendable {
        /// The largest request body read, in bytes (413 above).
        public var maxBodyBytes: Int
        /// The request validator (batch size, allowed regions).
        public var validator: RequestValidator
        /// The zone LiveVox's offset-less `timeOfFailure` is read in.
        public var upstreamTimeZone: IANATimeZone
        /// The OpenAPI document served at `/openapi.yaml`.
        public var openAPIDocument: [UInt8]
        /// The rate limit of principals that have none of their own; nil: no limit.
        public var defaultRateLimit: RateLimit?
        /// How long an Idempotency-Key is kept, in milliseconds.
        public var idempotencyTTLMillis: Int64
        /// The largest webhook body read before its signature is checked, in bytes (413 above).
        public var webhookMaxBodyBytes: Int
        /// Failed authentications per client address and minute before 429; 0: no limit.
        public var authFailureLimitPerMinute: Int
        /// The proxies whose forwarded client addresses are believed.
        public var trustedProxies: [IPAddressRange]
        /// The calling-window rules and each service's profile (`CallingWindows/`).
        public var callingWindows: CallingWindowGate

        /// Creates a configuration.
        public init(maxBodyBytes: Int = 1 << 20, validator: RequestValidator = RequestValidator(),
                    upstreamTimeZone: IANATimeZone = IANATimeZone.named("UTC")!, openAPIDocument: [UInt8] = [],
                    defaultRateLimit: RateLimit? = nil, idempotencyTTLMillis: Int64 = 24 * 3_600_000,
                    webhookMaxBodyBytes: Int = 262_144, authFailureLimitPerMinute: Int = 30,
                    trustedProxies: [IPAddressRange] = [], callingWindows: CallingWindowGate) {
            self.callingWindows = callingWindows
            self.idempotencyTTLMillis = idempotencyTTLMillis
            self.webhookMaxBodyBytes = webhookMaxBodyBytes
            self.authFailureLimitPerMinute = authFailureLimitPerMinute
            self.trustedProxies = trustedProxies
            self.maxBodyBytes = maxBodyBytes
            self.validator = validator
            self.upstreamTimeZone = upstreamTimeZone
            self.openAPIDocument = openAPIDocument
            self.defaultRateLimit = defaultRateLimit
        }
    }

    /// Whether the gateway can serve LiveVox operations, and if not why.
    public struct Readiness: Sendable, Hashable {
        /// Ready or not.
        public var isReady: Bool
        /// A sentence on what is not ready.
        public var detail: String
        /// Whether it is not ready because it is shutting down (503 `draining`, not `not_ready`).
        public var isDraining: Bool

        /// Creates a readiness answer.
        public init(isReady: Bool, detail: String, isDraining: Bool = false) {
            self.isReady = isReady
            self.detail = detail
            self.isDraining = isDraining
        }
    }
}
