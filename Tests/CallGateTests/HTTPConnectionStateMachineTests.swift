import NIOCore
import NIOHTTP1
import Testing

@testable import CallGate

/// The connection's rules without a connection: each script is a sequence of events (what the
/// handler tells the state machine) and, per event, what the machine answers.
@Suite("HTTP connection state machine")
struct HTTPConnectionStateMachineTests {
    /// What the handler tells the state machine.
    enum Event: Sendable {
        /// A request head for this path (HTTP/1.1).
        case head(String)
        case body(String)
        case end
        case parseError
        case read
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

    /// Runs the events and says what each led to. An answer's end that serves waiting requests lists
    /// what serving them did.
    static func run(_ events: [Event], on machine: inout HTTPConnectionStateMachine) -> [String] {
        events.map { event in
            switch event {
            case .head(let path):
                return describe(machine.partReceived(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path))))
            case .body(let text):
                return describe(machine.partReceived(.body(ByteBuffer(string: text))))
            case .end:
                return describe(machine.partReceived(.end(nil)))
            case .parseError:
                return describe(machine.parseFailed())
            case .read:
                return describe(machine.readRequested())
            case .quiesce:
                return describe(machine.quiesce())
            case .inputClosed:
                return describe(machine.inputClosed())
            case .inactive:
                return describe(machine.channelInactive())
            case .answered(let keepAlive):
                switch machine.answerEnded(keepAlive: keepAlive) {
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

    static func describe(_ action: HTTPConnectionStateMachine.Action) -> String {
        switch action {
        case .nothing: "-"
        case .startRequest(let head): "start \(head.uri)"
        case .succeedBody(let bytes): "body '\(String(decoding: bytes, as: UTF8.self))'"
        case .failBody(let failure, let close): "fail \(failure)" + (close ? ", close" : "")
        case .refuseMalformed: "refuse"
        case .read: "read"
        case .close: "close"
        }
    }

    static let scripts: [Script] = [
        Script("A request without a body starts at its head and gets an empty body at its end", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.answered(keepAlive: true), "-"),
        ]),
        Script("A body arriving in parts is handed over whole at its end", [
            (.head("/a"), "start /a"), (.body("abc"), "-"), (.body("de"), "-"), (.end, "body 'abcde'"),
        ]),
        Script("A body exactly at the limit is handed over", [
            (.head("/a"), "start /a"), (.body("1234"), "-"), (.body("5678"), "-"), (.end, "body '12345678'"),
        ]),
        Script("A body over the limit is read to its end and dropped, refused at its end; the connection goes on", [
            (.head("/a"), "start /a"), (.body("12345"), "-"), (.body("6789"), "-"), (.body("x"), "-"),
            (.end, "fail tooLarge"), (.answered(keepAlive: true), "-"), (.head("/b"), "start /b"), (.end, "body ''"),
        ]),
        Script("A head that arrives while an answer is pending waits with everything after it, and starts at the answer's end", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.body("x"), "-"), (.end, "-"),
            (.answered(keepAlive: true), "start /b, body 'x'"), (.answered(keepAlive: true), "-"),
        ]),
        Script("Waiting requests start one at a time, each after the answer before it", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.end, "-"), (.head("/c"), "-"), (.end, "-"),
            (.answered(keepAlive: true), "start /b, body ''"), (.answered(keepAlive: true), "start /c, body ''"),
            (.answered(keepAlive: true), "-"),
        ]),
        Script("Reads pass while nothing waits, are held while requests wait, and the held one is made when none waits", [
            (.read, "read"), (.head("/a"), "start /a"), (.end, "body ''"), (.read, "read"), (.head("/b"), "-"), (.end, "-"),
            (.read, "-"), (.read, "-"), (.answered(keepAlive: true), "start /b, body '', read"),
            (.read, "read"), (.answered(keepAlive: true), "-"),
        ]),
        Script("An answer without keep-alive is the last: the requests that waited are not served", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.end, "-"), (.answered(keepAlive: false), "close"),
        ]),
        Script("Bytes that are not HTTP with no answer pending are refused at once", [
            (.parseError, "refuse"),
        ]),
        Script("Bytes that are not HTTP behind a pending answer are refused after it", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.parseError, "-"), (.answered(keepAlive: true), "refuse"),
        ]),
        Script("Bytes that are not HTTP behind a waiting request are refused after its answer, and the held read is dropped", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.end, "-"), (.parseError, "-"), (.read, "-"),
            (.answered(keepAlive: true), "start /b, body ''"), (.answered(keepAlive: true), "refuse"),
        ]),
        Script("A body whose framing breaks fails the pipeline's wait for it, and its answer is the connection's last", [
            (.head("/a"), "start /a"), (.body("ab"), "-"), (.parseError, "fail malformed"), (.answered(keepAlive: true), "close"),
        ]),
        Script("A body whose framing breaks after its answer was written closes the connection at once", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.parseError, "fail malformed, close"),
        ]),
        Script("A body that ends after its answer was written is read to its end, and the next request starts at once", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.end, "body 'ab'"),
            (.head("/b"), "start /b"),
        ]),
        Script("A body broken behind a waiting request: that request starts with its body never ending, and after its answer, 400", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.body("ab"), "-"), (.parseError, "-"),
            (.answered(keepAlive: true), "start /b"), (.answered(keepAlive: true), "refuse"),
        ]),
        Script("Quiescing an idle connection closes it", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.answered(keepAlive: true), "-"), (.quiesce, "close"),
        ]),
        Script("Quiescing a busy connection drops what waits and what comes, and closes after its answer", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.end, "-"), (.quiesce, "-"),
            (.head("/c"), "-"), (.parseError, "-"), (.answered(keepAlive: true), "close"),
        ]),
        Script("Quiescing while a body is read after its answer closes the connection", [
            (.head("/a"), "start /a"), (.answered(keepAlive: true), "-"), (.body("ab"), "-"), (.quiesce, "close"),
        ]),
        Script("A half-closed connection changes nothing: the pending answer is served and the connection stays open", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.inputClosed, "-"), (.answered(keepAlive: true), "-"),
            (.inputClosed, "-"),
        ]),
        Script("A closed channel fails the body being read, and drops what waits", [
            (.head("/a"), "start /a"), (.body("ab"), "-"), (.inactive, "fail connectionClosed"), (.end, "-"),
            (.answered(keepAlive: true), "-"),
        ]),
        Script("A closed channel after the body was handed over has nothing to fail", [
            (.head("/a"), "start /a"), (.end, "body ''"), (.head("/b"), "-"), (.inactive, "-"), (.answered(keepAlive: true), "-"),
        ]),
    ]

    @Test("Scripts of events give exactly these actions", arguments: scripts)
    func script(_ script: Script) {
        var machine = HTTPConnectionStateMachine(maxBodyBytes: Self.maxBodyBytes)
        #expect(Self.run(script.events, on: &machine) == script.actions)
    }

    @Test("An answer keeps the connection when its request asked for it, until the connection's last answer is decided")
    func keepsAlive() {
        var machine = HTTPConnectionStateMachine(maxBodyBytes: Self.maxBodyBytes)
        #expect(machine.keepsAlive(requested: true))
        #expect(!machine.keepsAlive(requested: false))
        _ = Self.run([.head("/a"), .body("ab"), .parseError], on: &machine)
        #expect(!machine.keepsAlive(requested: true))

        var quiesced = HTTPConnectionStateMachine(maxBodyBytes: Self.maxBodyBytes)
        _ = Self.run([.head("/a"), .end, .quiesce], on: &quiesced)
        #expect(!quiesced.keepsAlive(requested: true))
    }

    @Test("A waiting request keeps its exact head and body")
    func waitingHeadAndBody() {
        var machine = HTTPConnectionStateMachine(maxBodyBytes: Self.maxBodyBytes)
        let head = HTTPRequestHead(version: .http1_0, method: .POST, uri: "/b?x=1", headers: ["Content-Length": "3"])
        _ = Self.run([.head("/a"), .end], on: &machine)
        #expect(machine.partReceived(.head(head)) == .nothing)
        #expect(machine.partReceived(.body(ByteBuffer(string: "xyz"))) == .nothing)
        #expect(machine.partReceived(.end(nil)) == .nothing)
        #expect(machine.answerEnded(keepAlive: true) == .serveWaiting)
        #expect(machine.nextWaiting() == .startRequest(head))
        #expect(machine.nextWaiting() == .succeedBody(Array("xyz".utf8)))
        #expect(machine.nextWaiting() == nil)
    }
}
