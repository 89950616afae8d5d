/// The types the connection's rules are written over, and the few facts the rules read from them:
/// a request head, a piece of a body, and the clock's instants and durations.
///
/// The service gives NIO's types (`HTTPRequestHead`, `ByteBuffer`, `NIODeadline`, `TimeAmount`);
/// the fuzz harness gives plain values, so that the rules build and run without NIO.
public protocol HTTPConnectionTypes {
    /// A request's head, handed back to the handler when the request starts.
    associatedtype Head
    /// A piece of a request's body as the decoder hands it over.
    associatedtype Piece
    /// A point on the connection's clock.
    associatedtype Instant: Comparable
    /// A time limit.
    associatedtype Duration: Equatable

    /// The body's length when `Content-Length` gives it (not for a chunked body).
    static func contentLength(of head: Head) -> Int?
    /// The client waits for `100 Continue` before sending its body (HTTP/1.1, RFC 9110 10.1.1).
    static func expectsContinue(_ head: Head) -> Bool
    /// The number of bytes in `piece`.
    static func byteCount(of piece: Piece) -> Int
    /// Appends `piece` to `kept` (`piece` may be consumed).
    static func append(_ piece: inout Piece, to kept: inout Piece)
    /// The bytes of `piece`, as the pipeline gets them.
    static func bytes(of piece: Piece) -> [UInt8]
    /// `duration` after `instant`.
    static func instant(_ instant: Instant, plus duration: Duration) -> Instant
}

/// What the decoder read of a request: its head, a piece of its body, its end.
public enum HTTPRequestPart<Head, Piece> {
    /// The request line and headers.
    case head(Head)
    /// A piece of the body.
    case body(Piece)
    /// The end of the request (trailers, if any, are not the connection's concern).
    case end

    @inlinable
    var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}

extension HTTPRequestPart: Equatable where Head: Equatable, Piece: Equatable {}

extension HTTPRequestPart: Sendable where Head: Sendable, Piece: Sendable {}
