import CallGateCore
import LiveVoxClient

/// The compatible surface answers with LiveVox's own status, content type and bytes, so an
/// existing LiveVox client sees LiveVox; it has no query filters of its own.
struct CompatibleAnswers: SurfaceAnswers {
    func nonAttemptedFilter(query: String?) throws(Problem) -> NonAttemptedFilter { NonAttemptedFilter() }

    func queueStats(_ response: LiveVoxResponse<QueueStats>, serviceId: Int64) throws(Problem) -> GatewayResponse {
        try Self.passThrough(response)
    }

    func nonAttempted(_ response: LiveVoxResponse<NonAttemptedManualCallsResponse>, serviceId: Int64,
                      filter: NonAttemptedFilter) throws(Problem) -> GatewayResponse {
        try Self.passThrough(response)
    }

    func launched(_ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64,
                  calls: RequestValidator.ManualCalls) throws(Problem) -> GatewayResponse {
        try Self.passThrough(response)
    }

    func scheduled(_ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64,
                   callback: RequestValidator.Callback) throws(Problem) -> GatewayResponse {
        try Self.passThrough(response)
    }

    /// LiveVox's answer as it came; a success is relayed only when its body is the model LiveVox defines.
    static func passThrough<Model>(_ response: LiveVoxResponse<Model>) throws(Problem) -> GatewayResponse {
        if response.isSuccess, Model.self != LiveVoxNoContent.self {
            do { _ = try response.model() } catch { throw undecodable(attempts: response.attempts) }
        }
        var headers: [(name: String, value: String)] = []
        // Room for X-Request-ID too, which `respond` adds: one allocation, not two.
        headers.reserveCapacity(2)
        // Relayed only when it is plain visible ASCII: the HTTP layer writes headers unvalidated.
        if let contentType = response.contentType, !response.body.isEmpty,
           contentType.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            headers.append(("Content-Type", contentType))
        }
        return GatewayResponse(status: response.status, headers: headers, body: response.body)
    }
}
