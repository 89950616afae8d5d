// `make bench` (bench/proxy.sh): the floor of CallGate's design, measured beside it. A SwiftNIO
// HTTP/1.1 server on two event loops whose every request runs in a task on its connection's loop,
// goes to the upstream through `CurlHTTPClient` (the curl thread, as in CallGate) and answers with
// the upstream's status and body. No authentication, validation, LiveVox client, audit or
// metrics: what remains is the cost of the server, the two thread crossings and libcurl, which
// CallGate cannot go below without leaving the design its issue sets.
//
// Usage: ProxyFloor PORT UPSTREAM_BASE_URL [MAX_CONNECTIONS]
import CurlTransport
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]) else {
    print("usage: ProxyFloor PORT UPSTREAM_BASE_URL [MAX_CONNECTIONS]")
    exit(2)
}
let upstream = arguments[2]
let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: arguments.count > 3 ? Int(arguments[3]) ?? 16 : 16))

/// Runs a task's jobs on one event loop (as CallGate's `EventLoopTaskExecutor`).
final class LoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop
    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

final class FloorHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer
    private let executor: LoopExecutor
    private var uri = ""

    init(executor: LoopExecutor) { self.executor = executor }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): uri = head.uri
        case .body: break
        case .end:
            let url = upstream + uri
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            Task(executorPreference: executor) {
                let response = try? await client.execute(HTTPRequestSpec(url: url))
                let context = loopBound.value
                let status = response?.status ?? 502
                let body = response?.body ?? []
                var buffer = context.channel.allocator.buffer(capacity: 96 + body.count)
                buffer.writeString("HTTP/1.1 \(status) OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
                buffer.writeBytes(body)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            }
        }
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try channel.pipeline.syncOperations.addHandler(FloorHandler(executor: LoopExecutor(channel.eventLoop)))
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
print("listening on \(channel.localAddress!)")
try channel.closeFuture.wait()
