import CCurl

/// One pooled easy handle and the state of the request it is running.
///
/// Lives on the curl thread only: created, configured, called back into by libcurl, completed and
/// recycled there. libcurl's callbacks reach it through an unretained pointer; the engine's `active`
/// table holds the strong reference for as long as the handle is inside the multi handle.
final class CurlTransfer {
    /// The easy handle, kept across requests and reset between them.
    let easy: UnsafeMutableRawPointer
    /// libcurl's `CURLOPT_ERRORBUFFER`, where it writes a sentence about a failure.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// The request's id while a request runs.
    var id: UInt64 = 0
    /// Where the result goes; `nil` while the handle is idle.
    var continuation: CheckedContinuation<Result<HTTPResponseSpec, CurlTransportError>, Never>?
    /// The response body so far.
    var body: [UInt8] = []
    /// The headers of the latest response head so far.
    var headers: [HTTPHeaderField] = []
    /// Whether libcurl called the pre-request callback: a connection was up and the request was
    /// about to be written. Until then the request provably has not been sent.
    var requestStarted = false
    /// Whether libcurl may send the request again on a fresh connection, as it does by itself when a
    /// reused connection closes without an answer; false for methods that are not idempotent.
    var allowsResend = true
    /// Whether the pre-request callback refused such a resend, ending the transfer.
    var resendRefused = false
    /// Whether the write callback refused the body for exceeding `bodyLimit`.
    var bodyLimitExceeded = false
    /// The largest body accepted.
    var bodyLimit = 0
    /// The request's header list, freed when the request completes.
    var headerList: UnsafeMutablePointer<curl_slist>?

    /// A new easy handle pointing its callbacks at this object, or `nil` when libcurl cannot make
    /// one. The options every request shares are set once, by `CurlRequestOptions.applyShared`; the
    /// handle is never reset, since each request sets every option that differs between requests.
    init?() {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = ccurl_easy_setopt_write_function(easy, CURLOPT_WRITEFUNCTION) { data, size, count, me in
            Unmanaged<CurlTransfer>.fromOpaque(me!).takeUnretainedValue().receiveBody(data, size * count)
        }
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        _ = ccurl_easy_setopt_write_function(easy, CURLOPT_HEADERFUNCTION) { data, size, count, me in
            Unmanaged<CurlTransfer>.fromOpaque(me!).takeUnretainedValue().receiveHeaderLine(data, size * count)
            return size * count
        }
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_PREREQDATA, me)
        _ = ccurl_easy_setopt_prereq_function(easy) { me, _, _, _, _ in
            Unmanaged<CurlTransfer>.fromOpaque(me!).takeUnretainedValue().requestWillBeSent()
        }
    }

    deinit {
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    /// libcurl's sentence about the last failure, or an empty string.
    var errorMessage: String { String(cString: errorBuffer) }

    /// Readies the handle's own state for a new request (the request's options are set next, by
    /// `CurlRequestOptions.apply`).
    func prepare(id: UInt64, bodyLimit: Int, continuation: CheckedContinuation<Result<HTTPResponseSpec, CurlTransportError>, Never>) {
        self.id = id
        self.continuation = continuation
        self.bodyLimit = bodyLimit
        body = []
        headers.removeAll(keepingCapacity: true)
        requestStarted = false
        allowsResend = true
        resendRefused = false
        bodyLimitExceeded = false
        errorBuffer[0] = 0
    }

    /// Hands the result over and lets go of everything the request owned.
    func finish() -> CheckedContinuation<Result<HTTPResponseSpec, CurlTransportError>, Never>? {
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        let continuation = self.continuation
        self.continuation = nil
        return continuation
    }

    /// The pre-request callback: a connection is up and the request is about to be written. A second
    /// call means libcurl is sending it again after the first connection died unanswered, when the
    /// server may already have acted on it; that is refused for a non-idempotent method.
    private func requestWillBeSent() -> Int32 {
        if requestStarted && !allowsResend {
            resendRefused = true
            return CURL_PREREQFUNC_ABORT
        }
        requestStarted = true
        return CURL_PREREQFUNC_OK
    }

    /// The write callback: appends body bytes, or refuses them (and so aborts the transfer with
    /// `CURLE_WRITE_ERROR`) once the body would exceed its limit.
    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return 0 }
        if body.count + count > bodyLimit {
            bodyLimitExceeded = true
            return 0
        }
        body.append(contentsOf: UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: count))
        return count
    }

    /// The header callback: one line of a response head, CRLF included. A status line starts a new
    /// head (after a 1xx response), so only the final response's headers remain.
    private func receiveHeaderLine(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) {
        guard let data else { return }
        var line = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: count)[...]
        while let last = line.last, last == 0x0A || last == 0x0D { line = line.dropLast() }
        guard let first = line.first else { return }
        if line.starts(with: Self.statusLinePrefix) {
            headers.removeAll(keepingCapacity: true)
        } else if first == 0x20 || first == 0x09, !headers.isEmpty {
            // An obsolete folded continuation line belongs to the previous header's value.
            headers[headers.count - 1].value += " " + Self.trimmed(line)
        } else if let colon = line.firstIndex(of: 0x3A) {
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = Self.trimmed(line[(colon + 1)...])
            headers.append(HTTPHeaderField(name: name, value: value))
            if name.caseInsensitiveEquals("Content-Length"), let length = Int(value), length > 0 {
                body.reserveCapacity(min(length, bodyLimit))
            }
        }
    }

    private static let statusLinePrefix = Array("HTTP/".utf8)

    private static func trimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
