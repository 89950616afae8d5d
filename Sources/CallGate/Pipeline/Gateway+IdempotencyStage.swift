import CallGateHashing
import CallGateStorage
import Logging

/// `Idempotency-Key` on `POST /v1/services/{id}/manual-calls` and `/callbacks`: a client that
/// retries a request it got no answer to, with the same key, gets the first answer again instead of
/// a second call at LiveVox.
///
/// Keys are per principal and kept `idempotencyTTLMillis` (24 h by default). The request is the
/// method, path and body bytes (SHA-256): the same key with another request is refused (422
/// `idempotency_key_reused`); while the first is still being handled, a second gets 409
/// `idempotency_key_in_progress` with `Retry-After` (the store lets exactly one in). An answer is
/// kept when it is final: any answer below 500, and a failure after which LiveVox may have acted
/// (so a retry cannot call twice); a 5xx that proves LiveVox did not act frees the key for a retry.
/// A replayed answer carries `Idempotency-Replayed: true`.
extension Gateway {
    func idempotent(key: String, _ route: GatewayRoute, _ request: GatewayRequest, _ principal: Principal,
                    _ draft: inout AuditDraft, _ logger: Logger) async throws(Problem) -> GatewayResponse {
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem(400, .invalidIdempotencyKey, "An Idempotency-Key has 1 to 255 visible ASCII characters (a UUID is a good choice).")
        }
        guard let store = audit?.idempotency else {
            throw Problem(503, .auditUnavailable, "Idempotency-Key needs the audit store; this gateway runs with --store none.")
        }
        let body = try await bodies.bytes(request)
        var hash = SHA256Hasher()
        hash.update(utf8: "\(request.method) \(request.path)\n")
        hash.update(body)
        let digest = Array(hash.finalize())
        let owner = principal.rateLimitKey
        let begin: IdempotencyBegin
        do {
            begin = try await store.beginIdempotent(principal: owner, key: key, requestDigest: digest, nowMillis: nowMillis(),
                                                    ttlMillis: configuration.idempotencyTTLMillis)
        } catch {
            throw AuditEndpoints.storeProblem(error)
        }
        switch begin {
        case .proceed:
            break
        case .replay(let stored):
            return GatewayResponse(status: stored.status, headers: stored.headers.map { ($0.name, $0.value) } + [("Idempotency-Replayed", "true")],
                                   body: stored.body)
        case .mismatch:
            throw Problem(422, .idempotencyKeyReused,
                          "The Idempotency-Key '\(key)' was already used for another request (method, path or body); use a new key for a new request.")
        case .inProgress:
            var problem = Problem(409, .idempotencyKeyInProgress,
                                  "A request with the Idempotency-Key '\(key)' is still being handled; retry when it has been answered.")
            problem.retryAfterSeconds = 1
            throw problem
        }
        let result: Result<GatewayResponse, Problem>
        do throws(Problem) {
            result = .success(try await operate(route, request, principal, &draft, logger))
        } catch {
            result = .failure(error)
        }
        let answer = switch result {
        case .success(let response): response
        case .failure(let problem): GatewayResponse.problem(problem, requestId: draft.requestId, instance: request.path)
        }
        do {
            if answer.status < 500 || draft.upstreamMayHaveActed {
                try await store.completeIdempotent(principal: owner, key: key, response: StoredResponse(
                    status: answer.status, headers: answer.headers.map { StoredResponse.Header(name: $0.name, value: $0.value) },
                    body: answer.body))
            } else {
                try await store.abandonIdempotent(principal: owner, key: key)
            }
        } catch {
            // The key stays in progress until it expires: a retry is refused rather than risk a second call.
            logger.error("The answer of an Idempotency-Key request could not be kept", metadata: ["idempotency.error": "\(error)"])
        }
        return try result.get()
    }
}
