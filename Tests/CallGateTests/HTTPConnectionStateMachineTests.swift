import NIOCore
import NIOHTTP1
import Testing

@testable import CallGate

/// The connection's rules without a connection or a clock: each script is a sequence of events
/// (what the handler tells the state machine) and, per event, what the machine answers. The
/// connection starts at second 0, with a read timeout of 10 s and an idle timeout of 60 s.
@Suite("HTTP connection state machine")
struct HTTPConnectionStateMachineTests {
    /// What the handler tells the state machine.
    enum Event: Sendable {
        /// A request head for this path (GET, HTTP/1.1).
        case head(String)
        /// A POST head for this path with these headers.
        case post(String, [String: String])
        case body(String)
        case end
        case parseError
        case read
        /// A read from the socket ended at this second.
        case readDone(at: Int)
        /// The pipeline asks for the body.
        case requestBody
        /// Whether the pending answer, to a request that asks to keep the connection, keeps it.
        case keepsAlive
        /// The timer fires at this second.
        case timer(at: Int)
        case quiesce
        case inputClosed
        case inactive
        /// The pending answer's end is written, its head saying keep-alive or not.
        case answered(keepAlive: Bool)
    }

    /// A sequence of events and, one string per event, the actions they lead to (`-` for none).
    struct Script: Sendable, CustomTestStringConvertible {
        let name: String
        let events: [Event]
        let actions: [String]
        var testDescription: String { name }

        init(_ name: String, _ steps: [(Event, String)]) {
            self.name = name
            events = steps.map(\.0)
            actions = steps.map(\.1)
        }
    }

    /// Bodies up to 8 bytes.
    static let maxBodyBytes = 8
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    static func machine() -> GatewayConnectionStateMachine {
        GatewayConnectionStateMachine(maxBodyBytes: maxBodyBytes, timeouts: .init(read: .seconds(10), idle: .seconds(60)), now: start)
    }

