/// What the gateway decided about one request.
public enum AuditOutcome: String, Sendable, Hashable, CaseIterable {
    /// The request passed every check and was handled (whatever LiveVox answered).
    case allowed
    /// The gateway refused the request: unauthenticated, forbidden, invalid, too large...
    case denied
    /// The request was allowed but could not be completed: LiveVox failed or was unreachable, or
    /// the gateway failed.
    case error
    /// A launch or a callback about to be sent to LiveVox, committed before it is: its outcome
    /// record (allowed or error) follows under the same request id.
    case intent
    /// An intent whose outcome record never came (the gateway stopped while LiveVox had the
    /// request, or the outcome could not be committed): LiveVox may have acted. Never stored; an
    /// intent record reads as this in queries while no later record has its request id.
    case incomplete
}

/// A phone number as the audit trail keeps it: never in clear.
public struct AuditPhone: Sendable, Hashable {
    /// The number with every character but the last four replaced by `*`, e.g. `******7483`.
    public var masked: String
    /// Lowercase hex HMAC-SHA256 of the normalized number under the fingerprint key
    /// (`AuditKeys.fingerprint(phone:)`): the same number always gives the same fingerprint, so
    /// records can be searched by number without storing it.
    public var fingerprint: String

    /// Creates a phone entry; `AuditKeys.phone(_:)` makes one from the digits.
    public init(masked: String, fingerprint: String) {
        self.masked = masked
        self.fingerprint = fingerprint
    }
}

/// One decision of the gateway: who asked for what, what was decided and what LiveVox answered.
///
/// The gateway fills every field but `sequence`, `previousHash` and `hash`, which the store assigns
/// when it appends the record: sequences are 1, 2, 3... without gaps, and each record's `hash`
/// chains it to the one before (see `canonicalBytes()`).
public struct AuditRecord: Sendable, Hashable {
    /// The format new records are written in (see `canonicalBytes()`).
    public static let currentFormatVersion = 4
    /// The format of the records written before formats had versions: stored without a version,
    /// hashed without one.
    public static let unversionedFormat = 1
    /// The formats this build reads and verifies.
    public static let knownFormatVersions = unversionedFormat...currentFormatVersion

    /// The record's position in the trail: 0 until stored, then 1, 2, 3... without gaps.
    public var sequence: Int64
    /// The request's id, as returned to the client in `X-Request-ID`.
    public var requestId: String
    /// When the gateway decided, in milliseconds since the Unix epoch (UTC).
    public var timeMillis: Int64
    /// Who made the request (the API key's name, the webhook's name, the JWT subject); nil when
    /// unauthenticated.
    public var principal: String?
    /// The principal's role, e.g. `Manager`; nil when unauthenticated.
    public var role: String?
    /// How the principal authenticated, e.g. `api_key`, `webhook`, `jwt`; nil when unauthenticated.
    public var authMethod: String?
    /// The client's address: the socket's peer, or behind a trusted proxy the address it forwarded.
    public var clientAddress: String?
    /// The socket's peer address (a trusted proxy's, when one forwarded the request); nil in
    /// records of formats 1 and 2, which do not have it.
    public var peerAddress: String?
    /// The operation, e.g. `launchManualCalls`, `getQueueStats`, `queryAudit`, or `unknown`.
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The request path, without the query string.
    public var path: String
    /// The LiveVox service the request addressed, when it named one.
    public var serviceId: Int64?
    /// The phone numbers the request carried, masked and fingerprinted, in request order.
    public var phones: [AuditPhone]
    /// The number of entries in a batch request (e.g. manual calls), when the request is a batch.
    public var entryCount: Int?
    /// What the gateway decided.
    public var outcome: AuditOutcome
    /// The problem code behind a denial or an error, e.g. `forbidden_role`, `validation_failed`,
    /// `upstream_timeout`; nil when allowed and fine.
    public var reason: String?
    /// The validation codes found in the request, in the order reported.
    public var validationCodes: [String]
    /// LiveVox's HTTP status, when LiveVox answered.
    public var upstreamStatus: Int?
    /// How many times the gateway sent the request to LiveVox (0 when it never did).
    public var upstreamAttempts: Int
    /// Time spent waiting for LiveVox, all attempts included, in microseconds; nil when not called.
    public var upstreamLatencyMicros: Int64?
    /// Time from the request's arrival to the decision, in microseconds.
    public var totalLatencyMicros: Int64
    /// The HTTP status the gateway answered with.
    public var responseStatus: Int
    /// The hash of the record before this one (64 zeros for the first record); set by the store.
    public var previousHash: String
    /// Lowercase hex HMAC-SHA256 chaining this record to `previousHash`; set by the store.
    public var hash: String
    /// The format the record was written in, one of `knownFormatVersions`: which fields it has and
    /// how its canonical form is written.
    public var formatVersion: Int
    /// What the calling-window check decided (launches, callbacks, `/v1/calling-window`); nil for
    /// other requests, for those refused before the check, and in records of formats 1 to 3.
    public var callingWindow: AuditCallingWindow?

