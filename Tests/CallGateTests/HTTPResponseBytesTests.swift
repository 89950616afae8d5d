import NIOCore
import NIOHTTP1
import Testing

@testable import CallGate

/// The exact bytes of the answers the connection writes.
@Suite("HTTP response bytes")
struct HTTPResponseBytesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let answer: GatewayResponse
        let version: HTTPVersion
        let keepAlive: Bool
        let omitBody: Bool
        let bytes: String
        var testDescription: String { name }

        init(_ name: String, _ answer: GatewayResponse, version: HTTPVersion = .http1_1, keepAlive: Bool = true,
             omitBody: Bool = false, _ bytes: String) {
            self.name = name
            self.answer = answer
            self.version = version
            self.keepAlive = keepAlive
            self.omitBody = omitBody
            self.bytes = bytes
        }
    }

    static let json = [(name: "Content-Type", value: "application/json")]

    static let answers: [Case] = [
        Case("HTTP/1.1 kept alive: status line, headers in order, Content-Length, no Connection header",
             GatewayResponse(status: 200, headers: json + [("X-Request-ID", "r-1")], body: Array(#"{"a":1}"#.utf8)),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-ID: r-1\r\nContent-Length: 7\r\n\r\n{\"a\":1}"),
        Case("HTTP/1.1 not kept alive: Connection: close after the framing header",
             GatewayResponse(status: 404, headers: json, body: Array("{}".utf8)), keepAlive: false,
             "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"),
        Case("HTTP/1.0 kept alive says so, since 1.0 closes otherwise",
             GatewayResponse(status: 200, body: Array("ok".utf8)), version: .http1_0,
             "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"),
        Case("HTTP/1.0 not kept alive",
             GatewayResponse(status: 200, body: Array("ok".utf8)), version: .http1_0, keepAlive: false,
             "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        Case("An empty body is framed with Content-Length: 0",
             GatewayResponse(status: 202), "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"),
        Case("HEAD: the head a GET would get, its length included, without the body",
             GatewayResponse(status: 200, headers: json, body: Array("{}".utf8)), omitBody: true,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"),
        Case("204 has neither framing header nor body, even when the answer carries bytes",
             GatewayResponse(status: 204, headers: [("X-Request-ID", "r-2")], body: Array("ignored".utf8)),
             "HTTP/1.1 204 No Content\r\nX-Request-ID: r-2\r\n\r\n"),
        Case("304 has neither framing header nor body",
             GatewayResponse(status: 304), keepAlive: false, "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n"),
        Case("A status with three digits and a reason phrase NIO knows",
             GatewayResponse(status: 503, body: Array("x".utf8)), "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1\r\n\r\nx"),
        Case("A status NIO has no reason phrase for",
             GatewayResponse(status: 599), "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n"),
        Case("A large Content-Length in decimal",
             GatewayResponse(status: 200, body: [UInt8](repeating: 0x61, count: 1_234_567)), omitBody: true,
             "HTTP/1.1 200 OK\r\nContent-Length: 1234567\r\n\r\n"),
    ]

    @Test("A whole answer is exactly these bytes", arguments: answers)
    func answer(_ example: Case) {
        let buffer = HTTPResponseBytes.answer(example.answer, version: example.version, keepAlive: example.keepAlive,
                                              omitBody: example.omitBody, allocator: ByteBufferAllocator())
        #expect(String(buffer: buffer) == example.bytes)
    }

    @Test("A whole answer fits the room reserved for it, so writing it never grows the buffer")
    func capacity() {
        let answer = GatewayResponse(status: 200, headers: Self.json + [("X-Request-ID", String(repeating: "r", count: 128))],
                                     body: [UInt8](repeating: 0x61, count: 300))
        let buffer = HTTPResponseBytes.answer(answer, version: .http1_1, keepAlive: false, omitBody: false, allocator: ByteBufferAllocator())
        #expect(buffer.readableBytes <= HTTPResponseBytes.headCapacity(answer.headers) + 300)
    }

    @Test("Streamed heads: chunked for HTTP/1.1, unframed for HTTP/1.0", arguments: [
        (HTTPResponseBytes.Framing.chunked, HTTPVersion.http1_1, true,
         "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"),
        (.none, .http1_0, false, "HTTP/1.0 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n"),
    ])
    func streamedHead(framing: HTTPResponseBytes.Framing, version: HTTPVersion, keepAlive: Bool, bytes: String) {
        var buffer = ByteBuffer()
        HTTPResponseBytes.writeHead(status: 200, headers: [("Content-Type", "application/x-ndjson")], framing: framing,
                                    keepAlive: keepAlive, version: version, into: &buffer)
        #expect(String(buffer: buffer) == bytes)
    }

    @Test("Body pieces: a chunk is its size in hex, CRLF, the bytes, CRLF; unframed they are as they are", arguments: [
        ("abc", true, "3\r\nabc\r\n"), (String(repeating: "x", count: 26), true, "1a\r\n" + String(repeating: "x", count: 26) + "\r\n"),
        ("abc", false, "abc"),
    ])
    func bodyPiece(text: String, chunked: Bool, bytes: String) {
        let buffer = HTTPResponseBytes.bodyPiece(Array(text.utf8), chunked: chunked, allocator: ByteBufferAllocator())
        #expect(String(buffer: buffer) == bytes)
    }

    @Test("The last chunk is a zero size and a blank line")
    func lastChunk() {
        #expect(HTTPResponseBytes.lastChunk.description == "0\r\n\r\n")
    }

    @Test("Decimals are written without a String, for every magnitude", arguments: [0, 7, 10, 99, 100, 65_535, Int.max])
    func decimal(value: Int) {
        var buffer = ByteBuffer()
        HTTPResponseBytes.writeDecimal(value, into: &buffer)
        #expect(String(buffer: buffer) == String(value))
    }

    @Test("Only 1xx, 204 and 304 have no body", arguments: [(100, false), (101, false), (199, false), (200, true), (204, false),
                                                           (205, true), (304, false), (400, true), (502, true)])
    func hasBody(status: Int, expected: Bool) {
        #expect(HTTPResponseBytes.hasBody(status: status) == expected)
    }
}
