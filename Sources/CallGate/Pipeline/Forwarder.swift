import CallGateCore
import LiveVoxClient

/// Calls LiveVox through the ``LiveVoxClient`` and notes for the audit what happened upstream;
/// LiveVox's failures become 502, 503 or 504 problems with what LiveVox said.
struct Forwarder: Sendable {
    let client: LiveVoxClient

    func forward<Model>(
        _ draft: inout AuditDraft, _ call: () async throws(LiveVoxError) -> LiveVoxResponse<Model>
    ) async throws(Problem) -> LiveVoxResponse<Model> {
        do {
            let response = try await call()
            draft.upstreamStatus = response.status
            draft.upstreamAttempts = response.attempts
            draft.upstreamLatency = response.upstreamLatency
            return response
        } catch {
            draft.upstreamStatus = error.upstreamStatus
            draft.upstreamAttempts = error.attempts
            draft.upstreamLatency = error.upstreamLatency
            draft.upstreamMayHaveActed = error.upstreamMayHaveActed
            throw Self.problem(for: error)
        }
    }

    static func problem(for error: LiveVoxError) -> Problem {
        let code: Problem.Code = switch error.gatewayStatus {
        case 504: .upstreamTimeout
        case 503: .upstreamUnavailable
        default: .upstreamError
        }
        var problem = Problem(error.gatewayStatus, code, error.detail)
        problem.upstream = Problem.Upstream(status: error.upstreamStatus, code: error.upstreamCode,
                                            message: error.upstreamMessage, attempts: error.attempts)
        problem.retryAfterSeconds = error.retryAfterSeconds
        return problem
    }
}
