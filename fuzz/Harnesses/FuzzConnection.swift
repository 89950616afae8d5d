import HTTPConnectionCore

/// A request head as the connection harness makes it: its place in the connection's order and
/// what the rules read from it.
struct FuzzHead: Equatable {
    let id: Int
    let contentLength: Int?
    let expectsContinue: Bool
}

/// The connection's types without NIO: heads as above, bodies as bytes, time in whole seconds.
enum FuzzConnectionTypes: HTTPConnectionTypes {
    static func contentLength(of head: FuzzHead) -> Int? { head.contentLength }
    static func expectsContinue(_ head: FuzzHead) -> Bool { head.expectsContinue }
    static func byteCount(of piece: [UInt8]) -> Int { piece.count }
    static func append(_ piece: inout [UInt8], to kept: inout [UInt8]) { kept += piece }
    static func bytes(of piece: [UInt8]) -> [UInt8] { piece }
    static func instant(_ instant: Int64, plus duration: Int64) -> Int64 { instant + duration }
}

/// Runs `bytes` as a script of a connection's events, each byte an event and the next its
/// parameter, as the channel handler and NIO's decoder would send them (parts in HTTP's order, a
/// `Content-Length` body exactly that long, nothing from the decoder after a parse error or the
/// input's end; the pipeline asks for a body once, before its answer), and returns every action
/// that breaks the connection's rules: requests start one at a time, in the order their heads came,
/// none skipped, none after the connection's last answer; a body handed over is exactly the bytes
/// sent and within the limit, a body fails only for a cause that happened; `100 Continue` at most
/// once, only when expected and before any byte of the body; a read only when one was held back;
/// a refusal only with no answer pending; at most one close; and a time limit runs whenever the
/// client is the one to act.
public func fuzzConnection(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    var script = FuzzConnectionScript()
    var index = 0
    while index < bytes.count, !script.ended {
        let op = bytes[index] % 13
        let parameter = index + 1 < bytes.count ? bytes[index + 1] : 0
        index += script.run(op, parameter)
    }
    script.finish()
    return script.broken
}

/// The harness's model of what has happened on the connection, against which each action is checked.
struct FuzzConnectionScript {
    typealias Machine = HTTPConnectionStateMachine<FuzzConnectionTypes>

    /// The body limit and time limits the machine is given: small, so that scripts reach them.
    static let maxBodyBytes = 16
    static let timeouts = Machine.Timeouts(read: 10, idle: 60)
    /// The bodies a head announces, by its parameter: none (a GET), lengths around the body limit and
    /// the drain limit, and chunked (nil).
    static let lengths: [Int?] = [0, 0, 3, 16, 17, Machine.drainLimit + 2, 40, nil]

    /// The started request whose answer is not written, or whose body still arrives after it.
    struct Started {
        let head: FuzzHead
        var asked = false
        var given = false
        var continued = false
        var answered = false
    }

    var machine = Machine(maxBodyBytes: maxBodyBytes, timeouts: timeouts, now: 0)
    var now: Int64 = 0
    var broken: [String] = []
    /// The script stops after the channel is closed.
    var ended = false

    // What the decoder sent.
    var nextHead = 0
    /// The head being decoded and the body bytes left (nil: chunked), or nil between requests.
    var decoding: (id: Int, left: Int?)?
    var bodies: [Int: [UInt8]] = [:]
    var heads: [Int: FuzzHead] = [:]
    var decoderStopped = false
    var inputEnded = false

    // What the handler did.
    var started: Started?
    var lastStarted = -1
    var readHeld = false
    /// The connection's last answer or refusal is written, and it closes once that is sent.
    var closing = false
    var closed = false
    // Causes that happened.
    var parseFailed = false
    /// The request whose body the parse error broke off.
    var brokenBody: Int?
    var timerFired = false
    var channelGone = false
    var quiesced = false

    /// Runs one event; returns how many bytes of the script it used.
    mutating func run(_ op: UInt8, _ parameter: UInt8) -> Int {
        switch op {
        case 0:
            guard decoding == nil, !decoderStopped, !inputEnded else { return 2 }
            let head = FuzzHead(id: nextHead, contentLength: Self.lengths[Int(parameter & 7)], expectsContinue: parameter & 8 != 0)
            nextHead += 1
            heads[head.id] = head
            bodies[head.id] = []
            decoding = (head.id, head.contentLength)
            apply(machine.partReceived(.head(head)), "a head")
            return 2
        case 1:
            guard let (id, left) = decoding, left.map({ $0 > 0 }) ?? true else { return 2 }
            let count = min(Int(parameter % 9) + 1, left ?? .max)
            let piece = [UInt8](repeating: parameter, count: count)
            bodies[id, default: []] += piece
            decoding = (id, left.map { $0 - count })
            apply(machine.partReceived(.body(piece)), "a body piece")
        case 2:
            guard let (id, left) = decoding, left.map({ $0 == 0 }) ?? true else { return 1 }
            decoding = nil
            // An answered request whose body ended is done.
            if let request = started, request.answered, request.head.id == id { started = nil }
            apply(machine.partReceived(.end), "an end")
            return 1
        case 3:
            guard !decoderStopped, !inputEnded else { return 1 }
            decoderStopped = true
            parseFailed = true
            brokenBody = decoding?.id
            apply(machine.parseFailed(), "a parse error")
            return 1
        case 4:
            // The channel's read passes, or is held back for later.
            switch machine.readRequested() {
            case .nothing: readHeld = true
            case .read: break
            case let action: broken.append("a read asked for: \(action)")
            }
            return 1
        case 5:
            now += Int64(parameter % 4)
            machine.readCompleted(now: now)
        case 6:
            guard let request = started, !request.answered, !request.asked else { return 1 }
            started?.asked = true
            apply(machine.bodyRequested(now: now), "the body asked for")
            return 1
        case 7:
            guard let request = started, !request.answered else { return 2 }
            answer(requested: parameter & 1 == 1)
        case 8:
            now += Int64(parameter % 70) + 1
            timerFired = true
            apply(machine.timerFired(now: now), "the timer at \(now)")
        case 9:
            quiesced = true
            apply(machine.quiesce(), "quiescing")
            return 1
        case 10:
            guard !inputEnded else { return 1 }
            inputEnded = true
            apply(machine.inputClosed(), "the input closed")
            return 1
        case 11:
            close("the channel closed")
            return 1
        default:
            // The last answer or refusal is sent: the handler closes the connection.
            if closing { close("the last answer sent") }
            return 1
        }
        return 2
    }

