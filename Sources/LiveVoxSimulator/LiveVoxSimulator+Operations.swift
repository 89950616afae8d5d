import CallGateCore

/// The LiveVox side: sessions and the four Supervisor Calls operations.
extension LiveVoxSimulator {
    /// The time zone codes ScheduleCallback accepts: the six the reference documents, and the
    /// five that public client code also sends (UTC, AL, CHT, UK, GU; meaning undocumented).
    static let callbackTimeZones: Set<String> = Set(LiveVoxTimeZone.allCases.map(\.rawValue))
        .union(["UTC", "AL", "CHT", "UK", "GU"])

    /// Answers a LiveVox request (not a control one), as of the clock's current instant.
    func answer(_ request: IncomingRequest, route: SimulatorRoute) -> SimulatorReply {
        let now = clock.now
        do throws(ReplyError) {
            switch route {
            case .login:
                return try login(request, now: now)
            case .validate(let sessionId):
                let valid = state.withLock { $0.sessions.use(sessionId, now: now) }
                return valid ? .empty() : .failure(.sessionNotFound, "Session \(sessionId) is not valid.")
            case .logout(let sessionId):
                let existed = state.withLock { $0.sessions.logout(sessionId, now: now) }
                return existed ? .empty() : .failure(.sessionNotFound, "Session \(sessionId) is not valid.")
            case .queueStats(let serviceId):
                try requireSession(request, now: now)
                guard let serviceId else {
                    return .failure(.malformedRequest, "The query parameter serviceId is required.")
                }
                let id = try knownService(serviceId)
                return .json(state.withLock { state in
                    state.queues[id]!.advance(to: now)
                    return state.queues[id]!.stats
                })
            case .nonAttemptedCalls(let serviceId):
                try requireSession(request, now: now)
                let id = try knownService(serviceId)
                return .json(state.withLock { state in
                    state.queues[id]!.advance(to: now)
                    return NonAttemptedManualCallsResponse(nonAttemptedManualCalls: state.queues[id]!.nonAttempted)
                })
            case .launchManualCalls(let serviceId):
                try requireSession(request, now: now)
                return try launch(request, serviceId: try knownService(serviceId), now: now)
            case .scheduleCallback(let serviceId):
                try requireSession(request, now: now)
                return try scheduleCallback(request, serviceId: try knownService(serviceId), now: now)
            case .methodNotAllowed(let allowed):
                var reply = SimulatorReply.failure(.methodNotAllowed, "\(request.method) is not allowed on \(request.path); use \(allowed).")
                reply.headers.append(.init(name: "Allow", value: allowed))
                return reply
            case .notFound, .control:
                return .failure(.notFound, "No resource at \(request.path).")
            }
        } catch {
            return error.reply
        }
    }

    private func login(_ request: IncomingRequest, now: Double) throws(ReplyError) -> SimulatorReply {
        guard request.header("LV-Access") == configuration.accessToken else {
            throw ReplyError(.failure(.invalidAccessToken, "The LV-Access token is missing or not valid."))
        }
        let login = try JSONBody.decode(LoginRequest.self, from: request.body).get()
        guard login.clientName == configuration.clientName, login.userName == configuration.userName,
              login.password == configuration.password
        else {
            throw ReplyError(.failure(.invalidCredentials, "Invalid client name, user name or password."))
        }
        let owner = "\(configuration.accessToken)\u{0}\(login.clientName)\u{0}\(login.userName)"
        let sessionId = state.withLock { state in
            let fresh = state.makeSessionId()
            return state.sessions.login(owner: owner, now: now, newId: fresh)
        }
        logger.debug("simulator login", metadata: ["livevox.session": "\(sessionId)"])
        return .json(LoginResponse(
            sessionId: sessionId, clientId: configuration.clientId, userId: configuration.userId,
            daysUntilPasswordExpires: configuration.daysUntilPasswordExpires
        ))
    }

    private func requireSession(_ request: IncomingRequest, now: Double) throws(ReplyError) {
        guard let sessionId = request.header("LV-Session"), !sessionId.isEmpty else {
            throw ReplyError(.failure(.invalidSession, "The LV-Session header is missing."))
        }
        guard state.withLock({ $0.sessions.use(sessionId, now: now) }) else {
            throw ReplyError(.failure(.invalidSession, "Session is unknown or expired."))
        }
    }

