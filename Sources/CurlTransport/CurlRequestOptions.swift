import CCurl

/// Turns one `HTTPRequestSpec` and the client's settings into easy-handle options.
enum CurlRequestOptions {
    /// Sets every option of `request` on the freshly prepared `transfer`; returns why the request
    /// cannot be sent, or `nil`.
    static func apply(
        _ request: HTTPRequestSpec,
        to transfer: CurlTransfer,
        remaining: Duration,
        configuration: CurlHTTPClient.Configuration
    ) -> CurlTransportError? {
        let easy = transfer.easy
        var failed: (option: String, code: CURLcode)?
        func check(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK, failed == nil { failed = (option, code) }
        }
        func set(_ option: CURLoption, _ value: Int, _ name: String) {
            check(ccurl_easy_setopt_long(easy, option, value), name)
        }
        func set(_ option: CURLoption, _ value: String, _ name: String) {
            check(ccurl_easy_setopt_string(easy, option, value), name)
        }

        set(CURLOPT_URL, request.url, "URL")
        set(CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR")
        set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "REDIR_PROTOCOLS_STR")
        set(CURLOPT_FOLLOWLOCATION, 0, "FOLLOWLOCATION")
        set(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        // Reach the upstream directly: http_proxy and friends in the environment are ignored.
        set(CURLOPT_PROXY, "", "PROXY")
        set(CURLOPT_TCP_KEEPALIVE, 1, "TCP_KEEPALIVE")
        let total = milliseconds(remaining)
        set(CURLOPT_TIMEOUT_MS, total, "TIMEOUT_MS")
        set(CURLOPT_CONNECTTIMEOUT_MS, min(total, milliseconds(configuration.connectTimeout)), "CONNECTTIMEOUT_MS")
        set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS, "HTTP_VERSION")
        if request.url.utf8.starts(with: "https:".utf8) {
            // Wait for a connection that may turn out to multiplex instead of opening another one.
            set(CURLOPT_PIPEWAIT, 1, "PIPEWAIT")
        }
        set(CURLOPT_SSL_VERIFYPEER, 1, "SSL_VERIFYPEER")
        set(CURLOPT_SSL_VERIFYHOST, 2, "SSL_VERIFYHOST")
        let tls = configuration.tls
        if let caFile = tls.caFile { set(CURLOPT_CAINFO, caFile, "CAINFO") }
        if let certificate = tls.clientCertificateFile { set(CURLOPT_SSLCERT, certificate, "SSLCERT") }
        if let key = tls.clientKeyFile { set(CURLOPT_SSLKEY, key, "SSLKEY") }
        if let password = tls.clientKeyPassword { set(CURLOPT_KEYPASSWD, password, "KEYPASSWD") }
        if let userAgent = configuration.userAgent { set(CURLOPT_USERAGENT, userAgent, "USERAGENT") }
        check(ccurl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(transfer.bodyLimit)), "MAXFILESIZE_LARGE")

        let method = request.method
        transfer.allowsResend = Self.idempotentMethods.contains(method)
        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody {
            check(ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE_LARGE")
            // curl copies the bytes, so the array need not outlive this call.
            let copied = request.body.isEmpty
                ? "".withCString { ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
                : request.body.withUnsafeBytes { ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
            check(copied, "COPYPOSTFIELDS")
        }
        if method == "HEAD" {
            set(CURLOPT_NOBODY, 1, "NOBODY")
        } else if method != (sendsBody ? "POST" : "GET") {
            set(CURLOPT_CUSTOMREQUEST, method, "CUSTOMREQUEST")
        }

        transfer.headerList = headerList(for: request, sendsBody: sendsBody)
        check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, transfer.headerList), "HTTPHEADER")

        guard let failed else { return nil }
        return CurlTransportError(
            code: .invalidRequest, requestNeverSent: true,
            detail: "libcurl refused option \(failed.option): \(String(cString: curl_easy_strerror(failed.code))).",
            curlCode: Int(failed.code.rawValue))
    }

    /// The request's headers as a curl list, plus the lines that switch off curl's own defaults the
    /// caller did not ask for: `Expect: 100-continue` (a round trip) and a form `Content-Type`.
    private static func headerList(for request: HTTPRequestSpec, sendsBody: Bool) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        var hasExpect = false, hasContentType = false
        for header in request.headers {
            hasExpect = hasExpect || header.name.caseInsensitiveEquals("Expect")
            hasContentType = hasContentType || header.name.caseInsensitiveEquals("Content-Type")
            // "Name:" would remove a header; an empty value is sent as "Name;".
            list = curl_slist_append(list, header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        if sendsBody {
            if !hasExpect { list = curl_slist_append(list, "Expect:") }
            if !hasContentType { list = curl_slist_append(list, "Content-Type:") }
        }
        return list
    }

    /// The methods RFC 9110 defines as idempotent: libcurl may resend these by itself.
    private static let idempotentMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]

    /// Whole milliseconds, rounded up, at least 1: curl reads 0 as "no timeout".
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}
