/// The rules of one HTTP/1.1 connection, as a value: events in (a request part, a parse error, a
/// read, the pipeline asking for the body, an answer written, a timer, quiescing, the input closed,
/// the channel gone), actions out (start a request, hand it its body, refuse, read, close). The
/// service's channel handler (`GatewayHTTPHandler`) performs the actions and holds what they act on
/// (the body promise, the channel, the timer); this type holds no I/O and is given the time, so every
/// rule is tested without a connection or a clock.
///
/// It is generic over ``HTTPConnectionTypes`` and knows nothing of NIO, so that a fuzz harness links
/// it without the server's dependencies; it is `@inlinable` so that the service's build specializes
/// it for NIO's types as if it were its own.
///
/// The rules:
/// - Requests are answered in order. A request starts as soon as its head arrives, unless an answer
///   is pending: then it and everything after it waits, and starts when the answers before it end.
/// - A body is kept only for a pipeline that asks for it. Until it asks, reads are held, so at most
///   one read's worth is kept; `Expect: 100-continue` is answered with `100 Continue` when it asks.
///   A body is kept up to `maxBodyBytes` (a `Content-Length` over it is refused as soon as the body
///   is asked for); beyond, the pipeline's wait fails and the rest is dropped.
/// - An answer written while its body is still arriving (a refusal before the body was read): the
///   rest is read and dropped when its length is known and at most ``drainLimit`` bytes remain, as
///   nginx's lingering close does; otherwise (more, chunked, or a client still waiting for its 100)
///   the answer says `Connection: close` and is the connection's last.
/// - Reads are also held while requests wait, so a client cannot queue more than one read's worth
///   of them; NIO's pipelining handler would stop reading while any request is in flight and start
///   again after each answer, two `epoll_ctl` calls per request.
/// - Time limits: the first head must arrive whole within `readTimeout` of the connection's start;
///   between requests the connection may be idle `idleTimeout`, after which it is closed; a head
///   whose first bytes came must be whole within `readTimeout` of them (408 otherwise, and close); a
///   body being read (for the pipeline, or dropped after the answer) may pause at most `readTimeout`
///   between reads (the pipeline's wait fails, its answer is the last; or, after the answer, close).
///   While the gateway works on a request, no limit of the connection's runs.
/// - Bytes that are not HTTP get 400 and the connection closes, after the answers to the requests
///   before them; the decoder reads nothing after them. A body whose framing breaks off fails the
///   pipeline's wait for it (at once, or when it asks), and that request's answer is the last.
/// - Quiescing (graceful shutdown) drops the waiting requests: an idle connection closes at once, a
///   busy one after its answer, which says `Connection: close`.
/// - A connection whose input is closed (half-closed) is closed once no answer is pending: the
///   requests it sent before are answered, the last of them with `Connection: close`.
/// - The connection's last answer (a refusal, or an answer that does not keep the connection) is
///   written whole and then closes it: after it is decided, no request starts, nothing is refused,
///   and neither a timer, quiescing, a half-close nor a broken body closes the connection again.
public struct HTTPConnectionStateMachine<Types: HTTPConnectionTypes> {
    /// What the decoder hands over.
    public typealias Part = HTTPRequestPart<Types.Head, Types.Piece>

    /// What the handler does after an event.
    public enum Action {
        /// Nothing.
        case nothing
        /// Start the pipeline for this request; it may ask for its body (``bodyRequested(now:)``).
        case startRequest(Types.Head)
        /// The body the pipeline asked for is complete: these bytes.
        case succeedBody([UInt8])
        /// The body the pipeline asked for cannot be read.
        case failBody(HTTPBodyFailure)
        /// The body the pipeline asked for is still arriving: write `100 Continue` first when
        /// `sendContinue`, and make the held read when `read`.
        case readBody(sendContinue: Bool, read: Bool)
        /// Answer with this refusal and `Connection: close`, and close once it is written.
        case refuse(HTTPConnectionRefusal)
        /// Ask the channel for more bytes: a read that was held back.
        case read
        /// Close the connection now.
        case close
    }

    /// The time limits of a connection.
    public struct Timeouts {
        /// The longest a head may take from its first byte, and a body between two reads.
        public var read: Types.Duration
        /// The longest a kept-alive connection waits for its next request.
        public var idle: Types.Duration

        /// Limits of `read` and `idle`.
        @inlinable
        public init(read: Types.Duration, idle: Types.Duration) {
            self.read = read
            self.idle = idle
        }
    }

    /// The most bytes of a refused request's body read and dropped after its answer, to keep the
    /// connection; a body with more left closes it instead.
    public static var drainLimit: Int { 64 << 10 }

