import CCurl

/// Turns one `HTTPRequestSpec` and the client's settings into easy-handle options.
enum CurlRequestOptions {
    /// Sets the options every request of the client shares, once per easy handle; returns why the
    /// handle cannot be used, or `nil`.
    static func applyShared(to transfer: CurlTransfer, configuration: CurlHTTPClient.Configuration) -> CurlTransportError? {
        var options = Options(easy: transfer.easy)
        options.set(CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR")
        options.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "REDIR_PROTOCOLS_STR")
        options.set(CURLOPT_FOLLOWLOCATION, 0, "FOLLOWLOCATION")
        options.set(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        // Reach the upstream directly: http_proxy and friends in the environment are ignored. The
        // no-proxy list "*" also spares libcurl reading no_proxy and NO_PROXY from the environment
        // for every transfer.
        options.set(CURLOPT_PROXY, "", "PROXY")
        options.set(CURLOPT_NOPROXY, "*", "NOPROXY")
        options.set(CURLOPT_TCP_KEEPALIVE, 1, "TCP_KEEPALIVE")
        options.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS, "HTTP_VERSION")
        // TLS 1.0 and 1.1 are broken and deprecated (RFC 8996): LiveVox is reached over 1.2 or newer.
        options.set(CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2, "SSLVERSION")
        options.set(CURLOPT_SSL_VERIFYPEER, 1, "SSL_VERIFYPEER")
        options.set(CURLOPT_SSL_VERIFYHOST, 2, "SSL_VERIFYHOST")
        let tls = configuration.tls
        if let caFile = tls.caFile { options.set(CURLOPT_CAINFO, caFile, "CAINFO") }
        if let certificate = tls.clientCertificateFile { options.set(CURLOPT_SSLCERT, certificate, "SSLCERT") }
        if let key = tls.clientKeyFile { options.set(CURLOPT_SSLKEY, key, "SSLKEY") }
        if let password = tls.clientKeyPassword { options.set(CURLOPT_KEYPASSWD, password, "KEYPASSWD") }
        if let userAgent = configuration.userAgent { options.set(CURLOPT_USERAGENT, userAgent, "USERAGENT") }
        options.check(ccurl_easy_setopt_off_t(transfer.easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(configuration.maxResponseBodySize)), "MAXFILESIZE_LARGE")
        return options.error
    }

    /// Sets every option that may differ from the handle's previous request: URL, timeouts,
    /// method, body and headers; returns why the request cannot be sent, or `nil`.
    static func apply(
        _ request: HTTPRequestSpec,
        to transfer: CurlTransfer,
        remaining: Duration,
        configuration: CurlHTTPClient.Configuration
    ) -> CurlTransportError? {
        let easy = transfer.easy
        var options = Options(easy: easy)
        options.set(CURLOPT_URL, request.url, "URL")
        let total = milliseconds(remaining)
        options.set(CURLOPT_TIMEOUT_MS, total, "TIMEOUT_MS")
        options.set(CURLOPT_CONNECTTIMEOUT_MS, min(total, milliseconds(configuration.connectTimeout)), "CONNECTTIMEOUT_MS")
        // Over TLS, wait for a connection that may turn out to multiplex instead of opening another.
        options.set(CURLOPT_PIPEWAIT, request.url.utf8.starts(with: "https:".utf8) ? 1 : 0, "PIPEWAIT")

        let method = request.method
        transfer.allowsResend = Self.idempotentMethods.contains(method)
        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody {
            options.check(ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE_LARGE")
            // curl copies the bytes, so the array need not outlive this call.
            let copied = request.body.isEmpty
                ? "".withCString { ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
                : request.body.withUnsafeBytes { ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
            options.check(copied, "COPYPOSTFIELDS")
        } else {
            // Back to a GET without a body (and with NOBODY off), whatever the previous request was.
            options.set(CURLOPT_HTTPGET, 1, "HTTPGET")
        }
        if method == "HEAD" { options.set(CURLOPT_NOBODY, 1, "NOBODY") }
        let custom = method == "HEAD" || method == (sendsBody ? "POST" : "GET") ? nil : method
        options.check(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, custom), "CUSTOMREQUEST")

        transfer.headerList = headerList(for: request, sendsBody: sendsBody)
        options.check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, transfer.headerList), "HTTPHEADER")
        return options.error
    }

    /// Sets options on one handle and keeps the first refusal.
    private struct Options {
        let easy: UnsafeMutableRawPointer
        private var failed: (option: String, code: CURLcode)?

        init(easy: UnsafeMutableRawPointer) { self.easy = easy }

        mutating func check(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK, failed == nil { failed = (option, code) }
        }

        mutating func set(_ option: CURLoption, _ value: Int, _ name: String) {
            check(ccurl_easy_setopt_long(easy, option, value), name)
        }

        mutating func set(_ option: CURLoption, _ value: String, _ name: String) {
            check(ccurl_easy_setopt_string(easy, option, value), name)
        }

        /// The error for the first refused option, if any.
        var error: CurlTransportError? {
            guard let failed else { return nil }
            return CurlTransportError(
                code: .invalidRequest, requestNeverSent: true,
                detail: "libcurl refused option \(failed.option): \(String(cString: curl_easy_strerror(failed.code))).",
                curlCode: Int(failed.code.rawValue))
        }
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
