import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The gateway's HTTP/1.1 connections, served by Hummingbird's server (binding, connection
/// tracking, graceful shutdown) with a plain SwiftNIO handler (``GatewayHTTPHandler``) in place of
/// Hummingbird's router.
///
/// Hummingbird's HTTP/1 channel bridges every connection into an async sequence read by a task of
/// the global executor; this handler instead parses on the event loop (NIO's `HTTPRequestDecoder`)
/// and runs each request in a task whose executor is the connection's event loop, so a request
/// crosses threads only to reach curl and to come back. The throughput this buys on two cores is in
/// `docs/benchmarks.md`.
struct GatewayHTTPChannel<Responder: GatewayResponder>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    /// What answers the requests: the ``Gateway`` (a stub in the connection's tests).
    let gateway: Responder
    let maxBodyBytes: Int
    /// The connections' time limits.
    var timeouts = GatewayConnectionStateMachine.Timeouts(read: .seconds(10), idle: .seconds(60))
    /// The cap on open connections, if any.
    var connections: ConnectionLimiter?
    /// With HTTPS, the server context each new connection handshakes with; `nil`: plain HTTP.
    var tls: TLSContextBox? = nil
    /// The drain before shutdown, during which answers close their connections; `nil`: none.
    var drain: ShutdownDrain? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // Past the connection cap, a connection is closed as soon as it is accepted, before anything
        // is read from it (as Envoy's overload manager does).
        if let connections, !connections.admit(channel) {
            channel.close(promise: nil)
            return channel.eventLoop.makeSucceededFuture(Value(channel: channel))
        }
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if let tls {
                try pipeline.addHandler(PlainHTTPRefusalHandler())
                try pipeline.addHandler(NIOSSLServerHandler(context: tls.current))
            }
            // NIO's request decoder; answers are written as bytes by the handler (`HTTPResponseBytes`).
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(GatewayHTTPHandler(responder: gateway, maxBodyBytes: maxBodyBytes, timeouts: timeouts,
                                                       executor: EventLoopTaskExecutor.of(channel.eventLoop), drain: drain))
            return Value(channel: channel)
        }
    }

    /// Waits for the connection to end; cancelling the server (not its graceful shutdown, which
    /// quiesces) closes it at once.
    func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
