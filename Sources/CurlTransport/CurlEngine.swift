import CCurl
import CProcess
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The loop of the curl thread: the only code that touches the multi handle and the easy handles.
///
/// libcurl is driven by its socket interface: it tells the engine which sockets to watch
/// (`CURLMOPT_SOCKETFUNCTION`, kept in a level-triggered epoll set) and when its next timeout is
/// due (`CURLMOPT_TIMERFUNCTION`), and the engine calls `curl_multi_socket_action` for exactly the
/// sockets that are ready and for the timer when it is due. So a wake-up costs work for the
/// transfers that can move, not for every transfer in flight, as `curl_multi_perform` did.
///
/// Each turn takes the whole inbox in one batch, fails the waiting requests whose deadline passed,
/// starts waiting requests while transfer slots are free, runs libcurl's timer when due, completes
/// every finished transfer, and sleeps in the poller until a socket, the timer, a deadline or a
/// wake-up (the inbox's event counter, watched in the same set).
final class CurlEngine {
    private let shared: CurlSharedState
    private let multi: UnsafeMutableRawPointer
    private let configuration: CurlHTTPClient.Configuration
    private let logger: Logger
    private let clock = ContinuousClock()
    /// The epoll set: libcurl's sockets and the inbox's event counter.
    private let poller: Int32

    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`; `nil`: no timer.
    /// A timeout of 0 sets it to now, and the loop runs it before it sleeps again.
    private var timerDeadline: ContinuousClock.Instant?
    /// The sockets libcurl asked to watch, and for what (`CPROCESS_POLL_*`).
    private var watched: [curl_socket_t: Int32] = [:]
    /// Ready descriptors and their readiness of one wait.
    private var readyDescriptors = [Int32](repeating: 0, count: 256)
    private var readyEvents = [Int32](repeating: 0, count: 256)

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
        self.poller = shared.poller
        self.configuration = configuration
        self.logger = logger
    }

    /// libcurl's socket callback: watch `socket` for what it asks, or stop watching it.
    private static let socketCallback: curl_socket_callback = { _, socket, what, engine, _ in
        Unmanaged<CurlEngine>.fromOpaque(engine!).takeUnretainedValue().watch(socket, what: what)
        return 0
    }

    /// libcurl's timer callback: when to call it with `CURL_SOCKET_TIMEOUT` (-1: never).
    private static let timerCallback: curl_multi_timer_callback = { _, milliseconds, engine in
        let engine = Unmanaged<CurlEngine>.fromOpaque(engine!).takeUnretainedValue()
        engine.timerDeadline = milliseconds < 0 ? nil : engine.clock.now.advanced(by: .milliseconds(milliseconds))
        return 0
    }

    private func watch(_ socket: curl_socket_t, what: Int32) {
        if what == CURL_POLL_REMOVE {
            watched.removeValue(forKey: socket)
            // libcurl asks before it closes the socket; a socket already closed has left the set.
            _ = cprocess_poller_unwatch(poller, socket)
            return
        }
        let events = (what & CURL_POLL_IN != 0 ? Int32(CPROCESS_POLL_IN) : 0) | (what & CURL_POLL_OUT != 0 ? Int32(CPROCESS_POLL_OUT) : 0)
        let failed = cprocess_poller_watch(poller, socket, events)
        if failed != 0 {
            logger.error("curl socket could not be watched", metadata: ["curl.socket": "\(socket)", "errno": "\(failed)"])
        }
        watched[socket] = events
    }

    /// Lets libcurl act on one ready socket, or on its timer (`socket` -1, `CURL_SOCKET_TIMEOUT`).
    private func socketAction(_ socket: curl_socket_t, _ events: Int32) {
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, socket, events, &running)
        shared.counters.socketActions.add(1, ordering: .relaxed)
    }

    /// `CURL_SOCKET_TIMEOUT` (a macro of a macro, which Swift does not import).
    private static let timeoutSocket: curl_socket_t = -1

    /// Sleeps until something is ready or due, then lets libcurl act on each ready socket.
    private func waitAndAct() {
        let count = readyDescriptors.withUnsafeMutableBufferPointer { fds in
            readyEvents.withUnsafeMutableBufferPointer { events in
                cprocess_poller_wait(poller, fds.baseAddress, events.baseAddress, Int32(fds.count), pollTimeoutMilliseconds())
            }
        }
        shared.counters.wakeUps.add(1, ordering: .relaxed)
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            let descriptor = readyDescriptors[index]
            if descriptor == shared.wakeEvent {
                cprocess_event_drain(descriptor)
                continue
            }
            // An earlier action of this batch may have made libcurl drop the socket.
            guard watched[descriptor] != nil else { continue }
            let ready = readyEvents[index]
            let events = (ready & Int32(CPROCESS_POLL_IN) != 0 ? CURL_CSELECT_IN : 0)
                | (ready & Int32(CPROCESS_POLL_OUT) != 0 ? CURL_CSELECT_OUT : 0)
                | (ready & Int32(CPROCESS_POLL_ERROR) != 0 ? CURL_CSELECT_ERR : 0)
            socketAction(descriptor, events)
        }
    }

    /// Runs until the drain ends, then fails what is left and resumes the `shutdown` callers.
    func run() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_socket_function(multi, Self.socketCallback, me)
        _ = ccurl_multi_setopt_timer_function(multi, Self.timerCallback, me)
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
            if let timerDeadline, timerDeadline <= clock.now {
                self.timerDeadline = nil
                socketAction(Self.timeoutSocket, 0)
                shared.counters.timerActions.add(1, ordering: .relaxed)
            }
            let completed = completeFinishedTransfers()
            shared.inFlight.store(active.count, ordering: .relaxed)
            shared.waiting.store(waiting.count, ordering: .relaxed)
            if completed > 0 && !waiting.isEmpty { continue }
            // A timeout of 0 asked for during this turn runs before sleeping.
            if let timerDeadline, timerDeadline <= clock.now { continue }
            waitAndAct()
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
                shared.inFlight.store(active.count, ordering: .relaxed)
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
            // Counted before the caller resumes, so what it reads next includes its own transfer.
            shared.counters.completedTransfers.add(1, ordering: .relaxed)
            shared.inFlight.store(active.count, ordering: .relaxed)
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

    /// Until the next instant this loop must act on by itself: libcurl's timer, a waiting request's
    /// deadline, the drain's end.
    private func pollTimeoutMilliseconds() -> Int32 {
        let now = clock.now
        var timeout = Duration.seconds(1)
        for instant in [timerDeadline, waiting.earliestDeadline, drainDeadline].compactMap({ $0 }) {
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
        close(poller)
        idle.removeAll()  // curl_easy_cleanup of each handle
        for submission in late {
            submission.continuation.resume(returning: .failure(.shutdown(requestStarted: false)))
        }
        logger.debug("curl thread stopped")
        for waiter in waiters { waiter.resume() }
    }
}
