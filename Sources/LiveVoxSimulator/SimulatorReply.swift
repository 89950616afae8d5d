import CallGateCore
import Foundation

/// A request as the simulator's logic sees it: no framework types, so the logic is testable
/// and the HTTP edge stays thin.
struct IncomingRequest: Sendable {
    var method: String
    var path: String
    var query: String?
    var headers: [RecordedRequest.Header]
    var body: [UInt8]

    /// The first value of a header, compared case-insensitively.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// An answer before it becomes an HTTP response.
struct SimulatorReply: Sendable, Equatable {
    var status: Int
    var headers: [RecordedRequest.Header] = []
    var body: [UInt8] = []

    /// An empty answer, e.g. 204.
    static func empty(_ status: Int = 204) -> SimulatorReply {
        SimulatorReply(status: status)
    }

    /// A JSON answer; keys sorted so the same state always reads the same.
    static func json(_ value: some Encodable, status: Int = 200) -> SimulatorReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The simulator's own Codable values always encode; an empty object is the safe fallback.
        let body = (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
        return SimulatorReply(status: status, headers: [.init(name: "Content-Type", value: "application/json")], body: body)
    }

    /// A LiveVox-style error body, `{"code": ..., "message": ...}`.
    static func failure(_ code: SimulatorErrorCode, _ message: String, status: Int? = nil) -> SimulatorReply {
        json(LiveVoxErrorBody(code: code.rawValue, message: message), status: status ?? code.status)
    }
}

/// Decoding of request bodies, with the failure as a ready 400 answer.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> Result<T, ReplyError> {
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(body)))
        } catch {
            return .failure(ReplyError(.failure(.malformedRequest, "The request body is not valid: \(describe(error))")))
        }
    }

    /// A short sentence for a decoding error: which key, and what was wrong.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _):
            return "'\(key.stringValue)' is missing."
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "it is not the expected JSON." : "'\(path)': \(context.debugDescription)"
        default:
            return "it is not the expected JSON."
        }
    }
}

/// A finished answer carried as an error, so handlers can stop early with `try`.
struct ReplyError: Error {
    var reply: SimulatorReply
    init(_ reply: SimulatorReply) { self.reply = reply }
}
