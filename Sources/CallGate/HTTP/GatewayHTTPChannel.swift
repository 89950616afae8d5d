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
/// HTTP parsing is NIO's (`HTTPRequestDecoder`). Each answer is written as bytes by the handler
/// (`HTTPResponseBytes`): head and body in one buffer, one write, where NIO's response encoder
/// built an `HTTPHeaders` per answer and wrote head, body and end as three parts (about 7 % of the
/// gateway's CPU per request, `docs/benchmarks.md`). Every header the gateway writes is a constant, a
/// number, an accepted X-Request-ID (RequestID.accept) or LiveVox's visible-ASCII Content-Type
/// (Gateway.passThrough), so none needs validating on the way out. Pipelining, answering
/// requests in order, is the handler's own, and so are malformed requests (400, `Connection: close`,
/// after the answers to the requests before them): NIO's pipelining handler stops reading while any request is in flight and
/// starts again after each answer, two `epoll_ctl` calls per request; this one holds reads back only
/// while a pipelined request actually waits. Graceful shutdown quiesces: an idle connection closes at
/// once, a busy one after its answer (which says `Connection: close`).
struct GatewayHTTPChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let gateway: Gateway
    let maxBodyBytes: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // NIO's request decoder; answers are encoded by the handler itself (`HTTPResponseBytes`).
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
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
/// in a task on the connection's event loop, and writes the answer. Requests that arrive while an
/// answer is pending wait in `pipelined`, in order; reads are held back only while some wait.
final class GatewayHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let gateway: Gateway
    private let maxBodyBytes: Int
    /// The request being read: its body so far, and the promise the pipeline waits on for the body.
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    private var bodyPromise: EventLoopPromise<[UInt8]>?

    /// A request has started and its answer's end is not written yet.
    private var answerPending = false
    /// What arrived while an answer was pending, oldest first.
    private var pipelined = CircularBuffer<Waiting>()
    private enum Waiting {
        case part(HTTPServerRequestPart)
        /// The bytes after the parts before it were not HTTP.
        case malformed
    }
    /// A read the channel asked for while requests were waiting in `pipelined`.
    private var readHeld = false
    /// The pending answer is the connection's last: the server is shutting down, or the request
    /// being read stopped being HTTP.
    private var lastAnswer = false

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
        let part = unwrapInboundIn(data)
        if pipelined.isEmpty, !(answerPending && part.isHead) {
            receive(part, context: context)
        } else if !lastAnswer {
            pipelined.append(.part(part))
        }
    }

    /// A request that is not HTTP gets 400 and the connection closes, once the requests before it
    /// are answered; the decoder reads nothing after it. A request whose body breaks off (a bad
    /// chunk, say) is answered 400 by the gateway (its body could not be read), and that answer is
    /// the connection's last.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if let promise = bodyPromise {
            bodyPromise = nil
            body = nil
            lastAnswer = true
            pipelined.removeAll()
            promise.fail(BodyMalformed())
            if !answerPending { context.close(promise: nil) }
        } else if !answerPending {
            Self.refuseMalformed(context: context)
        } else if !lastAnswer {
            pipelined.append(.malformed)
        }
    }

    private static func refuseMalformed(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 96)
        HTTPResponseBytes.writeHead(status: 400, headers: [], framing: .length(0), keepAlive: false, version: .http1_1, into: &buffer)
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Holds the read back while pipelined requests wait, so that a client cannot queue more than one
    /// read's worth of them.
    func read(context: ChannelHandlerContext) {
        if pipelined.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        lastAnswer = true
        pipelined.removeAll()
        if !answerPending { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A pipeline still waiting for the body learns that it will not come.
        bodyPromise?.fail(ChannelError.ioOnClosedChannel)
        bodyPromise = nil
        pipelined.removeAll()
        context.fireChannelInactive()
    }

    /// One part of the request whose turn it is.
    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            answerPending = true
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

    /// The answer's end is written: returns true when it was the connection's last (the caller closes
    /// the connection once it is sent); otherwise starts the next pipelined request and reads again
    /// once none waits.
    private func answerEnded(keepAlive: Bool, context: ChannelHandlerContext) -> Bool {
        answerPending = false
        guard keepAlive, !lastAnswer else { return true }
        while let waiting = pipelined.first {
            switch waiting {
            case .malformed:
                guard !answerPending else { return false }
                pipelined.removeAll()
                Self.refuseMalformed(context: context)
                return false
            case .part(let part):
                if answerPending, part.isHead { return false }
                pipelined.removeFirst()
                receive(part, context: context)
            }
        }
        if pipelined.isEmpty, readHeld {
            readHeld = false
            context.read()
        }
        return false
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
            handler: NIOLoopBound(self, eventLoop: context.eventLoop),
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
        let handler: NIOLoopBound<GatewayHTTPHandler>
        let context: NIOLoopBound<ChannelHandlerContext>
        let version: HTTPVersion
        let keepAlive: Bool
        let omitBody: Bool

        /// Sends the head, then the body as the producer writes it, then the end. A producer that
        /// fails midway cannot change the status any more: the connection is closed without the
        /// final chunk, so the client sees a truncated body rather than a complete-looking one.
        func stream(_ answer: GatewayResponse, _ produce: @Sendable (any GatewayBodyWriter) async throws -> Void) async {
            let context = self.context, handler = self.handler
            let version = self.version, requestedKeepAlive = self.keepAlive
            // HTTP/1.1 frames the body in chunks; HTTP/1.0 has none, so the body ends with the connection.
            let bodiless = !HTTPResponseBytes.hasBody(status: answer.status)
            let chunked = !bodiless && version.major == 1 && version.minor >= 1
            let omitBody = self.omitBody || bodiless
            let headWritten = context.eventLoop.submit {
                let keepAlive = requestedKeepAlive && (chunked || bodiless) && !handler.value.lastAnswer
                var buffer = context.value.channel.allocator.buffer(capacity: 256)
                HTTPResponseBytes.writeHead(status: answer.status, headers: answer.headers, framing: chunked ? .chunked : .none,
                                            keepAlive: keepAlive, version: version, into: &buffer)
                context.value.writeAndFlush(NIOAny(buffer), promise: nil)
                return keepAlive
            }
            do {
                let keepAlive = try await headWritten.get()
                if !omitBody { try await produce(ChannelBodyWriter(context: context, chunked: chunked)) }
                let last = try await context.eventLoop.flatSubmit {
                    let written: EventLoopFuture<Void>
                    if chunked, !omitBody {
                        written = context.value.writeAndFlush(
                            NIOAny(context.value.channel.allocator.buffer(staticString: HTTPResponseBytes.lastChunk)))
                    } else {
                        written = context.eventLoop.makeSucceededVoidFuture()
                    }
                    let last = handler.value.answerEnded(keepAlive: keepAlive, context: context.value)
                    return written.map { last }
                }.get()
                if last { context.eventLoop.execute { context.value.close(promise: nil) } }
            } catch {
                context.eventLoop.execute { context.value.close(promise: nil) }
            }
        }

        func write(_ answer: GatewayResponse) {
            let eventLoop = context.eventLoop
            if eventLoop.inEventLoop {
                handler.value.write(answer, version: version, keepAlive: keepAlive, omitBody: omitBody, context: context.value)
            } else {
                let handler = self.handler, context = self.context
                let version = self.version, keepAlive = self.keepAlive, omitBody = self.omitBody
                eventLoop.execute {
                    handler.value.write(answer, version: version, keepAlive: keepAlive, omitBody: omitBody, context: context.value)
                }
            }
        }
    }

    fileprivate func write(_ answer: GatewayResponse, version: HTTPVersion, keepAlive requestedKeepAlive: Bool, omitBody: Bool,
                           context: ChannelHandlerContext) {
        let keepAlive = requestedKeepAlive && !lastAnswer
        let buffer = HTTPResponseBytes.answer(answer, version: version, keepAlive: keepAlive, omitBody: omitBody,
                                              allocator: context.channel.allocator)
        // `answerEnded` closes nothing itself; it answers whether the connection ends here, which is
        // exactly when it is not kept alive. Only then is a promise made, to close after the write.
        if keepAlive {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
        }
        let ended = answerEnded(keepAlive: keepAlive, context: context)
        assert(ended == !keepAlive)
    }
}

private extension HTTPServerRequestPart {
    var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}

/// Writes body pieces to a connection, as chunks or as they are, and waits until each is handed to
/// the socket.
private struct ChannelBodyWriter: GatewayBodyWriter {
    let context: NIOLoopBound<ChannelHandlerContext>
    let chunked: Bool

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let context = self.context, chunked = self.chunked
        try await context.eventLoop.flatSubmit {
            context.value.writeAndFlush(NIOAny(HTTPResponseBytes.bodyPiece(bytes, chunked: chunked, allocator: context.value.channel.allocator)))
        }.get()
    }
}
