import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP edge: adapts Hummingbird's request to the ``Gateway`` pipeline and its answer back.
/// Every path comes through here, so nothing a client sends reaches Hummingbird's default 404 or 500.
public struct GatewayResponder: HTTPResponder {
    /// Hummingbird's plain context: the gateway keeps its own per-request state.
    public typealias Context = BasicRequestContext

    let gateway: Gateway

    /// Creates the responder.
    public init(gateway: Gateway) { self.gateway = gateway }

    /// Answers one request.
    public func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let headers = request.headers
        let exchange = GatewayRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query,
            header: { name in HTTPField.Name(name).flatMap { headers[$0] } },
            readBody: { limit in
                var request = request
                do {
                    return Array(try await request.collectBody(upTo: limit).readableBytesView)
                } catch is NIOTooManyBytesError {
                    throw BodyTooLarge()
                }
            }
        )
        let answer = await gateway.respond(to: exchange)
        var fields = HTTPFields()
        fields.reserveCapacity(answer.headers.count)
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields,
                        body: answer.body.isEmpty ? .init() : .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
