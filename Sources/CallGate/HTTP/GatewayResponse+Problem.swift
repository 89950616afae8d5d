import CallGateCore

extension GatewayResponse {
    /// `problem` as an `application/problem+json` answer, with the headers its status calls for
    /// (`WWW-Authenticate` on 401, `Retry-After`, `Allow` on 405).
    static func problem(_ problem: Problem, requestId: String, instance: String) -> GatewayResponse {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/problem+json")]
        if problem.status == 401 { headers.append(("WWW-Authenticate", #"Bearer realm="CallGate""#)) }
        if let seconds = problem.retryAfterSeconds { headers.append(("Retry-After", String(seconds))) }
        if !problem.allowedMethods.isEmpty { headers.append(("Allow", problem.allowedMethods.joined(separator: ", "))) }
        return GatewayResponse(status: problem.status, headers: headers, body: problem.body(requestId: requestId, instance: instance))
    }

    /// A JSON answer.
    static func json(_ status: Int, _ body: [UInt8]) -> GatewayResponse {
        GatewayResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }
}
