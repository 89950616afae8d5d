import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// The gateway's HTTP/1.1 connections, served by Hummingbird's server (binding, connection
/// tracking, graceful shutdown) with a plain SwiftNIO handler in place of Hummingbird's router.
///
/// Why not the router: on this 2-core machine a bare Hummingbird route answers about as many
/// requests per second as nginx *proxies*, so a proxy built on it cannot reach half of nginx
/// (`docs/benchmarks.md`). Hummingbird's HTTP/1 channel bridges every connection into an async
/// sequence read by a task of the global executor; this handler instead parses on the event loop and
/// runs each request in a task whose executor is the connection's event loop, so a request crosses
/// threads only to reach curl and to come back.
///
/// HTTP itself is NIO's: `configureHTTPServerPipeline` with pipelining assistance (one request at a
/// time per connection, later ones held back) and error handling (a malformed request gets 400 and
/// the connection closes). Graceful shutdown is the pipeline handler's quiescing: an idle
/// connection closes at once, a busy one after its answer.
struct GatewayHTTPChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let gateway: Gateway
    let maxBodyBytes: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // No outbound header validation: every header the gateway writes is a constant, a number,
            // an accepted X-Request-ID (RequestID.accept) or LiveVox's visible-ASCII Content-Type
            // (Gateway.passThrough), and the validator cost about 1% of the event loops' time.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: true, withErrorHandling: true, withOutboundHeaderValidation: false
            )
            try pipeline.addHandler(GatewayHTTPHandler(gateway: gateway, maxBodyBytes: maxBodyBytes,
                                                       executor: EventLoopTaskExecutor.of(channel.eventLoop)))
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

/// One connection's requests: collects the head and (up to the limit) the body, runs the pipeline
/// in a task on the connection's event loop, and writes the answer.
final class GatewayHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: Gateway
    private let maxBodyBytes: Int
    /// The request being read: its body so far, and the promise the pipeline waits on for the body.
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    private var bodyPromise: EventLoopPromise<[UInt8]>?

    /// The peer's IP address, read once per connection.
    private var clientAddress: String?

    /// The connection's event loop as a task executor, looked up once per connection.
    private let executor: EventLoopTaskExecutor

    init(gateway: Gateway, maxBodyBytes: Int, executor: EventLoopTaskExecutor) {
        self.gateway = gateway
        self.maxBodyBytes = maxBodyBytes
        self.executor = executor
    }

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.channel.remoteAddress?.ipAddress
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { clientAddress = context.channel.remoteAddress?.ipAddress }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            body = nil
            bodyTooLarge = false
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            bodyPromise = promise
            start(head, body: promise.futureResult, context: context)
        case .body(var part):
            guard bodyPromise != nil, !bodyTooLarge else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > maxBodyBytes {
                // Keep reading (and dropping) the rest, so the connection stays usable after the 413.
                bodyTooLarge = true
                body = nil
                return
            }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let promise = bodyPromise else { return }
            bodyPromise = nil
            if bodyTooLarge {
                promise.fail(BodyTooLarge())
            } else {
                let bytes = body.map { Array($0.readableBytesView) } ?? []
                body = nil
                promise.succeed(bytes)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A pipeline still waiting for the body learns that it will not come.
        bodyPromise?.fail(ChannelError.ioOnClosedChannel)
        bodyPromise = nil
        context.fireChannelInactive()
    }

    private func start(_ head: HTTPRequestHead, body: EventLoopFuture<[UInt8]>, context: ChannelHandlerContext) {
        let uri = head.uri
        let path: String, query: String?
        if let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = nil
        }
        let headers = head.headers
        let request = GatewayRequest(
            method: head.method.rawValue, path: path, query: query,
            header: { name in headers.first(name: name) },
            readBody: { limit in
                let bytes = try await body.get()
                if bytes.count > limit { throw BodyTooLarge() }
                return bytes
            },
            clientAddress: clientAddress)
        let writer = ResponseWriter(
            context: NIOLoopBound(context, eventLoop: context.eventLoop), version: head.version,
            keepAlive: head.isKeepAlive, omitBody: head.method == .HEAD)
        let gateway = self.gateway
        Task(executorPreference: executor) {
            let answer = await gateway.respond(to: request)
            if let stream = answer.stream {
                await writer.stream(answer, stream)
            } else {
                writer.write(answer)
            }
        }
    }

    /// Writes one answer on the connection's event loop (where the task normally already runs).
    struct ResponseWriter: Sendable {
        let context: NIOLoopBound<ChannelHandlerContext>
        let version: HTTPVersion
        let keepAlive: Bool
        let omitBody: Bool

        /// Sends the head, then the body as the producer writes it, then the end. A producer that
        /// fails midway cannot change the status any more: the connection is closed without the
        /// final chunk, so the client sees a truncated body rather than a complete-looking one.
        func stream(_ answer: GatewayResponse, _ produce: @Sendable (any GatewayBodyWriter) async throws -> Void) async {
            let context = self.context
            let version = self.version, keepAlive = self.keepAlive
            let headWritten = context.eventLoop.submit {
                var headers = HTTPHeaders()
                for header in answer.headers { headers.add(name: header.name, value: header.value) }
                if !keepAlive { headers.add(name: "Connection", value: "close") }
                let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
                context.value.writeAndFlush(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
            }
            do {
                try await headWritten.get()
                if !omitBody { try await produce(ChannelBodyWriter(context: context)) }
                try await context.eventLoop.flatSubmit {
                    context.value.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
                }.get()
                if !keepAlive { context.eventLoop.execute { context.value.close(promise: nil) } }
            } catch {
                context.eventLoop.execute { context.value.close(promise: nil) }
            }
        }

        func write(_ answer: GatewayResponse) {
            let eventLoop = context.eventLoop
            if eventLoop.inEventLoop {
                GatewayHTTPHandler.write(answer, version: version, keepAlive: keepAlive, omitBody: omitBody, context: context.value)
            } else {
                eventLoop.execute {
                    GatewayHTTPHandler.write(answer, version: version, keepAlive: keepAlive, omitBody: omitBody, context: context.value)
                }
            }
        }
    }

    fileprivate static func write(_ answer: GatewayResponse, version: HTTPVersion, keepAlive: Bool, omitBody: Bool,
                              context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(answer.headers.count + 2)
        for header in answer.headers { headers.add(name: header.name, value: header.value) }
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if !omitBody, !answer.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: answer.body.count)
            buffer.writeBytes(answer.body)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        }
        let written = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Writes body pieces to a connection and waits until each is handed to the socket.
private struct ChannelBodyWriter: GatewayBodyWriter {
    let context: NIOLoopBound<ChannelHandlerContext>

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let context = self.context
        try await context.eventLoop.flatSubmit {
            var buffer = context.value.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return context.value.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))))
        }.get()
    }
}