    /// The service id of a path or query, when it is all digits and names a service.
    private func knownService(_ text: String) throws(ReplyError) -> Int64 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = Int64(text) else {
            throw ReplyError(.failure(.malformedRequest, "serviceId must be an integer, got '\(text)'."))
        }
        guard state.withLock({ $0.queues[id] != nil }) else {
            throw ReplyError(.failure(.unknownService, "Service \(id) does not exist."))
        }
        return id
    }

    private func launch(_ request: IncomingRequest, serviceId: Int64, now: Double) throws(ReplyError) -> SimulatorReply {
        let automated = state.withLock { $0.queues[serviceId]!.configuration.automated }
        guard automated else {
            throw ReplyError(.failure(.serviceNotAutomated,
                                      "Service \(serviceId) is on a non-automated queuer; manual calls cannot be launched."))
        }
        let body = try JSONBody.decode(LaunchManualCallsRequest.self, from: request.body).get()
        guard !body.callEntry.isEmpty else {
            throw ReplyError(.failure(.malformedRequest, "callEntry must hold at least one call."))
        }
        // Screening parses numbers; do it outside the lock.
        let (screening, hasLaunchFailures) = state.withLock { ($0.screening, !$0.launchFailures.rules.isEmpty) }
        let screened = body.callEntry.map { screening.refusal(of: $0.phoneNumber, at: now) }
        let normalized = hasLaunchFailures ? body.callEntry.map { CallScreening.normalized($0.phoneNumber) } : []
        let refusals: [NonAttemptedCallCode?] = state.withLock { state in
            var refusals: [NonAttemptedCallCode?] = []
            for (index, entry) in body.callEntry.enumerated() {
                var entry = entry
                let transactionId = entry.transactionId ?? state.takeTransactionId()
                entry.transactionId = transactionId
                state.queues[serviceId]!.advance(to: now)
                // A rule a test set wins over the world's own reasons: it asked for exactly that code.
                let refusal = (hasLaunchFailures
                    ? state.launchFailures.take(phoneNumber: entry.phoneNumber, normalized: normalized[index], serviceId: serviceId)
                    : nil) ?? screened[index] ?? state.queues[serviceId]!.overflow
                if let refusal {
                    state.queues[serviceId]!.recordFailure(transactionId: transactionId, phoneNumber: entry.phoneNumber,
                                                           code: refusal, at: now)
                } else {
                    state.queues[serviceId]!.enqueue(transactionId: transactionId, phoneNumber: entry.phoneNumber,
                                                     dialingTimeout: entry.dialingTimeout, now: now)
                }
                state.launches.append(AcceptedLaunch(serviceId: serviceId, entry: entry, acceptedAt: now,
                                                     refusedWithCode: refusal?.rawValue))
                refusals.append(refusal)
            }
            return refusals
        }
        logger.debug("simulator launch", metadata: [
            "livevox.service": "\(serviceId)", "livevox.calls": "\(body.callEntry.count)",
            "livevox.refused": "\(refusals.compactMap { $0 }.count)",
        ])
        return .empty()
    }

    private func scheduleCallback(_ request: IncomingRequest, serviceId: Int64, now: Double) throws(ReplyError) -> SimulatorReply {
        let body = try JSONBody.decode(ScheduleCallbackRequest.self, from: request.body).get()
        guard !body.phoneNumber.isEmpty else {
            throw ReplyError(.failure(.malformedRequest, "phoneNumber must not be empty."))
        }
        if let zone = body.timeZone, !Self.callbackTimeZones.contains(zone) {
            throw ReplyError(.failure(.malformedRequest,
                                      "timeZone must be one of \(Self.callbackTimeZones.sorted().joined(separator: ", ")), got '\(zone)'."))
        }
        state.withLock { $0.callbacks.append(AcceptedCallback(serviceId: serviceId, request: body, acceptedAt: now)) }
        return .empty()
    }
}
