import HTTPConnectionCore
import NIOCore
import NIOHTTP1
import NIOTLS

/// One connection's requests: performs what its ``GatewayConnectionStateMachine`` decides, runs each
/// request's pipeline in a task on the connection's event loop, and writes the answers
/// (``HTTPResponseBytes``). The rules (order, pipelining, bodies, time limits, closing) are the state
/// machine's; this type holds what its actions act on: the channel, the promise a started request's
/// pipeline waits on for its body once it asks, and the connection's one timer.
final class GatewayHTTPHandler<Responder: GatewayResponder>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: Responder
    private var machine: GatewayConnectionStateMachine
    private let timeouts: GatewayConnectionStateMachine.Timeouts
    /// The started request's body, once its pipeline asked for it; asked again, it gets the same.
    private var body: EventLoopFuture<[UInt8]>?
    /// The promise behind `body` while the body is being read.
    private var bodyPromise: EventLoopPromise<[UInt8]>?
    /// Fires at the machine's deadline. It is set when it fires, not moved at each event, and never
    /// further ahead than the shorter time limit: any deadline that begins later ends later than it.
    private var timer: Scheduled<Void>?
    /// The peer's IP address, read once per connection.
    private var clientAddress: String?
    /// The verified client certificate's subject under mutual TLS, read once the handshake is done.
    private var clientCertificateSubject: String?
    /// The connection's event loop as a task executor, looked up once per connection.
    private let executor: EventLoopTaskExecutor
    /// While it drains, every answer closes its connection.
    private let drain: ShutdownDrain?

    init(responder: Responder, maxBodyBytes: Int, timeouts: GatewayConnectionStateMachine.Timeouts, executor: EventLoopTaskExecutor,
         drain: ShutdownDrain? = nil) {
        self.responder = responder
        self.drain = drain
        self.machine = GatewayConnectionStateMachine(maxBodyBytes: maxBodyBytes, timeouts: timeouts, now: executor.eventLoop.now)
        self.timeouts = timeouts
        self.executor = executor
    }

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.channel.remoteAddress?.ipAddress
        setTimer(context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        clientAddress = context.channel.remoteAddress?.ipAddress
        setTimer(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.partReceived(HTTPRequestPart(unwrapInboundIn(data))), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        machine.readCompleted(now: context.eventLoop.now)
        context.fireChannelReadComplete()
    }

    /// Only the decoder's errors are the connection's: the bytes were not HTTP.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        perform(machine.parseFailed(), context: context)
    }

    func read(context: ChannelHandlerContext) {
        perform(machine.readRequested(), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            perform(machine.quiesce(), context: context)
            return
        }
        if case .inputClosed? = event as? ChannelEvent {
            perform(machine.inputClosed(), context: context)
        }
        if case .handshakeCompleted? = event as? TLSUserEvent {
            clientCertificateSubject = ClientCertificateSubject.ofPeer(in: context.pipeline.syncOperations)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        perform(machine.channelInactive(), context: context)
        // A pipeline still waiting here would never be answered (the machine fails every wait it
        // knows of; this covers a wait it does not).
        bodyPromise?.fail(ChannelError.ioOnClosedChannel)
        bodyPromise = nil
        context.fireChannelInactive()
    }

    private func perform(_ action: GatewayConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .nothing:
            break
        case .startRequest(let head):
            start(head, context: context)
        case .succeedBody(let bytes):
            let promise = bodyPromise
            bodyPromise = nil
            promise?.succeed(bytes)
        case .failBody(let failure):
            let promise = bodyPromise
            bodyPromise = nil
            switch failure {
            case .tooLarge: promise?.fail(BodyTooLarge())
            case .malformed: promise?.fail(BodyMalformed())
            case .connectionClosed: promise?.fail(ChannelError.ioOnClosedChannel)
            case .timedOut: promise?.fail(BodyTimedOut())
            }
        case .readBody(let sendContinue, let read):
            if sendContinue {
                context.writeAndFlush(NIOAny(context.channel.allocator.buffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
            if read { context.read() }
        case .refuse(let refusal):
            var buffer = context.channel.allocator.buffer(capacity: 96)
            HTTPResponseBytes.writeHead(status: refusal.status, headers: [], framing: .length(0), keepAlive: false, version: .http1_1,
                                        into: &buffer)
            let channel = context.channel
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
        case .read:
            context.read()
        case .close:
            context.close(promise: nil)
        }
    }

    /// Sets the timer for the machine's deadline, or, while the gateway works, for the shorter time
    /// limit from now.
    private func setTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        let latest = context.eventLoop.now + min(timeouts.read, timeouts.idle)
        let deadline = machine.deadline.map { min($0, latest) } ?? latest
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            handler.value.timerFired(context: context.value)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        perform(machine.timerFired(now: context.eventLoop.now), context: context)
        if context.channel.isActive { setTimer(context: context) }
    }

    /// The started request's pipeline asks for its body.
    fileprivate func requestBody(context: ChannelHandlerContext) -> EventLoopFuture<[UInt8]> {
        if let body { return body }
        let promise = context.eventLoop.makePromise(of: [UInt8].self)
        bodyPromise = promise
        body = promise.futureResult
        perform(machine.bodyRequested(now: context.eventLoop.now), context: context)
        return promise.futureResult
    }

    /// The answer's end is written: returns true when it was the connection's last (the caller closes
    /// the connection once it is sent); otherwise serves the requests that waited for it.
    private func answerEnded(keepAlive: Bool, context: ChannelHandlerContext) -> Bool {
        switch machine.answerEnded(keepAlive: keepAlive, now: context.eventLoop.now) {
        case .close:
            return true
        case .serveWaiting:
            while let action = machine.nextWaiting() { perform(action, context: context) }
            return false
        }
    }

    private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        body = nil
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
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let request = GatewayRequest(
            method: head.method.rawValue, path: path, query: query,
            header: { name in headers.first(name: name) },
            readBody: { limit in
                // The task runs on the connection's event loop; the hop is for a caller that does not.
                let eventLoop = boundContext.eventLoop
                let body = eventLoop.inEventLoop
                    ? handler.value.requestBody(context: boundContext.value)
                    : eventLoop.flatSubmit { handler.value.requestBody(context: boundContext.value) }
                let bytes = try await body.get()
                if bytes.count > limit { throw BodyTooLarge() }
                return bytes
            },
            clientAddress: clientAddress, clientCertificateSubject: clientCertificateSubject)
        let writer = ResponseWriter(handler: handler, context: boundContext, version: head.version,
                                    keepAlive: head.isKeepAlive, omitBody: head.method == .HEAD)
        let responder = self.responder
        Task(executorPreference: executor) {
            let answer = await responder.respond(to: request)
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
                let keepAlive = handler.value.keepsAlive(requested: requestedKeepAlive && (chunked || bodiless))
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

    /// Whether the answer being written keeps the connection: never while the instance drains.
    fileprivate func keepsAlive(requested: Bool) -> Bool {
        machine.keepsAlive(requested: requested && drain?.isDraining != true)
    }

    fileprivate func write(_ answer: GatewayResponse, version: HTTPVersion, keepAlive requestedKeepAlive: Bool, omitBody: Bool,
                           context: ChannelHandlerContext) {
        let keepAlive = keepsAlive(requested: requestedKeepAlive)
        let buffer = HTTPResponseBytes.answer(answer, version: version, keepAlive: keepAlive, omitBody: omitBody,
                                              allocator: context.channel.allocator)
        // The answer's end ends the connection exactly when the answer is not kept alive; only then is
        // a promise made, to close after the write.
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
