import NIOCore

/// On the HTTPS port, answers a connection that opens with a plain HTTP request (its first byte a
/// method's capital letter, where a TLS handshake starts with 0x16) with a plain 400
/// `https_required` and closes it, as nginx answers "The plain HTTP request was sent to HTTPS
/// port": the caller learns why instead of seeing a reset. Anything else goes on to the TLS handler
/// and this handler leaves the pipeline, so it costs nothing after the first read.
final class PlainHTTPRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Set once the refusal is written: what else arrives before the close is dropped.
    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self), (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        refused = true
        let problem = Problem(400, .httpsRequired,
                              "This port speaks HTTPS only: send the request again with https:// to the same host and port.")
        let answer = GatewayResponse.problem(problem, requestId: RequestID.generate(), instance: "")
        let buffer = HTTPResponseBytes.answer(answer, version: .http1_1, keepAlive: false, omitBody: false,
                                              allocator: context.channel.allocator)
        // Written from here, ahead of the TLS handler, the answer goes out as plain bytes.
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
}
