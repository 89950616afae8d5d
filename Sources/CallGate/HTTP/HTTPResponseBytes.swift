import NIOCore
import NIOHTTP1

/// HTTP/1.x answers as bytes (RFC 9112): status line, the answer's headers in order, the framing
/// header, `Connection` when the answer says anything about it, the blank line, and the body.
///
/// The connection writes these bytes itself, head and body in one buffer and one write, rather than
/// through NIO's response encoder, which builds an `HTTPHeaders` per answer and writes head, body
/// and end as three parts. Every header the gateway writes is a constant, a number, an accepted
/// X-Request-ID (`RequestID.accept`) or LiveVox's visible-ASCII Content-Type
/// (`Gateway.passThrough`), so none is validated on the way out.
enum HTTPResponseBytes {
    /// How the body that follows the head is delimited.
    enum Framing {
        /// `Content-Length`.
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
        /// Neither: the body ends when the connection closes (HTTP/1.0), or there is none.
        case none
    }

    /// The end of a chunked body: the zero-size chunk and the blank line.
    static let lastChunk: StaticString = "0\r\n\r\n"

    /// Whether an answer with `status` may have a body and its framing header: not 1xx, 204 or 304
    /// (RFC 9110 8.6 and 15.3.5, RFC 9112 6.3). A 204 relayed from LiveVox is sent without them.
    static func hasBody(status: Int) -> Bool {
        !(100..<200).contains(status) && status != 204 && status != 304
    }

    /// Room for a head with `headers`, so that writing it does not grow the buffer.
    static func headCapacity(_ headers: [(name: String, value: String)]) -> Int {
        var capacity = 128
        for header in headers { capacity += header.name.utf8.count + header.value.utf8.count + 4 }
        return capacity
    }

    /// A whole answer whose body is in memory, sized by `Content-Length` (the length of the body a
    /// GET would get also for HEAD, `omitBody`), or without framing header and body where the status
    /// has none: one buffer, allocated once at its final size.
    static func answer(
        _ answer: GatewayResponse, version: HTTPVersion, keepAlive: Bool, omitBody: Bool, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let hasBody = hasBody(status: answer.status)
        let body = omitBody || !hasBody ? 0 : answer.body.count
        var buffer = allocator.buffer(capacity: headCapacity(answer.headers) + body)
        writeHead(status: answer.status, headers: answer.headers, framing: hasBody ? .length(answer.body.count) : .none,
                  keepAlive: keepAlive, version: version, into: &buffer)
        if body > 0 { buffer.writeBytes(answer.body) }
        return buffer
    }

    /// One piece of a streamed body: as a chunk (size line, bytes, CRLF) or, unframed, as it is.
    static func bodyPiece(_ bytes: [UInt8], chunked: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: bytes.count + (chunked ? 20 : 0))
        if chunked { writeChunkSize(bytes.count, into: &buffer) }
        buffer.writeBytes(bytes)
        if chunked { buffer.writeStaticString("\r\n") }
        return buffer
    }

    /// The head: status line with the reason phrase, `headers` in order, the framing header, then
    /// `Connection: close` when the connection ends after this answer, or `Connection: keep-alive`
    /// for HTTP/1.0, which closes after each answer unless the answer says otherwise.
    static func writeHead(
        status: Int, headers: [(name: String, value: String)], framing: Framing, keepAlive: Bool, version: HTTPVersion,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeStaticString(version.major == 1 && version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeDecimal(status, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
        buffer.writeStaticString("\r\n")
        for header in headers {
            buffer.writeString(header.name)
            buffer.writeStaticString(": ")
            buffer.writeString(header.value)
            buffer.writeStaticString("\r\n")
        }
        switch framing {
        case .length(let length):
            buffer.writeStaticString("Content-Length: ")
            writeDecimal(length, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .chunked:
            buffer.writeStaticString("Transfer-Encoding: chunked\r\n")
        case .none:
            break
        }
        if !keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if version.major == 1 && version.minor == 0 {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// A chunk's size line: the size in hex, CRLF.
    static func writeChunkSize(_ size: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(size, radix: 16))
        buffer.writeStaticString("\r\n")
    }

    /// `value` (not negative) in decimal, without making a String.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        precondition(value >= 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, room for any Int
        withUnsafeMutableBytes(of: &digits) { raw in
            var end = raw.count, rest = value
            repeat {
                end -= 1
                raw[end] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[end...]))
        }
    }
}
