import ServiceLifecycle

/// The client as a `Service`: it does nothing until the group shuts down, then logs out.
///
/// List it after the transport's service (e.g. `CurlHTTPClient`) in the `ServiceGroup`: services stop
/// in reverse order, so the logout still has a transport to go through.
extension LiveVoxClient: Service {
    /// Waits for graceful shutdown (or cancellation), then ends the LiveVox session.
    public func run() async throws {
        try? await gracefulShutdown()
        await logout()
    }
}