    /// The request whose turn it is: started, and not both answered and at its body's end.
    @usableFromInline
    struct Request {
        @usableFromInline let head: Types.Head
        @usableFromInline var body = Body.arriving(kept: nil)
        /// The pipeline asked for the body.
        @usableFromInline var asked = false
        /// `100 Continue` was written.
        @usableFromInline var continued = false
        /// The answer's end is written (which may come before the body's end).
        @usableFromInline var answered = false
        /// The body's bytes received so far, kept or not.
        @usableFromInline var received = 0

        @inlinable
        init(head: Types.Head) {
            self.head = head
        }
    }

    /// A started request's body.
    @usableFromInline
    enum Body {
        /// Arriving, the bytes so far kept for the pipeline.
        case arriving(kept: Types.Piece?)
        /// Arriving, and dropped; `pending`: the failure the pipeline gets when it asks.
        case dropping(pending: HTTPBodyFailure?)
        /// Nothing more comes; `pending`: what the pipeline gets when it asks (nil once given, or
        /// when it never will ask).
        case ended(pending: Result<Types.Piece?, HTTPBodyFailure>?)

        @inlinable
        var isOpen: Bool {
            if case .ended = self { return false }
            return true
        }
    }

    /// What arrived while an answer was pending, oldest first.
    @usableFromInline
    enum Waiting {
        case part(Part)
        /// The bytes after the parts before it were not HTTP.
        case malformed
    }

    /// What the connection waits for from the client, which says which time limit runs.
    @usableFromInline
    enum Awaited {
        /// Nothing: the gateway is working.
        case nothing
        /// The next request, on an idle connection.
        case nextRequest
        /// The rest of a head whose first bytes came (or the first head of the connection).
        case head
        /// More of a body.
        case body
    }

    @usableFromInline let maxBodyBytes: Int
    @usableFromInline let timeouts: Timeouts
    @usableFromInline var request: Request?
    @usableFromInline var waiting = FIFO<Waiting>()
    /// A read the channel asked for while reads were held.
    @usableFromInline var readHeld = false
    /// The pending answer is the connection's last: the server is shutting down, or the request
    /// being read stopped being HTTP or arriving.
    @usableFromInline var lastAnswer = false
    /// The connection's last answer or refusal is decided: the connection closes once it is written
    /// (while it is, reads and the client's half-close still come), and nothing after it starts, is
    /// refused or closes the connection again.
    @usableFromInline var closing = false
    /// The client closed its side: no request comes after those received.
    @usableFromInline var inputEnded = false
    /// With no request started: bytes of the next head came.
    @usableFromInline var headStarted = true
    /// The last read gave the decoder a part (rather than a piece of a head).
    @usableFromInline var partsInRead = false
    /// When what the connection awaits began to be awaited (for a body: the last read).
    @usableFromInline var awaitedSince: Types.Instant

    /// A connection started at `now`, keeping bodies up to `maxBodyBytes`.
    @inlinable
    public init(maxBodyBytes: Int, timeouts: Timeouts, now: Types.Instant) {
        self.maxBodyBytes = maxBodyBytes
        self.timeouts = timeouts
        awaitedSince = now
    }

    /// An answer is pending: a request has started and its answer's end is not written yet.
    @inlinable
    var answerPending: Bool {
        request.map { !$0.answered } ?? false
    }

    /// Reads wait while requests wait, and while a body arrives that the pipeline has not asked for.
    @inlinable
    var holdsReads: Bool {
        guard waiting.isEmpty else { return true }
        guard let request, !request.answered, !request.asked else { return false }
        return request.body.isOpen
    }

    @inlinable
    var awaited: Awaited {
        guard let request else { return headStarted ? .head : .nextRequest }
        guard request.body.isOpen, request.answered || request.asked else { return .nothing }
        return .body
    }

    /// When the connection's time limit runs out, or nil while the gateway works.
    @inlinable
    public var deadline: Types.Instant? {
        switch awaited {
        case .nothing: nil
        case .nextRequest: Types.instant(awaitedSince, plus: timeouts.idle)
        case .head, .body: Types.instant(awaitedSince, plus: timeouts.read)
        }
    }

    /// The decoder read a part of a request.
    @inlinable
    public mutating func partReceived(_ part: Part) -> Action {
        partsInRead = true
        if closing || lastAnswer && part.isHead { return .nothing }
        if waiting.isEmpty, !(answerPending && part.isHead) { return receive(part) }
        if !lastAnswer { waiting.append(.part(part)) }
        return .nothing
    }

    /// A read from the socket ended at `now` (whether or not it gave the decoder a whole part).
    @inlinable
    public mutating func readCompleted(now: Types.Instant) {
        defer { partsInRead = false }
        switch awaited {
        case .nextRequest:
            // A read that ended a body or a request leaves the connection idle from now; one that
            // only began a head starts the head's time limit.
            if !partsInRead { headStarted = true }
            awaitedSince = now
        case .body:
            awaitedSince = now
        case .head, .nothing:
            break
        }
    }