    /// Runs the events and says what each led to. An answer's end that serves waiting requests lists
    /// what serving them did.
    static func run(_ events: [Event], on machine: inout GatewayConnectionStateMachine) -> [String] {
        var now = start
        return events.map { event in
            switch event {
            case .head(let path):
                return describe(machine.partReceived(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path))))
            case .post(let path, let headers):
                let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: HTTPHeaders(headers.map { ($0.key, $0.value) }))
                return describe(machine.partReceived(.head(head)))
            case .body(let text):
                return describe(machine.partReceived(.body(ByteBuffer(string: text))))
            case .end:
                return describe(machine.partReceived(.end))
            case .parseError:
                return describe(machine.parseFailed())
            case .read:
                return describe(machine.readRequested())
            case .readDone(let second):
                now = start + .seconds(Int64(second))
                machine.readCompleted(now: now)
                return "-"
            case .requestBody:
                return describe(machine.bodyRequested(now: now))
            case .keepsAlive:
                return machine.keepsAlive(requested: true) ? "keep-alive" : "close"
            case .timer(let second):
                now = start + .seconds(Int64(second))
                return describe(machine.timerFired(now: now))
            case .quiesce:
                return describe(machine.quiesce())
            case .inputClosed:
                return describe(machine.inputClosed())
            case .inactive:
                return describe(machine.channelInactive())
            case .answered(let keepAlive):
                switch machine.answerEnded(keepAlive: keepAlive, now: now) {
                case .close:
                    return "close"
                case .serveWaiting:
                    var served: [String] = []
                    while let action = machine.nextWaiting() { served.append(describe(action)) }
                    return served.isEmpty ? "-" : served.joined(separator: ", ")
                }
            }
        }
    }

    static func describe(_ action: GatewayConnectionStateMachine.Action) -> String {
        switch action {
        case .nothing: "-"
        case .startRequest(let head): "start \(head.uri)"
        case .succeedBody(let bytes): "body '\(String(decoding: bytes, as: UTF8.self))'"
        case .failBody(let failure): "fail \(failure)"
        case .readBody(let sendContinue, let read): [sendContinue ? "100" : nil, read ? "read" : nil].compactMap { $0 }.joined(separator: ", ")
        case .refuse(let refusal): "refuse \(refusal)"
        case .read: "read"
        case .close: "close"
        }
    }

    static let length100 = ["Content-Length": "100"]

    static let scripts: [Script] = [
        Script("A request without a body starts at its head, and gets an empty body when its pipeline asks", [
            (.head("/a"), "start /a"), (.end, "-"), (.requestBody, "body ''"), (.answered(keepAlive: true), "-"),
        ]),
        Script("A body arriving in parts after the pipeline asked is handed over whole at its end", [
            (.head("/a"), "start /a"), (.requestBody, "-"), (.body("abc"), "-"), (.body("de"), "-"), (.end, "body 'abcde'"),
        ]),
        Script("A body exactly at the limit is handed over", [
            (.head("/a"), "start /a"), (.requestBody, "-"), (.body("1234"), "-"), (.body("5678"), "-"), (.end, "body '12345678'"),
        ]),
        Script("A body over the limit fails the pipeline's wait as soon as it is over; the rest is dropped and the connection goes on", [
            (.head("/a"), "start /a"), (.requestBody, "-"), (.body("12345"), "-"), (.body("6789"), "fail tooLarge"), (.body("x"), "-"),
            (.end, "-"), (.answered(keepAlive: true), "-"), (.head("/b"), "start /b"), (.end, "-"), (.requestBody, "body ''"),
        ]),
        Script("A body over the limit before the pipeline asks fails when it asks", [
            (.head("/a"), "start /a"), (.body("123456789"), "-"), (.end, "-"), (.requestBody, "fail tooLarge"),
        ]),
        Script("A Content-Length over the limit is refused when the pipeline asks, without reading the body", [
            (.post("/a", length100), "start /a"), (.read, "-"), (.requestBody, "fail tooLarge"), (.keepsAlive, "keep-alive"),
        ]),
        Script("A body the pipeline has not asked for holds reads; asking releases the held read", [
            (.post("/a", ["Content-Length": "5"]), "start /a"), (.body("ab"), "-"), (.read, "-"), (.requestBody, "read"), (.read, "read"),
        ]),
        Script("Expect: 100-continue is answered with 100 when the pipeline asks for the body", [
            (.post("/a", ["Content-Length": "5", "Expect": "100-continue"]), "start /a"), (.read, "-"), (.requestBody, "100, read"),
            (.body("hello"), "-"), (.end, "body 'hello'"), (.keepsAlive, "keep-alive"), (.answered(keepAlive: true), "-"),
        ]),
        Script("A request expecting 100-continue refused before its body is asked for: no 100, and its answer is the last", [
            (.post("/a", ["Content-Length": "5", "Expect": "100-continue"]), "start /a"), (.read, "-"), (.keepsAlive, "close"),
            (.answered(keepAlive: false), "close"),
        ]),
        Script("A refused request's rest, of known length and at most 64 KiB, is read and dropped after the answer; the connection goes on", [
            (.post("/a", length100), "start /a"), (.body("ab"), "-"), (.read, "-"), (.keepsAlive, "keep-alive"),
            (.answered(keepAlive: true), "read"), (.body("xyz"), "-"), (.end, "-"), (.head("/b"), "start /b"),
        ]),
        Script("A refused request with more than 64 KiB of body left: its answer is the last", [
            (.post("/a", ["Content-Length": "65700"]), "start /a"), (.body("ab"), "-"), (.keepsAlive, "close"),
            (.answered(keepAlive: false), "close"),
        ]),
        Script("A refused request with a chunked body: its answer is the last", [
            (.post("/a", ["Transfer-Encoding": "chunked"]), "start /a"), (.body("ab"), "-"), (.keepsAlive, "close"),
        ]),
        Script("A head that arrives while an answer is pending waits with everything after it, and starts at the answer's end", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.body("x"), "-"), (.end, "-"),
            (.answered(keepAlive: true), "start /b"), (.requestBody, "body 'x'"), (.answered(keepAlive: true), "-"),
        ]),
        Script("Waiting requests start one at a time, each after the answer before it", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.end, "-"), (.head("/c"), "-"), (.end, "-"),
            (.answered(keepAlive: true), "start /b"), (.answered(keepAlive: true), "start /c"),
            (.answered(keepAlive: true), "-"),
        ]),
        Script("Reads pass while nothing waits, are held while requests wait, and the held one is made when none waits", [
            (.read, "read"), (.head("/a"), "start /a"), (.end, "-"), (.read, "read"), (.head("/b"), "-"), (.end, "-"),
            (.read, "-"), (.read, "-"), (.answered(keepAlive: true), "start /b, read"),
            (.read, "read"), (.answered(keepAlive: true), "-"),
        ]),
        Script("An answer without keep-alive is the last: the requests that waited are not served", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.end, "-"), (.answered(keepAlive: false), "close"),
        ]),
        Script("Bytes that are not HTTP with no answer pending are refused at once", [
            (.parseError, "refuse malformed"),
        ]),
        Script("Bytes that are not HTTP behind a pending answer are refused after it", [
            (.head("/a"), "start /a"), (.end, "-"), (.parseError, "-"), (.answered(keepAlive: true), "refuse malformed"),
        ]),
        Script("Bytes that are not HTTP behind a waiting request are refused after its answer, and the held read is dropped", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.end, "-"), (.parseError, "-"), (.read, "-"),
            (.answered(keepAlive: true), "start /b"), (.answered(keepAlive: true), "refuse malformed"),
        ]),
        Script("A body whose framing breaks fails the pipeline's wait for it, and its answer is the connection's last", [
            (.head("/a"), "start /a"), (.requestBody, "-"), (.body("ab"), "-"), (.parseError, "fail malformed"), (.keepsAlive, "close"),
            (.answered(keepAlive: true), "close"),
        ]),
        Script("A body whose framing breaks before the pipeline asks fails when it asks", [
            (.head("/a"), "start /a"), (.body("ab"), "-"), (.parseError, "-"), (.requestBody, "fail malformed"),
            (.answered(keepAlive: true), "close"),
        ]),
        Script("A body whose framing breaks after its answer was written closes the connection at once", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.parseError, "close"),
        ]),
        Script("A body that ends after its answer was written is dropped, and the next request starts at once", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.end, "-"),
            (.head("/b"), "start /b"), (.end, "-"), (.requestBody, "body ''"),
        ]),
        Script("A body broken behind a waiting request: that request starts, its wait for the body fails, and its answer is the last", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.body("ab"), "-"), (.parseError, "-"),
            (.answered(keepAlive: true), "start /b"), (.requestBody, "fail malformed"), (.answered(keepAlive: true), "close"),
        ]),
        Script("The first head must be whole within the read timeout of the connection's start, or 408", [
            (.timer(at: 9), "-"), (.timer(at: 10), "refuse timedOut"), (.head("/a"), "-"), (.parseError, "-"), (.timer(at: 20), "-"),
        ]),
        Script("A kept-alive connection idle for the idle timeout is closed without an answer", [
            (.head("/a"), "start /a"), (.end, "-"), (.timer(at: 5), "-"), (.answered(keepAlive: true), "-"),
            (.timer(at: 64), "-"), (.timer(at: 65), "close"),
        ]),
        Script("A head whose first bytes came must be whole within the read timeout of them, however it trickles", [
            (.head("/a"), "start /a"), (.end, "-"), (.readDone(at: 0), "-"), (.answered(keepAlive: true), "-"),
            (.readDone(at: 30), "-"), (.readDone(at: 35), "-"), (.timer(at: 39), "-"), (.readDone(at: 39), "-"), (.timer(at: 40), "refuse timedOut"),
        ]),
        Script("A read that ends a dropped body leaves the connection idle: the idle timeout runs, not the read timeout", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.end, "-"), (.readDone(at: 1), "-"),
            (.timer(at: 11), "-"), (.timer(at: 61), "close"),
        ]),
        Script("A body may pause at most the read timeout between two reads: the pipeline's wait fails and its answer is the last", [
            (.head("/a"), "start /a"), (.requestBody, "-"), (.body("ab"), "-"), (.readDone(at: 5), "-"), (.timer(at: 14), "-"),
            (.timer(at: 15), "fail timedOut"), (.keepsAlive, "close"), (.answered(keepAlive: false), "close"),
        ]),
        Script("The rest of a refused body that stops arriving for the read timeout closes the connection", [
            (.post("/a", length100), "start /a"), (.body("ab"), "-"), (.answered(keepAlive: true), "-"), (.timer(at: 9), "-"),
            (.timer(at: 10), "close"),
        ]),
        Script("While the gateway works on a request no time limit runs; the idle one starts at the answer", [
            (.head("/a"), "start /a"), (.end, "-"), (.timer(at: 100), "-"), (.answered(keepAlive: true), "-"),
            (.timer(at: 159), "-"), (.timer(at: 160), "close"),
        ]),
        Script("Quiescing an idle connection closes it", [
            (.head("/a"), "start /a"), (.end, "-"), (.answered(keepAlive: true), "-"), (.quiesce, "close"),
        ]),
        Script("Quiescing a busy connection drops what waits and what comes, and closes after its answer", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.end, "-"), (.quiesce, "-"),
            (.head("/c"), "-"), (.parseError, "-"), (.answered(keepAlive: true), "close"),
        ]),
        Script("Quiescing while a body is read after its answer closes the connection", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.quiesce, "close"),
        ]),
        Script("A half-closed connection: the pending answer is the last, and the connection closes after it", [
            (.head("/a"), "start /a"), (.end, "-"), (.inputClosed, "-"), (.keepsAlive, "close"), (.answered(keepAlive: false), "close"),
        ]),
        Script("A half-closed connection whose answer said keep-alive before the half-close closes after it", [
            (.head("/a"), "start /a"), (.end, "-"), (.keepsAlive, "keep-alive"), (.inputClosed, "-"), (.answered(keepAlive: true), "close"),
        ]),
        Script("A half-closed connection answers every request sent before, then closes", [
            (.head("/a"), "start /a"), (.end, "-"), (.head("/b"), "-"), (.end, "-"), (.inputClosed, "-"), (.keepsAlive, "keep-alive"),
            (.answered(keepAlive: true), "start /b"), (.keepsAlive, "close"), (.answered(keepAlive: false), "close"),
        ]),
        Script("A half-closed idle connection closes at once", [
            (.head("/a"), "start /a"), (.end, "-"), (.answered(keepAlive: true), "-"), (.inputClosed, "close"),
        ]),
        Script("A closed channel fails the body being read, and drops what waits", [
            (.head("/a"), "start /a"), (.requestBody, "-"), (.body("ab"), "-"), (.inactive, "fail connectionClosed"), (.end, "-"),
            (.answered(keepAlive: true), "-"),
        ]),
        Script("A closed channel fails a body not asked for yet when the pipeline asks", [
            (.head("/a"), "start /a"), (.body("ab"), "-"), (.inactive, "-"), (.requestBody, "fail connectionClosed"),
        ]),
        Script("A refusal being written is not cut short: quiescing or the input closing leaves the close to it", [
            (.parseError, "refuse malformed"), (.quiesce, "-"), (.inputClosed, "-"), (.timer(at: 100), "-"),
        ]),
        Script("After an answer that closes the connection nothing starts, nothing is refused and nothing closes again", [
            (.head("/a"), "start /a"), (.end, "-"), (.answered(keepAlive: false), "close"), (.head("/b"), "-"), (.end, "-"),
            (.parseError, "-"), (.quiesce, "-"), (.inputClosed, "-"), (.timer(at: 100), "-"),
        ]),
        Script("A chunked body still arriving after its answer: the answer closes, and the body breaking off closes nothing again", [
            (.post("/a", ["Transfer-Encoding": "chunked"]), "start /a"), (.keepsAlive, "close"), (.answered(keepAlive: false), "close"),
            (.body("ab"), "-"), (.parseError, "-"),
        ]),
        Script("A body stopping after its answer closes the connection once", [
            (.post("/a", length100), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.timer(at: 10), "close"),
            (.parseError, "-"), (.quiesce, "-"), (.timer(at: 30), "-"),
        ]),
        Script("A closed channel after the body was handed over has nothing to fail", [
            (.head("/a"), "start /a"), (.end, "-"), (.requestBody, "body ''"), (.head("/b"), "-"), (.inactive, "-"),
            (.answered(keepAlive: true), "-"),
        ]),
    ]

    @Test("Scripts of events give exactly these actions", arguments: scripts)
    func script(_ script: Script) {
        var machine = Self.machine()
        #expect(Self.run(script.events, on: &machine) == script.actions)
    }

    @Test("An answer keeps the connection when its request asked for it, until the connection's last answer is decided")
    func keepsAlive() {
        var machine = Self.machine()
        #expect(machine.keepsAlive(requested: true))
        #expect(!machine.keepsAlive(requested: false))
        _ = Self.run([.head("/a"), .body("ab"), .parseError], on: &machine)
        #expect(!machine.keepsAlive(requested: true))

        var quiesced = Self.machine()
        _ = Self.run([.head("/a"), .end, .quiesce], on: &quiesced)
        #expect(!quiesced.keepsAlive(requested: true))
    }

    @Test("A waiting request keeps its exact head and body")
    func waitingHeadAndBody() {
        var machine = Self.machine()
        let head = HTTPRequestHead(version: .http1_0, method: .POST, uri: "/b?x=1", headers: ["Content-Length": "3"])
        _ = Self.run([.head("/a"), .end], on: &machine)
        #expect(machine.partReceived(.head(head)) == .nothing)
        #expect(machine.partReceived(.body(ByteBuffer(string: "xyz"))) == .nothing)
        #expect(machine.partReceived(.end) == .nothing)
        #expect(machine.answerEnded(keepAlive: true, now: Self.start) == .serveWaiting)
        #expect(machine.nextWaiting() == .startRequest(head))
        #expect(machine.nextWaiting() == nil)
        #expect(machine.bodyRequested(now: Self.start) == .succeedBody(Array("xyz".utf8)))
    }

    @Test("The deadline is the idle or read limit from when it began, and none while the gateway works")
    func deadline() {
        var machine = Self.machine()
        #expect(machine.deadline == Self.start + .seconds(10))
        _ = Self.run([.head("/a"), .end], on: &machine)
        #expect(machine.deadline == nil)
        #expect(machine.answerEnded(keepAlive: true, now: Self.start + .seconds(3)) == .serveWaiting)
        #expect(machine.deadline == Self.start + .seconds(63))
    }
}
