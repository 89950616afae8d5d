import HTTPConnectionCore
import NIOCore
import NIOHTTP1

/// The connection's rules over NIO's types: what ``GatewayHTTPHandler`` runs.
typealias GatewayConnectionStateMachine = HTTPConnectionStateMachine<NIOConnectionTypes>

/// NIO's request head, body bytes and clock, and the facts the connection's rules read from them.
enum NIOConnectionTypes: HTTPConnectionTypes {
    typealias Head = HTTPRequestHead
    typealias Piece = ByteBuffer
    typealias Instant = NIODeadline
    typealias Duration = TimeAmount

    static func contentLength(of head: HTTPRequestHead) -> Int? {
        guard !head.headers.contains(name: "transfer-encoding") else { return nil }
        return head.headers.first(name: "content-length").flatMap { Int($0) }
    }

    static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version.major == 1 && head.version.minor >= 1
            && head.headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
    }

    @inline(__always)
    static func byteCount(of piece: ByteBuffer) -> Int {
        piece.readableBytes
    }

    @inline(__always)
    static func append(_ piece: inout ByteBuffer, to kept: inout ByteBuffer) {
        kept.writeBuffer(&piece)
    }

    static func bytes(of piece: ByteBuffer) -> [UInt8] {
        Array(piece.readableBytesView)
    }

    @inline(__always)
    static func instant(_ instant: NIODeadline, plus duration: TimeAmount) -> NIODeadline {
        instant + duration
    }
}

extension HTTPRequestPart where Head == HTTPRequestHead, Piece == ByteBuffer {
    /// The part NIO's decoder read (trailers are not the connection's concern).
    init(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head): self = .head(head)
        case .body(let bytes): self = .body(bytes)
        case .end: self = .end
        }
    }
}
