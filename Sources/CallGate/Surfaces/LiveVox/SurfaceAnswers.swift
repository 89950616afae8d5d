import CallGateCore
import LiveVoxClient

/// How a surface answers the four LiveVox operations once LiveVox has answered: the compatible
/// surface passes LiveVox's answer through (``CompatibleAnswers``), `/v1` builds its own JSON
/// (``V1Answers``). Chosen once per request, by the route's surface.
protocol SurfaceAnswers: Sendable {
    /// The filter of non-attempted calls the surface reads from the query.
    func nonAttemptedFilter(query: String?) throws(Problem) -> NonAttemptedFilter
    func queueStats(_ response: LiveVoxResponse<QueueStats>, serviceId: Int64) throws(Problem) -> GatewayResponse
    func nonAttempted(_ response: LiveVoxResponse<NonAttemptedManualCallsResponse>, serviceId: Int64,
                      filter: NonAttemptedFilter) throws(Problem) -> GatewayResponse
    func launched(_ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64,
                  calls: RequestValidator.ManualCalls) throws(Problem) -> GatewayResponse
    func scheduled(_ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64,
                   callback: RequestValidator.Callback) throws(Problem) -> GatewayResponse
}

extension SurfaceAnswers {
    /// A success whose body is not the model LiveVox defines is LiveVox failing (502), not
    /// something to relay.
    static func undecodable(attempts: Int) -> Problem {
        var problem = Problem(502, .upstreamError, "LiveVox answered with a body that is not the JSON its API defines.")
        problem.upstream = Problem.Upstream(status: 200, code: nil, message: nil, attempts: attempts)
        return problem
    }
}