    /// Creates a record, in the current format unless told otherwise; the store fills `sequence`,
    /// `previousHash` and `hash` when appending it.
    public init(
        sequence: Int64 = 0,
        requestId: String,
        timeMillis: Int64,
        principal: String? = nil,
        role: String? = nil,
        authMethod: String? = nil,
        clientAddress: String? = nil,
        peerAddress: String? = nil,
        operation: String,
        method: String,
        path: String,
        serviceId: Int64? = nil,
        phones: [AuditPhone] = [],
        entryCount: Int? = nil,
        outcome: AuditOutcome,
        reason: String? = nil,
        validationCodes: [String] = [],
        upstreamStatus: Int? = nil,
        upstreamAttempts: Int = 0,
        upstreamLatencyMicros: Int64? = nil,
        totalLatencyMicros: Int64,
        responseStatus: Int,
        previousHash: String = "",
        hash: String = "",
        formatVersion: Int = AuditRecord.currentFormatVersion,
        callingWindow: AuditCallingWindow? = nil
    ) {
        self.sequence = sequence
        self.requestId = requestId
        self.timeMillis = timeMillis
        self.principal = principal
        self.role = role
        self.authMethod = authMethod
        self.clientAddress = clientAddress
        self.peerAddress = peerAddress
        self.operation = operation
        self.method = method
        self.path = path
        self.serviceId = serviceId
        self.phones = phones
        self.entryCount = entryCount
        self.outcome = outcome
        self.reason = reason
        self.validationCodes = validationCodes
        self.upstreamStatus = upstreamStatus
        self.upstreamAttempts = upstreamAttempts
        self.upstreamLatencyMicros = upstreamLatencyMicros
        self.totalLatencyMicros = totalLatencyMicros
        self.responseStatus = responseStatus
        self.previousHash = previousHash
        self.hash = hash
        self.formatVersion = formatVersion
        self.callingWindow = callingWindow
    }
}

/// What the calling-window check decided for a launch or a callback (format 4 on): the profile,
/// the rules that refused it (with `location_unknown` for a party that could not be placed), when
/// it would be allowed, and the SHA-256 of the rules file in force, so a decision can be replayed
/// against the exact rules that made it.
public struct AuditCallingWindow: Sendable, Hashable {
    /// The profile checked: `baseline`, `telemarketing`, `collections` or `off`.
    public var profile: String
    /// The ids of the rules that refused a call, in the order met; empty when allowed.
    public var ruleIds: [String]
    /// The next instant the request would be allowed, in milliseconds since the epoch; nil when
    /// allowed, or when none was found.
    public var nextAllowedAtMillis: Int64?
    /// Lowercase hex SHA-256 of the rules file's bytes.
    public var rulesDigest: String

    /// Creates the decision.
    public init(profile: String, ruleIds: [String], nextAllowedAtMillis: Int64?, rulesDigest: String) {
        self.profile = profile
        self.ruleIds = ruleIds
        self.nextAllowedAtMillis = nextAllowedAtMillis
        self.rulesDigest = rulesDigest
    }

    /// The stored form, for stores that keep it in one column: a JSON array of strings, profile,
    /// digest, next allowed instant (decimal milliseconds, or empty), then the rule ids.
    public var storedForm: String {
        CanonicalJSON.encodeStringArray([profile, rulesDigest, nextAllowedAtMillis.map(String.init) ?? ""] + ruleIds)
    }

    /// The decision of its stored form; nil when the text is not one.
    package init?(storedForm text: String) {
        guard let fields = CanonicalJSON.decodeStringArray(text), fields.count >= 3 else { return nil }
        let next: Int64?
        if fields[2].isEmpty {
            next = nil
        } else {
            guard let millis = Int64(fields[2]) else { return nil }
            next = millis
        }
        self.init(profile: fields[0], ruleIds: Array(fields[3...]), nextAllowedAtMillis: next, rulesDigest: fields[1])
    }
}