    /// The decoder found bytes that are not HTTP; it reads nothing after them.
    @inlinable
    public mutating func parseFailed() -> Action {
        // The connection already refused or is closing: its last answer is decided.
        if closing { return .nothing }
        if request?.body.isOpen == true {
            lastAnswer = true
            waiting.removeAll()
            return bodyBroken(.malformed)
        }
        if !answerPending {
            lastAnswer = true
            return last(.refuse(.malformed))
        }
        if !lastAnswer { waiting.append(.malformed) }
        return .nothing
    }

    /// The channel asks for more bytes.
    @inlinable
    public mutating func readRequested() -> Action {
        guard !holdsReads else {
            readHeld = true
            return .nothing
        }
        return .read
    }

    /// The started request's pipeline asks for its body, at `now`; it may ask again, and gets the
    /// same answer then.
    @inlinable
    public mutating func bodyRequested(now: Types.Instant) -> Action {
        guard var request else { return .failBody(.connectionClosed) }
        guard !request.asked else { return .nothing }
        request.asked = true
        defer { self.request = request }
        switch request.body {
        case .arriving:
            if let length = Types.contentLength(of: request.head), length > maxBodyBytes {
                request.body = .dropping(pending: nil)
                return .failBody(.tooLarge)
            }
            awaitedSince = now
            // A client that sent bytes of its body did not wait for the 100.
            request.continued = request.received == 0 && Types.expectsContinue(request.head)
            let read = readHeld && waiting.isEmpty
            if read { readHeld = false }
            return request.continued || read ? .readBody(sendContinue: request.continued, read: read) : .nothing
        case .dropping(let pending):
            request.body = .dropping(pending: nil)
            return .failBody(pending ?? .tooLarge)
        case .ended(let pending):
            request.body = .ended(pending: nil)
            switch pending {
            case .success(let kept)?: return .succeedBody(kept.map(Types.bytes(of:)) ?? [])
            case .failure(let failure)?: return .failBody(failure)
            case nil: return .failBody(.connectionClosed)
            }
        }
    }

    /// The timer set for ``deadline`` fired at `now`.
    @inlinable
    public mutating func timerFired(now: Types.Instant) -> Action {
        guard !closing, let deadline, deadline <= now else { return .nothing }
        switch awaited {
        case .nothing:
            return .nothing
        case .nextRequest:
            return last(.close)
        case .head:
            lastAnswer = true
            return last(.refuse(.timedOut))
        case .body:
            lastAnswer = true
            return bodyBroken(.timedOut)
        }
    }

    /// The server is shutting down gracefully.
    @inlinable
    public mutating func quiesce() -> Action {
        guard !closing else { return .nothing }
        lastAnswer = true
        waiting.removeAll()
        return answerPending ? .nothing : last(.close)
    }

    /// The client closed its side of the connection: what it sent is answered, then it closes.
    @inlinable
    public mutating func inputClosed() -> Action {
        inputEnded = true
        guard !closing else { return .nothing }
        return request == nil && waiting.isEmpty ? last(.close) : .nothing
    }

    /// The channel is closed.
    @inlinable
    public mutating func channelInactive() -> Action {
        waiting.removeAll()
        guard let request, request.body.isOpen, !request.answered else { return .nothing }
        return bodyBroken(.connectionClosed)
    }

    /// Whether the connection stays open after an answer to a request that asked for it
    /// (`requested`); the answer's head says so.
    @inlinable
    public func keepsAlive(requested: Bool) -> Bool {
        guard requested, !lastAnswer, !(inputEnded && waiting.isEmpty) else { return false }
        guard let request, request.body.isOpen else { return true }
        // The rest of the body is read after the answer only when it is short and sure to come.
        if Types.expectsContinue(request.head) && !request.continued { return false }
        guard let length = Types.contentLength(of: request.head) else { return false }
        return length - request.received <= Self.drainLimit
    }

    /// The pending answer's end is written at `now`; `keepAlive` is what its head said.
    @inlinable
    public mutating func answerEnded(keepAlive: Bool, now: Types.Instant) -> HTTPAfterAnswer {
        guard var request else {
            assertionFailure("An answer ended with no request started.")
            return .close
        }
        awaitedSince = now
        if request.body.isOpen {
            request.answered = true
            request.body = .dropping(pending: nil)
            self.request = request
        } else {
            self.request = nil
            headStarted = false
        }
        guard keepAlive, !lastAnswer, !(inputEnded && waiting.isEmpty && self.request == nil) else {
            closing = true
            return .close
        }
        return .serveWaiting
    }

