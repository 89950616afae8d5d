import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import CallGate

/// The connection's handler, driven byte by byte on an `EmbeddedChannel` set up as the server sets
/// up every connection (NIO's request decoder, then the handler), with a stub in place of the
/// gateway. The tests are synchronous: the channel's event loop runs the requests' tasks on the
/// test's thread when `run()` is called.
@Suite("The gateway's HTTP/1.1 connection handler (EmbeddedChannel)")
struct GatewayHTTPHandlerTests {
    /// Answers with what it received; `/slow` waits until the test releases it.
    struct Stub: GatewayResponder {
        let answer: @Sendable (GatewayRequest) async -> GatewayResponse

        func respond(to request: GatewayRequest) async -> GatewayResponse {
            await answer(request)
        }
    }

    /// Counts the reads the handler passes on towards the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    /// One connection from 10.1.2.3 with bodies up to 16 bytes.
    final class Connection {
        let channel = EmbeddedChannel()
        let counter = ReadCounter()
        /// What `/slow` waits for.
        let release: EventLoopPromise<Void>

        init(answer: (@Sendable (GatewayRequest) async -> GatewayResponse)? = nil) throws {
            release = channel.eventLoop.makePromise()
            let slow = release.futureResult
            let stub = Stub(answer: answer ?? { request in
                if request.path == "/slow" { try? await slow.get() }
                return await Connection.echo(request)
            })
            try channel.pipeline.syncOperations.addHandler(counter)
            _ = try GatewayHTTPChannel(gateway: stub, maxBodyBytes: 16).setup(channel: channel, logger: Logger(label: "test")).wait()
            try channel.connect(to: SocketAddress(ipAddress: "10.1.2.3", port: 5555)).wait()
        }

        deinit {
            release.succeed()
            _ = try? channel.finish(acceptAlreadyClosed: true)
            channel.embeddedEventLoop.run()
        }

        /// `200` with `METHOD path[?query] body`, or the status the body's failure maps to (as the
        /// gateway maps it): 413 too large, 400 broken framing, 408 stopped arriving, 499 connection gone.
        static func echo(_ request: GatewayRequest) async -> GatewayResponse {
            do {
                let body = try await request.readBody(1 << 20)
                let text = "\(request.method) \(request.path)" + (request.query.map { "?\($0)" } ?? "") + " "
                    + String(decoding: body, as: UTF8.self)
                return GatewayResponse(status: 200, body: Array(text.utf8))
            } catch is BodyTooLarge {
                return GatewayResponse(status: 413)
            } catch is BodyMalformed {
                return GatewayResponse(status: 400)
            } catch is BodyTimedOut {
                return GatewayResponse(status: 408)
            } catch {
                return GatewayResponse(status: 499)
            }
        }

        /// Sends bytes as one read, and runs the tasks they started.
        func send(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
            channel.embeddedEventLoop.run()
        }

        /// Runs the tasks the last event started.
        func run() {
            channel.embeddedEventLoop.run()
        }

        /// Everything written since the last call, as text.
        func written() throws -> String {
            var text = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }
    }

    /// The answer `echo` gives `request` (method and target) with `body`.
    static func ok(_ request: String, body requestBody: String = "", close: Bool = false) -> String {
        let body = request + " " + requestBody
        return "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    @Test("A request sent one byte at a time starts at its head, is answered once its body is whole, and the connection stays open")
    func byteByByte() throws {
        let connection = try Connection()
        let request = "POST /echo?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        for byte in request.utf8.dropLast() {
            try connection.send(String(decoding: [byte], as: UTF8.self))
            #expect(try connection.written() == "")
        }
        try connection.send("o")
        #expect(try connection.written() == Self.ok("POST /echo?x=1", body: "hello"))
        #expect(connection.channel.isActive)
    }

    @Test("The pipeline gets the method, path, query, headers by name and the peer's address")
    func requestSeen() throws {
        let connection = try Connection(answer: { request in
            let seen = [request.method, request.path, request.query ?? "-", request.header("x-request-id") ?? "-",
                        request.header("X-Missing") ?? "-", request.clientAddress ?? "-"]
            return GatewayResponse(status: 200, body: Array(seen.joined(separator: "|").utf8))
        })
        try connection.send("DELETE /a/b?c=d&e HTTP/1.1\r\nHost: x\r\nX-Request-ID: r-9\r\n\r\n")
        #expect(try connection.written().hasSuffix("\r\n\r\nDELETE|/a/b|c=d&e|r-9|-|10.1.2.3"))
    }

