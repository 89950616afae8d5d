import Logging

/// The request a task is answering, for its log lines.
///
/// `Gateway.respond` binds the request id for the duration of the request, and the principal once
/// it is authenticated; every logger whose handler has the `request` metadata provider
/// (`callgate serve` bootstraps logging with it) adds `request.id` and `principal` to the lines
/// logged meanwhile, by the gateway and by the LiveVox client alike.
/// Binding a task-local costs a few words of the task's own allocator; giving each request a
/// logger with them in its metadata, as before, copied the handler and a dictionary twice for
/// every request, logged or not (about 3 % of the event loops' time under load).
public enum RequestLogContext {
    @TaskLocal public static var requestId: String?
    @TaskLocal public static var principal: String?
}

extension Logger.MetadataProvider {
    /// `request.id` and `principal` of the request the current task is answering, when known.
    public static let request = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let id = RequestLogContext.requestId { metadata["request.id"] = .string(id) }
        if let principal = RequestLogContext.principal { metadata["principal"] = .string(principal) }
        return metadata
    }
}
