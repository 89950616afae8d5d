import ServiceLifecycle

extension CurlHTTPClient: Service {
    /// Waits for the service group's graceful shutdown, then drains for
    /// `Configuration.shutdownGracePeriod`; on task cancellation it stops at once.
    public func run() async throws {
        do {
            try await gracefulShutdown()
            await shutdown(gracePeriod: configuration.shutdownGracePeriod)
        } catch {
            await shutdown(gracePeriod: .zero)
        }
    }
}
