import CCurl
import Logging

/// The loop of the curl thread: the only code that touches the multi handle and the easy handles.
///
/// Each turn takes the whole inbox in one batch, fails the waiting requests whose deadline passed,
/// starts waiting requests while transfer slots are free, drives libcurl, completes every finished
/// transfer, and sleeps in `curl_multi_poll` until a socket, a timer, a deadline or a wake-up.
final class CurlEngine {
    private let shared: CurlSharedState
    private let multi: UnsafeMutableRawPointer
    private let configuration: CurlHTTPClient.Configuration
    private let logger: Logger
    private let clock = ContinuousClock()

    /// Transfers inside the multi handle, by request id.
    private var active: [UInt64: CurlTransfer] = [:]
    /// Easy handles not in use, reset and ready.
    private var idle: [CurlTransfer] = []
    /// Requests accepted but not started, oldest first.
    private var waiting = AdmissionQueue<Submission>()
    /// Set once the drain has begun.
    private var drainDeadline: ContinuousClock.Instant?
    /// Emptied arrays swapped into the inbox so taking a batch allocates nothing.
    private var spareSubmissions: [Submission] = []
    private var spareCancellations: [UInt64] = []

    init(shared: CurlSharedState, configuration: CurlHTTPClient.Configuration, logger: Logger) {
        self.shared = shared
        self.multi = shared.inbox.withLock { $0.multi.pointer }
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until the drain ends, then fails what is left and resumes the `shutdown` callers.
    func run() {
        logger.debug("curl thread started", metadata: [
            "curl.version": "\(String(cString: curl_version()))",
            "curl.max_host_connections": "\(configuration.maxConnectionsPerHost)",
            "curl.max_concurrent_transfers": "\(configuration.maxConcurrentTransfers)",
        ])
        while true {
            takeInbox()
            let now = clock.now
            for expired in waiting.removeExpired(now: now) {
                expired.element.continuation.resume(returning: .failure(.queueTimeout))
            }
            admit(now: now)
            if let drainDeadline {
                if active.isEmpty && waiting.isEmpty { break }
                if now >= drainDeadline { break }
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            let completed = completeFinishedTransfers()
            shared.inFlight.store(active.count, ordering: .relaxed)
            shared.waiting.store(waiting.count, ordering: .relaxed)
            if completed > 0 && !waiting.isEmpty { continue }
            _ = curl_multi_poll(multi, nil, 0, pollTimeoutMilliseconds(), nil)
        }
        stop()
    }

    // MARK: - Inbox

    private func takeInbox() {
        var drain: ContinuousClock.Instant?
        shared.inbox.withLock { inbox in
            swap(&inbox.submissions, &spareSubmissions)
            swap(&inbox.cancellations, &spareCancellations)
            inbox.wakePending = false
            drain = inbox.drainDeadline
        }
        if drain != nil, drainDeadline == nil {
            logger.debug("curl thread draining", metadata: ["curl.active": "\(active.count)", "curl.waiting": "\(waiting.count)"])
        }
        drainDeadline = drain
        // Cancellations first, so a request cancelled in the same batch is never started.
        var cancelledBeforeStart: Set<UInt64> = []
        for id in spareCancellations {
            if let transfer = active.removeValue(forKey: id) {
                let started = transfer.requestStarted
                recycle(transfer)?.resume(returning: .failure(.cancelled(requestStarted: started)))
            } else if let entry = waiting.remove(id: id) {
                entry.element.continuation.resume(returning: .failure(.cancelled(requestStarted: false)))
            } else {
                cancelledBeforeStart.insert(id)
            }
        }
        for submission in spareSubmissions {
            if cancelledBeforeStart.contains(submission.id) {
                submission.continuation.resume(returning: .failure(.cancelled(requestStarted: false)))
            } else {
                waiting.append(id: submission.id, deadline: submission.deadline, element: submission,
                               urgent: submission.request.isUrgent)
            }
        }
        spareSubmissions.removeAll(keepingCapacity: true)
        spareCancellations.removeAll(keepingCapacity: true)
    }

    // MARK: - Admission

    private func admit(now: ContinuousClock.Instant) {
        while active.count < configuration.maxConcurrentTransfers, let entry = waiting.popFirst() {
            start(entry.element, remaining: now.duration(to: entry.deadline))
        }
    }

    private func start(_ submission: Submission, remaining: Duration) {
        let transfer: CurlTransfer
        switch idle.popLast().map(Result.success) ?? newTransfer() {
        case .success(let pooled):
            transfer = pooled
        case .failure(let error):
            submission.continuation.resume(returning: .failure(error))
            return
        }
        transfer.prepare(id: submission.id, bodyLimit: configuration.maxResponseBodySize, continuation: submission.continuation)
        if let invalid = CurlRequestOptions.apply(submission.request, to: transfer, remaining: remaining, configuration: configuration) {
            transfer.finish()?.resume(returning: .failure(invalid))
            idle.append(transfer)
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            transfer.finish()?.resume(returning: .failure(CurlTransportError(
                code: .other, requestNeverSent: true, detail: String(cString: curl_multi_strerror(added)))))
            idle.append(transfer)
            return
        }
        active[submission.id] = transfer
    }

    /// A new easy handle with the options every request shares.
    private func newTransfer() -> Result<CurlTransfer, CurlTransportError> {
        guard let transfer = CurlTransfer() else {
            return .failure(CurlTransportError(
                code: .other, requestNeverSent: true, detail: "libcurl could not create an easy handle."))
        }
        if let refused = CurlRequestOptions.applyShared(to: transfer, configuration: configuration) {
            return .failure(refused)
        }
        return .success(transfer)
    }

    // MARK: - Completion

    /// Completes every transfer libcurl reports done; returns how many.
    private func completeFinishedTransfers() -> Int {
        var completed = 0
        var messagesLeft: Int32 = 0
        while let message = curl_multi_info_read(multi, &messagesLeft) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = ccurl_message_result(message)
            var pointer: UnsafeMutableRawPointer?
            _ = ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &pointer)
            guard let pointer else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer).takeUnretainedValue()
            let outcome = outcome(of: transfer, result: result)
            active.removeValue(forKey: transfer.id)
            recycle(transfer)?.resume(returning: outcome)
            completed += 1
        }
        return completed
    }

    private func outcome(of transfer: CurlTransfer, result: CURLcode) -> Result<HTTPResponseSpec, CurlTransportError> {
        guard result == CURLE_OK else {
            return .failure(CurlTransportError(
                curlCode: result, requestStarted: transfer.requestStarted, bodyLimitExceeded: transfer.bodyLimitExceeded,
                resendRefused: transfer.resendRefused, limit: transfer.bodyLimit, message: transfer.errorMessage))
        }
        var status = 0, connects = 0, version = 0
        var totalMicroseconds: curl_off_t = 0
        _ = ccurl_easy_getinfo_long(transfer.easy, CURLINFO_RESPONSE_CODE, &status)
        _ = ccurl_easy_getinfo_long(transfer.easy, CURLINFO_NUM_CONNECTS, &connects)
        _ = ccurl_easy_getinfo_long(transfer.easy, CURLINFO_HTTP_VERSION, &version)
        _ = ccurl_easy_getinfo_off_t(transfer.easy, CURLINFO_TOTAL_TIME_T, &totalMicroseconds)
        let body = transfer.body
        transfer.body = []
        let httpVersion: HTTPResponseSpec.Version = switch version {
        case CURL_HTTP_VERSION_1_0: .http1_0
        case CURL_HTTP_VERSION_1_1: .http1_1
        case CURL_HTTP_VERSION_2_0: .http2
        default: .other
        }
        return .success(HTTPResponseSpec(
            status: status,
            headers: transfer.headers,
            body: body,
            version: httpVersion,
            totalTime: .microseconds(totalMicroseconds),
            reusedConnection: connects == 0))
    }

    /// Takes the transfer out of the multi handle and back to the pool; returns its continuation.
    private func recycle(_ transfer: CurlTransfer) -> CheckedContinuation<Result<HTTPResponseSpec, CurlTransportError>, Never>? {
        _ = curl_multi_remove_handle(multi, transfer.easy)
        let continuation = transfer.finish()
        idle.append(transfer)
        return continuation
    }

    // MARK: - Sleeping and stopping

    /// Until the next instant this loop must act on by itself; libcurl's own timers shorten it further.
    private func pollTimeoutMilliseconds() -> Int32 {
        let now = clock.now
        var timeout = Duration.seconds(1)
        for instant in [waiting.earliestDeadline, drainDeadline].compactMap({ $0 }) {
            timeout = min(timeout, max(.zero, now.duration(to: instant)))
        }
        let (seconds, attoseconds) = timeout.components
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    private func stop() {
        for transfer in active.values {
            let started = transfer.requestStarted
            recycle(transfer)?.resume(returning: .failure(.shutdown(requestStarted: started)))
        }
        active.removeAll()
        for entry in waiting.removeAll() {
            entry.element.continuation.resume(returning: .failure(.shutdown(requestStarted: false)))
        }
        shared.inFlight.store(0, ordering: .relaxed)
        shared.waiting.store(0, ordering: .relaxed)
        let (late, waiters) = shared.markStopped()
        idle.removeAll()  // curl_easy_cleanup of each handle
        for submission in late {
            submission.continuation.resume(returning: .failure(.shutdown(requestStarted: false)))
        }
        logger.debug("curl thread stopped")
        for waiter in waiters { waiter.resume() }
    }
}