    @Test("Pipelined requests wait behind the one in flight, reads are held meanwhile, and the answers come in order")
    func pipelined() throws {
        let connection = try Connection()
        try connection.send("GET /slow HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz")
        #expect(try connection.written() == "")
        let reads = connection.counter.reads
        connection.channel.read()
        #expect(connection.counter.reads == reads)
        connection.release.succeed()
        connection.run()
        #expect(try connection.written() == Self.ok("GET /slow") + Self.ok("GET /b") + Self.ok("POST /c", body: "xyz"))
        #expect(connection.counter.reads == reads + 1)
        connection.channel.read()
        #expect(connection.counter.reads == reads + 2)
        #expect(connection.channel.isActive)
    }

    @Test("Connection: close in the middle of a pipeline: that answer says so, is the last, and the connection closes")
    func closeMidPipeline() throws {
        let connection = try Connection()
        try connection.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\nGET /c HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == Self.ok("GET /a") + Self.ok("GET /b", close: true))
        #expect(!connection.channel.isActive)
    }

    @Test("HTTP/1.0 is answered in 1.0 and closed unless it asks for keep-alive; HEAD gets the head without the body")
    func versionsAndHead() throws {
        let kept = try Connection()
        try kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try kept.written() == "HTTP/1.0 200 OK\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\nGET /a ")
        try kept.send("HEAD /b HTTP/1.0\r\n\r\n")
        #expect(try kept.written() == "HTTP/1.0 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\n")
        #expect(!kept.channel.isActive)
    }

    @Test("A half-closed connection gets the answers to what it sent, the last with Connection: close, and is closed")
    func halfClosed() throws {
        let connection = try Connection()
        try connection.send("GET /a HTTP/1.1\r\n\r\nGET /slow HTTP/1.1\r\n\r\n")
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        connection.release.succeed()
        connection.run()
        #expect(try connection.written() == Self.ok("GET /a") + Self.ok("GET /slow", close: true))
        #expect(!connection.channel.isActive)
    }

    @Test("A body broken off behind a waiting pipelined request fails that request's wait for it: 400 with Connection: close, then closed")
    func brokenBodyBehindWaiting() throws {
        let connection = try Connection()
        try connection.send("GET /slow HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nZZ\r\n")
        connection.release.succeed()
        connection.run()
        #expect(try connection.written() == Self.ok("GET /slow") + Self.badRequest)
        #expect(!connection.channel.isActive)
    }

    static let badRequest = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    static let requestTimeout = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    @Test("A head not whole within the read timeout (10 s) of its first byte gets 408 with Connection: close, and the connection closes")
    func headTimeout() throws {
        let connection = try Connection()
        try connection.send("GET /a HTTP/1.1\r\n")
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try connection.send("Host: x\r\n")
        #expect(try connection.written() == "")
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try connection.written() == Self.requestTimeout)
        #expect(!connection.channel.isActive)
    }

    @Test("A kept-alive connection idle for the idle timeout (60 s) is closed without an answer")
    func idleTimeout() throws {
        let connection = try Connection()
        try connection.send("GET /a HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == Self.ok("GET /a"))
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(connection.channel.isActive)
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try connection.written() == "")
        #expect(!connection.channel.isActive)
    }

    @Test("A body that stops arriving for the read timeout fails the pipeline's wait; its answer says Connection: close, and the connection closes")
    func bodyTimeout() throws {
        let connection = try Connection()
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        try connection.send("de")
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(try connection.written() == "")
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        connection.run()
        #expect(try connection.written() == Self.requestTimeout)
        #expect(!connection.channel.isActive)
    }

    @Test("Expect: 100-continue gets 100 Continue when the pipeline asks for the body, then the answer")
    func continueWhenAsked() throws {
        let connection = try Connection()
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try connection.written() == "HTTP/1.1 100 Continue\r\n\r\n")
        try connection.send("hello")
        #expect(try connection.written() == Self.ok("POST /a", body: "hello"))
        #expect(connection.channel.isActive)
    }

    @Test("Expect: 100-continue refused before the body is asked for: the answer without a 100, Connection: close, and closed")
    func noContinueWhenRefused() throws {
        let connection = try Connection(answer: { _ in GatewayResponse(status: 401) })
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try connection.written() == "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(!connection.channel.isActive)
    }

    @Test("A refused request with more than 64 KiB of body left is answered with Connection: close and closed, its body not read")
    func refusedLargeBodyCloses() throws {
        let connection = try Connection(answer: { _ in GatewayResponse(status: 401) })
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 10485760\r\n\r\n" + String(repeating: "x", count: 1000))
        #expect(try connection.written() == "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(!connection.channel.isActive)
    }

    @Test("A Content-Length over the limit is refused with 413 as soon as the body is asked for, and the connection closes")
    func declaredTooLarge() throws {
        let connection = try Connection()
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 100000\r\n\r\nab")
        #expect(try connection.written() == "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(!connection.channel.isActive)
    }

    @Test("A connection half-closed in the middle of a body: the body is broken, 400 with Connection: close, then closed")
    func halfClosedMidBody() throws {
        let connection = try Connection()
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        connection.run()
        #expect(try connection.written() == Self.badRequest)
        #expect(!connection.channel.isActive)
    }

    @Test("A chunked body whose framing breaks: 400 with Connection: close, then closed, nothing after it read")
    func brokenChunkedBody() throws {
        let connection = try Connection()
        try connection.send("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\nxy\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == Self.badRequest)
        #expect(!connection.channel.isActive)
    }

    @Test("A well-framed chunked body is handed over whole")
    func chunkedBody() throws {
        let connection = try Connection()
        try connection.send("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        #expect(try connection.written() == Self.ok("POST /a", body: "abcde"))
    }

    @Test("A body over the limit is refused with 413 at its end, and the connection serves the next request")
    func bodyTooLarge() throws {
        let connection = try Connection()
        let body = String(repeating: "x", count: 17)
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 17\r\n\r\n\(body)GET /b HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n" + Self.ok("GET /b"))
        #expect(connection.channel.isActive)
    }

    @Test("A body the pipeline never reads is read and dropped after the answer, and the next request is served")
    func bodyNotRead() throws {
        let connection = try Connection(answer: { request in
            GatewayResponse(status: 401, body: Array(request.path.utf8))
        })
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 40\r\n\r\nfirst part")
        #expect(try connection.written() == "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n/a")
        try connection.send(String(repeating: "y", count: 30) + "GET /b HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n/b")
        #expect(connection.channel.isActive)
    }

    @Test("Bytes that are not HTTP: 400 with Connection: close at once, then closed")
    func notHTTP() throws {
        let connection = try Connection()
        try connection.send("HELLO THERE\r\n\r\n")
        #expect(try connection.written() == Self.badRequest)
        #expect(!connection.channel.isActive)
    }

    @Test("Bytes that are not HTTP behind pipelined requests: those are answered first, then 400 and closed")
    func notHTTPAfterPipelined() throws {
        let connection = try Connection()
        try connection.send("GET /slow HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nHELLO THERE\r\n\r\n")
        #expect(try connection.written() == "")
        connection.release.succeed()
        connection.run()
        #expect(try connection.written() == Self.ok("GET /slow") + Self.ok("GET /b")
            + "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(!connection.channel.isActive)
    }

    @Test("Quiescing closes an idle connection at once")
    func quiesceIdle() throws {
        let connection = try Connection()
        try connection.send("GET /a HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == Self.ok("GET /a"))
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!connection.channel.isActive)
    }

    @Test("Quiescing a busy connection: its answer says Connection: close and is the last; the waiting requests are dropped")
    func quiesceBusy() throws {
        let connection = try Connection()
        try connection.send("GET /slow HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(connection.channel.isActive)
        connection.release.succeed()
        connection.run()
        #expect(try connection.written() == Self.ok("GET /slow", close: true))
        #expect(!connection.channel.isActive)
    }

    @Test("A connection closed in the middle of a body: the decoder reports the body broken, and the pipeline's wait fails so")
    func closedWhileReadingBody() throws {
        let seen = Mutex<Int?>(nil)
        let connection = try Connection(answer: { request in
            let answer = await Connection.echo(request)
            seen.withLock { $0 = answer.status }
            return answer
        })
        try connection.send("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        #expect(seen.withLock { $0 } == nil)
        try connection.channel.close().wait()
        connection.run()
        #expect(seen.withLock { $0 } == 400)
    }

    @Test("A streamed answer goes out in chunks ended by the last chunk; HTTP/1.0 gets it unframed, then the close")
    func streamed() throws {
        let stream: @Sendable (GatewayRequest) async -> GatewayResponse = { _ in
            GatewayResponse(status: 200, headers: [("Content-Type", "application/x-ndjson")], stream: { writer in
                try await writer.write(Array("abc".utf8))
                try await writer.write([])
                try await writer.write(Array("de".utf8))
            })
        }
        let chunked = try Connection(answer: stream)
        try chunked.send("GET /a HTTP/1.1\r\n\r\n")
        #expect(try chunked.written() == "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        #expect(chunked.channel.isActive)

        let unframed = try Connection(answer: stream)
        try unframed.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try unframed.written() == "HTTP/1.0 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\nabcde")
        #expect(!unframed.channel.isActive)
    }

    @Test("A stream that fails midway closes the connection without the last chunk")
    func streamFails() throws {
        struct Broken: Error {}
        let connection = try Connection(answer: { _ in
            GatewayResponse(status: 200, stream: { writer in
                try await writer.write(Array("abc".utf8))
                throw Broken()
            })
        })
        try connection.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
        #expect(try connection.written() == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        #expect(!connection.channel.isActive)
    }
}
