/// What needs no key: `GET /healthz`, `GET /readyz`, `GET /metrics` and `GET /openapi.yaml`,
/// read by machines all day and not audited.
struct Probes: Sendable {
    /// The contract served at `/openapi.yaml`.
    let openAPIDocument: [UInt8]
    /// The Prometheus exposition; nil answers `/metrics` with 404.
    let exposition: (@Sendable () -> [UInt8])?
    /// Whether LiveVox operations can be served now.
    let readiness: @Sendable () async -> Gateway.Readiness

    /// The probe's answer, or nil when `route` is not a probe.
    func answer(_ route: GatewayRoute, path: String) async throws(Problem) -> GatewayResponse? {
        switch route {
        case .metrics:
            guard let exposition else { throw GatewayRoute.notFound(path) }
            return GatewayResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                   body: exposition())
        case .health:
            return .json(200, Array(#"{"status":"ok"}"#.utf8))
        case .openAPI:
            return GatewayResponse(status: 200, headers: [("Content-Type", "application/yaml")], body: openAPIDocument)
        case .readiness:
            let state = await readiness()
            guard state.isReady else { throw Problem(503, state.isDraining ? .draining : .notReady, state.detail) }
            return .json(200, Array(#"{"status":"ready"}"#.utf8))
        default:
            return nil
        }
    }
}
