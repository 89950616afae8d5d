// `make bench` (bench/proxy.sh): the floor of CallGate's design, measured beside it. A SwiftNIO
// HTTP/1.1 server on two event loops whose every request runs in a task on its connection's loop,
// goes to the upstream through `CurlHTTPClient` (the curl thread, as in CallGate) and answers with
// the upstream's status and body. No authentication, validation, LiveVox client, audit or
// metrics: what remains is the cost of the server, the two thread crossings and libcurl, which
// CallGate cannot go below without leaving its design (one curl thread, continuations).
//
// With AUDIT_DATABASE, each request also commits an audit record (the fields CallGate records for
// a queue read) through `AuditWriter` into a `SQLiteAuditStore` at that path before its answer is
// written, as CallGate does: the floor of the design with its durable audit.
//
// Usage: ProxyFloor PORT UPSTREAM_BASE_URL [MAX_CONNECTIONS [AUDIT_DATABASE]]
import CallGateStorage
import CurlTransport
import NIOCore
import NIOHTTP1
import NIOPosix
import SQLiteStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]) else {
    print("usage: ProxyFloor PORT UPSTREAM_BASE_URL [MAX_CONNECTIONS [AUDIT_DATABASE]]")
    exit(2)
}
let upstream = arguments[2]
let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: arguments.count > 3 ? Int(arguments[3]) ?? 16 : 16))
let audit: AuditWriter? = try arguments.count > 4 ? AuditWriter(store: SQLiteAuditStore(
    path: arguments[4], keys: AuditKeys(secret: (0..<32).map { _ in UInt8.random(in: .min ... .max) }))) : nil
let requestCounter = Atomic<UInt64>(0)

/// The record CallGate writes for an allowed queue read; the request id from a counter.
func auditRecord(path: String, status: Int, started: ContinuousClock.Instant) -> AuditRecord {
    let elapsed = started.duration(to: .now).components
    let micros = elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
    return AuditRecord(
        requestId: String(requestCounter.add(1, ordering: .relaxed).newValue, radix: 16),
        timeMillis: Int64(time(nil)) * 1000, principal: "bench", role: "Manager", authMethod: "api_key",
        clientAddress: "127.0.0.1", operation: "getQueueStats", method: "GET", path: path, serviceId: 21429,
        outcome: .allowed, upstreamStatus: status, upstreamAttempts: 1, upstreamLatencyMicros: micros,
        totalLatencyMicros: micros, responseStatus: status)
}

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
            let path = uri
            Task(executorPreference: executor) {
                let started = ContinuousClock.now
                let response = try? await client.execute(HTTPRequestSpec(url: url))
                var status = response?.status ?? 502
                if let audit {
                    do { _ = try await audit.append(auditRecord(path: path, status: status, started: started)) } catch { status = 503 }
                }
                let context = loopBound.value
                let body = response?.body ?? []
                var buffer = context.channel.allocator.buffer(capacity: 96 + body.count)
                buffer.writeString("HTTP/1.1 \(status) \(status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Bad Gateway")\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
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
