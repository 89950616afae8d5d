import CurlTransport

/// The production transport: LiveVox exchanges go through the gateway's one curl client.
extension CurlHTTPClient: LiveVoxTransport {
    /// Sends `request` through curl, keeping curl's proof of whether the request ever left.
    public func send(_ request: LiveVoxHTTPRequest) async throws(LiveVoxTransportError) -> LiveVoxHTTPResponse {
        let spec = HTTPRequestSpec(
            method: request.method.rawValue,
            url: request.url,
            headers: request.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) },
            body: request.body,
            timeout: request.timeout,
            isUrgent: request.isUrgent)
        let response: HTTPResponseSpec
        do {
            response = try await execute(spec)
        } catch {
            throw LiveVoxTransportError(
                kind: LiveVoxTransportError.Kind(error.code), requestNeverSent: error.requestNeverSent,
                message: error.description)
        }
        return LiveVoxHTTPResponse(
            status: response.status,
            headers: response.headers.map { LiveVoxHTTPHeader(name: $0.name, value: $0.value) },
            body: response.body)
    }
}

extension LiveVoxTransportError.Kind {
    /// The kind of a curl failure; whether the request left is carried separately, from curl.
    init(_ code: CurlTransportError.Code) {
        switch code {
        case .nameResolution: self = .nameResolution
        case .connectionRefused: self = .connectionRefused
        case .connectFailed: self = .connectFailed
        case .connectTimeout, .queueTimeout, .timedOut: self = .timedOut
        case .connectionLost: self = .connectionLost
        case .invalidResponse, .responseTooLarge: self = .invalidResponse
        case .cancelled: self = .cancelled
        case .invalidRequest, .shutdown, .invalidConfiguration, .other: self = .other
        }
    }
}
