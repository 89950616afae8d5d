import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1, port 0, that counts the connections it accepts.
///
/// Routes: `/hello`; `/echo` (body back, `X-Method`, `X-Content-Type`, `X-Expect`, and every `X-Test*`
/// request header back); `/slow?ms=N`; `/big?bytes=N&chunked=1`; `/redirect`; `/cookies`; `/drop`
/// (counted, then the connection is closed without an answer).
final class TestHTTPServer: Sendable {
    /// The port the server listens on.
    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let accepted: Counter
    private let dropped: Counter
    private let received: Counter
    private let log: URILog

    /// How many TCP connections the server has accepted so far.
    var acceptedConnections: Int { accepted.value.load(ordering: .relaxed) }
    /// How many request heads the server has received, on any route.
    var requestsReceived: Int { received.value.load(ordering: .relaxed) }
    /// How many requests to `/drop` the server has received (and left unanswered).
    var droppedRequests: Int { dropped.value.load(ordering: .relaxed) }
    /// The target (path and query) of every request head received, in the order they arrived.
    var receivedURIs: [String] { log.uris.withLock { $0 } }

    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    private init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup, accepted: Counter, dropped: Counter,
                 received: Counter, log: URILog) {
        self.log = log
        self.port = port
        self.channel = channel
        self.group = group
        self.accepted = accepted
        self.dropped = dropped
        self.received = received
    }

    /// Waits, for at most five seconds, until the server has received `count` requests.
    func waitForRequests(_ count: Int) async throws {
        _ = try await eventually { requestsReceived >= count }
    }

    /// Starts a server.
    static func start() async throws -> TestHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let accepted = Counter()
        let dropped = Counter()
        let received = Counter()
        let log = URILog()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.value.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RouteHandler(dropped: dropped, received: received, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestHTTPServer(port: channel.localAddress!.port!, channel: channel, group: group, accepted: accepted, dropped: dropped, received: received, log: log)
    }

    /// Closes the listener and every connection.
    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Starts a server, runs `body`, stops the server.
func withTestHTTPServer<T>(_ body: (TestHTTPServer) async throws -> T) async throws -> T {
    let server = try await TestHTTPServer.start()
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// Whether `condition` holds within five seconds, checked every 5 ms.
func eventually(_ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

private final class URILog: Sendable {
    let uris = Mutex<[String]>([])
}

private final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let dropped: Counter
    private let received: Counter
    private let log: URILog

    init(dropped: Counter, received: Counter, log: URILog) {
        self.dropped = dropped
        self.received = received
        self.log = log
    }

    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            received.value.add(1, ordering: .relaxed)
            log.uris.withLock { $0.append(head.uri) }
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            route(head, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let (path, query) = Self.split(head.uri)
        switch path {
        case "/hello":
            respond(context, head, body: ByteBuffer(string: "hello"))
        case "/echo":
            var headers = HTTPHeaders()
            headers.add(name: "X-Method", value: head.method.rawValue)
            headers.add(name: "X-Content-Type", value: head.headers.first(name: "Content-Type") ?? "none")
            headers.add(name: "X-Expect", value: head.headers.first(name: "Expect") ?? "none")
            for (name, value) in head.headers where name.lowercased().hasPrefix("x-test") {
                headers.add(name: name, value: value)
            }
            respond(context, head, headers: headers, body: body)
        case "/slow":
            let delay = Int64(query["ms"] ?? "") ?? 1000
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) {
                self.respond(context, head, body: ByteBuffer(string: "slow"))
            }
        case "/big":
            let size = Int(query["bytes"] ?? "") ?? 0
            respond(context, head, body: ByteBuffer(repeating: UInt8(ascii: "a"), count: size), chunked: query["chunked"] == "1")
        case "/redirect":
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: "/hello")
            respond(context, head, status: .found, headers: headers, body: ByteBuffer())
        case "/drop":
            dropped.value.add(1, ordering: .relaxed)
            context.close(promise: nil)
        case "/cookies":
            var headers = HTTPHeaders()
            headers.add(name: "Set-Cookie", value: "a=1")
            headers.add(name: "Set-Cookie", value: "b=2")
            respond(context, head, headers: headers, body: ByteBuffer())
        default:
            respond(context, head, status: .notFound, body: ByteBuffer())
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, status: HTTPResponseStatus = .ok,
        headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer, chunked: Bool = false
    ) {
        var headers = headers
        if chunked {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else {
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if chunked {
            var body = body
            while let slice = body.readSlice(length: min(4096, body.readableBytes)), slice.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
            }
        } else if body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    private static func split(_ uri: String) -> (path: String, query: [String: String]) {
        let parts = uri.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1)
                if keyValue.count == 2 { query[String(keyValue[0])] = String(keyValue[1]) }
            }
        }
        return (parts.first.map(String.init) ?? uri, query)
    }
}
