import CallGateCore
import CallGateStorage

/// One finished request, as the audit records it: the draft plus the answer.
struct AuditEvent: Sendable {
    /// What the pipeline learned.
    let draft: AuditDraft
    /// When the request was answered, in milliseconds since 1970 (UTC).
    let timeMillis: Int64
    /// The client's address (``GatewayRequest/clientAddress``: behind a trusted proxy, the one it forwarded).
    let clientAddress: String?
    /// The socket's peer address.
    let peerAddress: String?
    /// The method and path (no query: a query can carry a phone number), each cut to
    /// ``maxCallerBytes`` (``capped(_:)``).
    let method: String
    let path: String
    /// Time from the request's arrival to its answer (before the audit commit).
    let totalLatency: Duration
    /// The status answered.
    let responseStatus: Int
    /// The problem code answered, if any.
    let problem: String?
    /// allowed, denied or error (from the answer), or intent (before the request is forwarded).
    let outcome: AuditOutcome

    init(draft: AuditDraft, request: GatewayRequest, timeMillis: Int64, responseStatus: Int, problem: Problem.Code?,
         totalLatency: Duration, outcome: AuditOutcome? = nil) {
        self.draft = draft
        self.timeMillis = timeMillis
        clientAddress = request.clientAddress
        peerAddress = request.peerAddress
        method = Self.capped(request.method)
        path = Self.capped(request.path)
        self.totalLatency = totalLatency
        self.responseStatus = responseStatus
        self.problem = problem?.rawValue
        self.outcome = outcome ?? AuditOutcome(status: responseStatus, problem: self.problem)
    }

    /// The most bytes of a caller-chosen string (path, method) a record keeps: an anonymous caller
    /// must not be able to write kilobytes per request into the trail.
    static let maxCallerBytes = 256

    /// `text` when it fits in ``maxCallerBytes``; otherwise its longest prefix that does and ends on
    /// a whole character, then a marker with the original length, e.g. `/v1/aaa… (8196 bytes, truncated)`.
    static func capped(_ text: String) -> String {
        let bytes = text.utf8
        guard bytes.count > maxCallerBytes else { return text }
        var end = bytes.index(bytes.startIndex, offsetBy: maxCallerBytes)
        // Back off continuation bytes (10xxxxxx), so the cut falls between characters.
        while end > bytes.startIndex, bytes[end] & 0xC0 == 0x80 { bytes.formIndex(before: &end) }
        return String(decoding: bytes[..<end], as: UTF8.self) + "… (\(bytes.count) bytes, truncated)"
    }

    /// Whether the operation changes something at LiveVox.
    var isMutating: Bool {
        draft.operation == GatewayOperation.launchManualCalls.rawValue || draft.operation == GatewayOperation.scheduleCallback.rawValue
    }
}

extension AuditOutcome {
    /// The outcome of an answer with `status` and problem code `problem`: error for a 5xx (a
    /// failure, upstream or ours), denied when the gateway refused, allowed otherwise (LiveVox's
    /// own refusals, `upstream_...`, included).
    init(status: Int, problem: String?) {
        if status >= 500 {
            self = .error
        } else if let problem, !problem.hasPrefix("upstream_") {
            self = .denied
        } else {
            self = .allowed
        }
    }
}
