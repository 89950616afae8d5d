import CurlTransport

/// The one door through which `LiveVoxClient` reaches the network: one HTTP exchange in the curl
/// transport's own types, no retries, no session handling. `CurlHTTPClient` is the production
/// conformer as it is; tests script one.
public protocol LiveVoxTransport: Sendable {
    /// Sends one request and returns the upstream's answer, whatever its status; a failure says
    /// whether the request provably never left (`CurlTransportError.requestNeverSent`).
    func execute(_ request: HTTPRequestSpec) async throws(CurlTransportError) -> HTTPResponseSpec
}

extension CurlHTTPClient: LiveVoxTransport {}