    /// The pipeline's answer is written, keeping the connection when its request asked to and the
    /// machine lets it.
    mutating func answer(requested: Bool) {
        if machine.keepsAlive(requested: false) { broken.append("an answer whose request did not ask keeps the connection") }
        let keepAlive = machine.keepsAlive(requested: requested)
        if keepAlive, quiesced { broken.append("an answer keeps the connection after quiescing") }
        if keepAlive, let request = started, request.head.id == brokenBody { broken.append("an answer keeps the connection after its body broke off") }
        started?.answered = true
        let after = machine.answerEnded(keepAlive: keepAlive, now: now)
        if keepAlive != (after == .serveWaiting) { broken.append("an answer whose head said keep-alive \(keepAlive) ends with \(after)") }
        if let request = started, decoding?.id != request.head.id { started = nil }
        switch after {
        case .close:
            if closing || closed { broken.append("a second close, after an answer") }
            closing = true
        case .serveWaiting:
            for _ in 0..<10_000 {
                guard let action = machine.nextWaiting() else { return checkDeadline("serving the waiting requests") }
                apply(action, "serving the waiting requests")
            }
            broken.append("serving the waiting requests does not end")
        }
    }

    mutating func close(_ event: String) {
        guard !ended else { return }
        ended = true
        channelGone = true
        let action = machine.channelInactive()
        switch action {
        case .nothing, .failBody: apply(action, event)
        default: broken.append("\(event): \(action) on a closed channel")
        }
    }

    /// The script's bytes ran out: the channel closes.
    mutating func finish() {
        close("the script's end")
    }

    /// Checks one action against the rules and does what the handler would.
    mutating func apply(_ action: Machine.Action, _ event: String) {
        func fail(_ rule: String) { broken.append("\(event): \(action): \(rule)") }
        switch action {
        case .nothing:
            break
        case .startRequest(let head):
            if closing || closed { fail("a request started after the connection's last answer") }
            if let started, !started.answered { fail("a request started while request \(started.head.id) is unanswered") }
            if head.id != lastStarted + 1 { fail("request \(head.id) started after request \(lastStarted)") }
            if heads[head.id] != head { fail("a head that was not sent") }
            lastStarted = head.id
            started = Started(head: head)
        case .succeedBody(let bytes):
            guard let request = started, request.asked, !request.given else { return fail("a body no pipeline waits for") }
            started?.given = true
            if bytes != bodies[request.head.id] { fail("the body is not the bytes sent") }
            if bytes.count > Self.maxBodyBytes { fail("a body over the limit") }
            if decoding?.id == request.head.id { fail("a body handed over before its end") }
        case .failBody(let failure):
            guard let request = started, request.asked, !request.given else { return fail("a body failure no pipeline waits for") }
            started?.given = true
            let sent = bodies[request.head.id]?.count ?? 0
            switch failure {
            case .tooLarge:
                if sent <= Self.maxBodyBytes, (request.head.contentLength ?? 0) <= Self.maxBodyBytes { fail("the body is within the limit") }
            case .malformed: if !parseFailed { fail("no parse error happened") }
            case .connectionClosed: if !channelGone { fail("the channel is open") }
            case .timedOut: if !timerFired { fail("no timer fired") }
            }
        case .readBody(let sendContinue, let read):
            guard let request = started, request.asked else { return fail("a body read no pipeline asked for") }
            if sendContinue {
                if request.continued { fail("a second 100 Continue") }
                if !request.head.expectsContinue { fail("100 Continue for a request that did not expect it") }
                if bodies[request.head.id]?.isEmpty == false { fail("100 Continue after the body began") }
                started?.continued = true
            }
            if read, let problem = takeHeldRead() { fail(problem) }
        case .refuse:
            if closing || closed { fail("a refusal after the connection's last answer") }
            if let started, !started.answered { fail("a refusal while request \(started.head.id) is unanswered") }
            closing = true
        case .read:
            if let problem = takeHeldRead() { fail(problem) }
        case .close:
            if closing || closed { fail("a second close") }
            closed = true
            close(event + ", then the close")
        }
        if !ended { checkDeadline(event) }
    }

    /// A read the machine makes: the one held back, if there is one and the channel is open.
    mutating func takeHeldRead() -> String? {
        defer { readHeld = false }
        if closed { return "a read after the close" }
        return readHeld ? nil : "a read no one asked for"
    }

    /// While the client is the one to act (no request is with the gateway, or the gateway waits
    /// for a body), a time limit runs.
    mutating func checkDeadline(_ event: String) {
        guard !closing, !closed, machine.deadline == nil else { return }
        if let request = started, !request.answered {
            if request.asked, !request.given { broken.append("\(event): the pipeline waits for a body with no time limit") }
        } else {
            broken.append("\(event): the connection waits for the client with no time limit")
        }
    }
}
