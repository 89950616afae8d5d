import NIOCore
import NIOHTTP1

/// The rules of one HTTP/1.1 connection, as a value: events in (a request part, a parse error, a
/// read, an answer written, quiescing, the input closed, the channel gone), actions out (start a
/// request, hand it its body, refuse bytes that are not HTTP, read, close). The channel handler
/// (``GatewayHTTPHandler``) performs the actions and holds what they act on (the body promise, the
/// channel); this type holds no I/O, so every rule is tested without a connection.
///
/// The rules:
/// - Requests are answered in order. A request starts as soon as its head arrives, unless an answer
///   is pending: then it and everything after it waits, and starts when the answers before it end.
/// - A body is collected up to `maxBodyBytes`; beyond that the rest is read and dropped, so the
///   connection stays usable after the 413, and the pipeline learns at the body's end.
/// - Reads are held back only while requests wait, so a client cannot queue more than one read's
///   worth of them; NIO's pipelining handler would stop reading while any request is in flight and
///   start again after each answer, two `epoll_ctl` calls per request.
/// - Bytes that are not HTTP get 400 and the connection closes, after the answers to the requests
///   before them; the decoder reads nothing after them. A body whose framing breaks off fails the
///   pipeline's wait for it (which answers 400), and that answer is the connection's last.
/// - Quiescing (graceful shutdown) drops the waiting requests: an idle connection closes at once, a
///   busy one after its answer, which says `Connection: close`.
/// - A connection whose input is closed (half-closed) stays open: its answers are still written, and
///   the connection ends when the client closes it.
struct HTTPConnectionStateMachine {
    /// What the handler does after an event.
    enum Action: Equatable {
        /// Nothing.
        case nothing
        /// Start the pipeline for this request; its body follows (``succeedBody(_:)`` or ``failBody(_:close:)``).
        case startRequest(HTTPRequestHead)
        /// The started request's body is complete: these bytes.
        case succeedBody([UInt8])
        /// The started request's body cannot be read; when `close`, its answer is already written
        /// and the connection closes now.
        case failBody(BodyFailure, close: Bool)
        /// Answer 400 with `Connection: close`, and close once it is written.
        case refuseMalformed
        /// Ask the channel for more bytes: a read that was held back.
        case read
        /// Close the connection now.
        case close
    }

    /// Why a started request's body cannot be read.
    enum BodyFailure: Equatable {
        /// Larger than `maxBodyBytes`.
        case tooLarge
        /// Its framing is not HTTP (a chunk size that is not hexadecimal, say).
        case malformed
        /// The connection ended before the body did.
        case connectionClosed
    }

    /// What the connection does once an answer's end is written.
    enum AfterAnswer: Equatable {
        /// Close it once the answer is sent: it was the connection's last.
        case close
        /// Serve the requests that waited: call ``nextWaiting()`` until it returns nil.
        case serveWaiting
    }

    /// The request whose turn it is.
    private enum Current {
        /// None: the next head starts one.
        case idle
        /// Started; `answered` once its answer's end is written (which may come before its body's end,
        /// when the pipeline did not need the body). Both done is `idle`.
        case started(body: Body, answered: Bool)
    }

    /// The started request's body.
    private enum Body {
        /// Being read: the bytes so far (nil before the first).
        case reading(ByteBuffer?)
        /// Over the limit: the rest is read and dropped.
        case tooLarge
        /// Handed to the pipeline, or failed.
        case done

        /// The body has not been handed to the pipeline yet.
        var isOpen: Bool {
            if case .done = self { return false }
            return true
        }
    }

    /// What arrived while an answer was pending, oldest first.
    private enum Waiting {
        case part(HTTPServerRequestPart)
        /// The bytes after the parts before it were not HTTP.
        case malformed
    }

    private let maxBodyBytes: Int
    private var current = Current.idle
    private var waiting = CircularBuffer<Waiting>()
    /// A read the channel asked for while requests were waiting.
    private var readHeld = false
    /// The pending answer is the connection's last: the server is shutting down, or the request
    /// being read stopped being HTTP.
    private var lastAnswer = false

    /// A connection that collects bodies up to `maxBodyBytes`.
    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// A request has started and its answer's end is not written yet.
    private var answerPending: Bool {
        if case .started(_, answered: false) = current { return true }
        return false
    }

