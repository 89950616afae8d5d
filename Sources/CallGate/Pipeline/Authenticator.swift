import CallGateCore

/// Who is calling: an API key (`Authorization: Bearer`, `X-API-Key`, or `LV-Access` on the
/// compatible surface) or a JWT bearer token; 401 for none or an unknown one, 403 for a token
/// that is valid but unusable. Without either, a client certificate verified by mutual TLS whose
/// subject a keys-file entry names: a key or token sent with it wins, so a certificate shared by
/// several callers cannot override what each one presents.
struct Authenticator: Sendable {
    let keys: APIKeyStore
    let jwt: JWTAuthenticator?

    func authenticate(_ request: GatewayRequest, surface: Surface?) throws(Problem) -> Principal {
        guard let presented = Self.credential(in: request, surface: surface) else {
            guard let subject = request.clientCertificateSubject else {
                throw Self.unauthenticated("Send an API key as 'Authorization: Bearer cgk_...' or 'X-API-Key: cgk_...'.")
            }
            guard let principal = keys.authenticate(clientCertificateSubject: subject) else {
                throw Self.unauthenticated(
                    "No keys-file entry names the client certificate '\(subject)'; send an API key as 'Authorization: Bearer cgk_...'.")
            }
            return principal
        }
        if let jwt, JWTAuthenticator.isCandidate(presented) {
            switch jwt.authenticate(token: presented) {
            case .success(let principal): return principal
            case .failure(let refusal):
                throw refusal.status == 401 ? Self.unauthenticated(refusal.message) : Problem(403, .forbiddenToken, refusal.message)
            }
        }
        guard let principal = keys.authenticate(key: presented) else {
            throw Self.unauthenticated("The API key is not valid: it is unknown, revoked or mistyped.")
        }
        return principal
    }

    /// The key or token the request presents, in the order of precedence.
    private static func credential(in request: GatewayRequest, surface: Surface?) -> String? {
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]) }
        }
        if let key = request.header("x-api-key") { return key }
        if surface == .compatible { return request.header("lv-access") }
        return nil
    }

    static func unauthenticated(_ detail: String) -> Problem {
        Problem(401, .unauthenticated, detail)
    }
}