    /// After ``answerEnded(keepAlive:now:)`` said ``HTTPAfterAnswer/serveWaiting``: the next thing
    /// to do for the requests that waited, or nil when the rest must wait for another answer (or none
    /// waits).
    @inlinable
    public mutating func nextWaiting() -> Action? {
        while let first = waiting.first {
            switch first {
            case .malformed:
                if request?.body.isOpen == true {
                    // The body of the request just started broke off: it fails when asked for.
                    waiting.removeAll()
                    readHeld = false
                    lastAnswer = true
                    let action = bodyBroken(.malformed)
                    if case .nothing = action { continue }
                    return action
                }
                guard !answerPending else { return nil }
                waiting.removeAll()
                // The connection closes after the refusal: no more bytes are read.
                readHeld = false
                lastAnswer = true
                return last(.refuse(.malformed))
            case .part(let part):
                if answerPending, part.isHead { return nil }
                waiting.removeFirst()
                let action = receive(part)
                if case .nothing = action { continue }
                return action
            }
        }
        guard readHeld, !holdsReads else { return nil }
        readHeld = false
        return .read
    }

    /// The started request's body will not arrive whole: the pipeline's wait fails now, or when it
    /// asks; after the answer, the connection closes.
    @inlinable
    mutating func bodyBroken(_ failure: HTTPBodyFailure) -> Action {
        guard var request else { return .nothing }
        defer { self.request = request }
        if request.answered { return last(.close) }
        let waitingPipeline: Bool
        if case .arriving = request.body { waitingPipeline = request.asked } else { waitingPipeline = false }
        if request.asked {
            request.body = .ended(pending: nil)
            return waitingPipeline ? .failBody(failure) : .nothing
        }
        request.body = .ended(pending: .failure(failure))
        return .nothing
    }

    /// `action`, the connection's last: it closes the connection, or refuses and then closes it.
    @inlinable
    mutating func last(_ action: Action) -> Action {
        closing = true
        return action
    }

    /// One part of the request whose turn it is.
    @inlinable
    mutating func receive(_ part: Part) -> Action {
        switch part {
        case .head(let head):
            request = Request(head: head)
            return .startRequest(head)
        case .body(var bytes):
            let count = Types.byteCount(of: bytes)
            guard var request, case .arriving(var kept) = request.body else {
                self.request?.received += count
                return .nothing
            }
            request.received += count
            // Released from `request` first, so that appending does not copy the bytes so far.
            request.body = .ended(pending: nil)
            self.request = nil
            defer { self.request = request }
            if request.received > maxBodyBytes {
                request.body = .dropping(pending: request.asked ? nil : .tooLarge)
                return request.asked ? .failBody(.tooLarge) : .nothing
            }
            if kept == nil {
                kept = bytes
            } else {
                Types.append(&bytes, to: &kept!)
            }
            request.body = .arriving(kept: kept)
            return .nothing
        case .end:
            guard var request, request.body.isOpen else { return .nothing }
            if request.answered {
                // The rest of a refused request's body is dropped: the connection is idle again.
                self.request = nil
                headStarted = false
                return .nothing
            }
            defer { self.request = request }
            switch request.body {
            case .arriving(let kept):
                guard request.asked else {
                    request.body = .ended(pending: .success(kept))
                    return .nothing
                }
                request.body = .ended(pending: nil)
                return .succeedBody(kept.map(Types.bytes(of:)) ?? [])
            case .dropping(let pending):
                request.body = .ended(pending: pending.map { .failure($0) })
                return .nothing
            case .ended:
                return .nothing
            }
        }
    }
}

extension HTTPConnectionStateMachine.Action: Equatable where Types.Head: Equatable {}

extension HTTPConnectionStateMachine.Action: Sendable where Types.Head: Sendable {}

extension HTTPConnectionStateMachine.Timeouts: Equatable {}

extension HTTPConnectionStateMachine.Timeouts: Sendable where Types.Duration: Sendable {}

/// Why a body the pipeline asked for cannot be read.
public enum HTTPBodyFailure: Error, Equatable, Sendable {
    /// Larger than `maxBodyBytes`.
    case tooLarge
    /// Its framing is not HTTP (a chunk size that is not hexadecimal, say).
    case malformed
    /// The connection ended before the body did.
    case connectionClosed
    /// No byte of it came for `readTimeout`.
    case timedOut
}

/// Why the connection answers by itself, with no request to give the answer to.
public enum HTTPConnectionRefusal: Equatable, Sendable {
    /// Bytes that are not HTTP: 400.
    case malformed
    /// A head not whole within the read timeout: 408.
    case timedOut

    /// The answer's status.
    public var status: Int {
        switch self {
        case .malformed: 400
        case .timedOut: 408
        }
    }
}

/// What the connection does once an answer's end is written.
public enum HTTPAfterAnswer: Equatable, Sendable {
    /// Close it once the answer is sent: it was the connection's last.
    case close
    /// Serve the requests that waited: call `nextWaiting()` until it returns nil.
    case serveWaiting
}