    /// The decoder read a part of a request.
    mutating func partReceived(_ part: HTTPServerRequestPart) -> Action {
        if waiting.isEmpty, !(answerPending && part.isHead) { return receive(part) }
        if !lastAnswer { waiting.append(.part(part)) }
        return .nothing
    }

    /// The decoder found bytes that are not HTTP; it reads nothing after them.
    mutating func parseFailed() -> Action {
        if case .started(let body, let answered) = current, body.isOpen {
            current = answered ? .idle : .started(body: .done, answered: false)
            lastAnswer = true
            waiting.removeAll()
            return .failBody(.malformed, close: answered)
        }
        if !answerPending { return .refuseMalformed }
        if !lastAnswer { waiting.append(.malformed) }
        return .nothing
    }

    /// The channel asks for more bytes.
    mutating func readRequested() -> Action {
        guard waiting.isEmpty else {
            readHeld = true
            return .nothing
        }
        return .read
    }

    /// The server is shutting down gracefully.
    mutating func quiesce() -> Action {
        lastAnswer = true
        waiting.removeAll()
        return answerPending ? .nothing : .close
    }

    /// The client closed its side of the connection. Nothing changes: the answers to what it sent
    /// are written, and the connection stays open until the client closes it.
    func inputClosed() -> Action {
        .nothing
    }

    /// The channel is closed.
    mutating func channelInactive() -> Action {
        waiting.removeAll()
        guard case .started(let body, let answered) = current, body.isOpen else { return .nothing }
        current = answered ? .idle : .started(body: .done, answered: false)
        return .failBody(.connectionClosed, close: false)
    }

    /// Whether the connection stays open after an answer to a request that asked for it
    /// (`requested`); the answer's head says so.
    func keepsAlive(requested: Bool) -> Bool {
        requested && !lastAnswer
    }

    /// The pending answer's end is written; `keepAlive` is what its head said.
    mutating func answerEnded(keepAlive: Bool) -> AfterAnswer {
        switch current {
        case .idle:
            assertionFailure("An answer ended with no request started.")
        case .started(let body, _):
            if case .done = body { current = .idle } else { current = .started(body: body, answered: true) }
        }
        return keepAlive && !lastAnswer ? .serveWaiting : .close
    }

    /// After ``answerEnded(keepAlive:)`` said ``AfterAnswer/serveWaiting``: the next thing to do for
    /// the requests that waited, or nil when the rest must wait for another answer (or none waits).
    mutating func nextWaiting() -> Action? {
        while let first = waiting.first {
            switch first {
            case .malformed:
                guard !answerPending else { return nil }
                waiting.removeAll()
                // The connection closes after the refusal: no more bytes are read.
                readHeld = false
                return .refuseMalformed
            case .part(let part):
                if answerPending, part.isHead { return nil }
                waiting.removeFirst()
                let action = receive(part)
                if case .nothing = action { continue }
                return action
            }
        }
        guard readHeld else { return nil }
        readHeld = false
        return .read
    }

    /// One part of the request whose turn it is.
    private mutating func receive(_ part: HTTPServerRequestPart) -> Action {
        switch part {
        case .head(let head):
            current = .started(body: .reading(nil), answered: false)
            return .startRequest(head)
        case .body(var bytes):
            guard case .started(.reading(var collected), let answered) = current else { return .nothing }
            // Released from `current` first, so that appending does not copy the bytes so far.
            current = .started(body: .done, answered: answered)
            if (collected?.readableBytes ?? 0) + bytes.readableBytes > maxBodyBytes {
                current = .started(body: .tooLarge, answered: answered)
                return .nothing
            }
            if collected == nil { collected = bytes } else { collected!.writeBuffer(&bytes) }
            current = .started(body: .reading(collected), answered: answered)
            return .nothing
        case .end:
            guard case .started(let body, let answered) = current, body.isOpen else { return .nothing }
            current = answered ? .idle : .started(body: .done, answered: false)
            guard case .reading(let collected) = body else { return .failBody(.tooLarge, close: false) }
            return .succeedBody(collected.map { Array($0.readableBytesView) } ?? [])
        }
    }
}

extension HTTPServerRequestPart {
    fileprivate var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}
