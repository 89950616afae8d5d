import CallGateCore

/// Reads a request's body, only once the caller is authenticated and allowed: up to the limit
/// (413 above), framed correctly (400), and as JSON when it says it is JSON (415 otherwise).
///
/// The JSON is parsed within limits that no valid body comes near: no array longer than a batch
/// (refused as the validator refuses a batch, 422 `batch_too_large`), and no more values than one
/// per 8 bytes of the largest body (400), so that what a body costs stays bounded by its size.
struct BodyReader: Sendable {
    let maxBodyBytes: Int
    let jsonLimits: JSONParser.Limits

    init(maxBodyBytes: Int, maxBatchSize: Int) {
        self.maxBodyBytes = maxBodyBytes
        jsonLimits = JSONParser.Limits(maxArrayLength: maxBatchSize, maxValues: max(maxBodyBytes / 8, 64))
    }

    /// The body's bytes.
    func bytes(_ request: GatewayRequest) async throws(Problem) -> [UInt8] {
        do {
            return try await request.readBody(maxBodyBytes)
        } catch is BodyTooLarge {
            throw Problem(413, .bodyTooLarge, "The body is larger than \(maxBodyBytes) bytes.")
        } catch is BodyTimedOut {
            throw Problem(408, .requestTimeout,
                          "The body stopped arriving for longer than the read timeout; the connection is closed after this answer.")
        } catch is BodyMalformed {
            throw Problem(400, .malformedJSON,
                          "The body's HTTP framing is broken (for example a chunk size that is not hexadecimal); the connection is closed after this answer.")
        } catch {
            throw Problem(400, .malformedJSON, "The body could not be read: the connection ended before it was complete.")
        }
    }

    /// The body read and parsed as JSON.
    func json(_ request: GatewayRequest) async throws(Problem) -> JSONValue {
        try json(request, try await bytes(request))
    }

    /// `bytes` as JSON, after checking that the request says it is JSON.
    func json(_ request: GatewayRequest, _ bytes: [UInt8]) throws(Problem) -> JSONValue {
        let contentType = request.header("content-type")?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { String($0.filter { $0 != " " && $0 != "\t" }) } ?? ""
        guard mediaType == "application/json" else {
            throw Problem(415, .unsupportedMediaType,
                          mediaType.isEmpty ? "Send the body as JSON with 'Content-Type: application/json'."
                                            : "'\(mediaType)' is not accepted; send the body as JSON with 'Content-Type: application/json'.")
        }
        do throws(MalformedJSON) {
            return try JSONParser.parse(bytes, limits: jsonLimits)
        } catch {
            throw Problem.malformed(error)
        }
    }
}
