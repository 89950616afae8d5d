/// What answers the requests of an HTTP connection: the ``Gateway``, or a stub in the connection's
/// tests. The connection's types are generic over it, so the gateway's calls are direct.
protocol GatewayResponder: Sendable {
    /// Answers one request; never throws: every failure is an answer.
    func respond(to request: GatewayRequest) async -> GatewayResponse
}

extension Gateway: GatewayResponder {}
