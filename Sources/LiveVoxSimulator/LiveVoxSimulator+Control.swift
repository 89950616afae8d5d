import CallGateCore

/// The `/_sim/` control endpoints, listed in ``LiveVoxSimulator``'s documentation and in
/// `docs/simulator.md`.
extension LiveVoxSimulator {
    struct RequestList: Codable { var requests: [RecordedRequest] }
    struct LaunchList: Codable { var launches: [AcceptedLaunch] }
    struct CallbackList: Codable { var callbacks: [AcceptedCallback] }
    struct FaultList: Codable { var faults: [FaultRule] }
    struct LaunchFailureList: Codable { var launchFailures: [LaunchFailureRule] }

    /// `POST /_sim/clock`: one of the three.
    struct ClockChange: Codable {
        var epochSeconds: Double?
        var advanceSeconds: Double?
        var resume: Bool?
    }

    /// `GET /_sim/clock`.
    struct ClockReading: Codable {
        var epochSeconds: Double
        var frozen: Bool
    }

    /// `POST /_sim/services/{id}`.
    struct AgentChange: Codable {
        var availableAgents: Int?
        var loggedInAgents: Int?
    }

    /// `GET /_sim/services/{id}`.
    struct ServiceReading: Encodable {
        var configuration: ServiceConfiguration
        var stats: QueueStats
        var completedCalls: Int
    }

    /// Answers a control request.
    func control(_ request: IncomingRequest, route: SimulatorRoute.ControlRoute) -> SimulatorReply {
        do throws(ReplyError) {
            switch route {
            case .listRequests:
                return .json(RequestList(requests: requests))
            case .clearRequests:
                state.withLock { $0.requests.removeAll() }
                return .empty()
            case .listLaunches:
                return .json(LaunchList(launches: launches))
            case .listCallbacks:
                return .json(CallbackList(callbacks: callbacks))
            case .listFaults:
                return .json(FaultList(faults: faults))
            case .addFault:
                let rule = try JSONBody.decode(FaultRule.self, from: request.body).get()
                do throws(SimulatorSetupError) {
                    return .json(try addFault(rule), status: 201)
                } catch {
                    return .failure(.malformedRequest, error.description)
                }
            case .clearFaults:
                clearFaults()
                return .empty()
            case .removeFault(let id):
                let removed = Int(id).map { id in state.withLock { $0.faults.remove(id: id) } } ?? false
                return removed ? .empty() : .failure(.notFound, "No fault rule \(id).")
            case .listLaunchFailures:
                return .json(LaunchFailureList(launchFailures: launchFailures))
            case .addLaunchFailure:
                let rule = try JSONBody.decode(LaunchFailureRule.self, from: request.body).get()
                do throws(SimulatorSetupError) {
                    return .json(try addLaunchFailure(rule), status: 201)
                } catch {
                    return .failure(.malformedRequest, error.description)
                }
            case .clearLaunchFailures:
                clearLaunchFailures()
                return .empty()
            case .removeLaunchFailure(let id):
                let removed = Int(id).map { id in state.withLock { $0.launchFailures.remove(id: id) } } ?? false
                return removed ? .empty() : .failure(.notFound, "No launch-failure rule \(id).")
            case .expireSessions:
                expireAllSessions()
                return .empty()
            case .readClock:
                return .json(ClockReading(epochSeconds: clock.now, frozen: clock.isFrozen))
            case .setClock:
                let change = try JSONBody.decode(ClockChange.self, from: request.body).get()
                if let epochSeconds = change.epochSeconds { clock.set(epochSeconds: epochSeconds) }
                if let advanceSeconds = change.advanceSeconds { clock.advance(bySeconds: advanceSeconds) }
                if change.resume == true { clock.resume() }
                return .json(ClockReading(epochSeconds: clock.now, frozen: clock.isFrozen))
            case .readService(let id):
                return try serviceReading(id)
            case .updateService(let id):
                let change = try JSONBody.decode(AgentChange.self, from: request.body).get()
                guard let serviceId = Int64(id), setAgents(serviceId: serviceId, available: change.availableAgents,
                                                           loggedIn: change.loggedInAgents)
                else { return .failure(.unknownService, "Service \(id) does not exist.") }
                return try serviceReading(id)
            case .reset:
                reset()
                return .empty()
            }
        } catch {
            return error.reply
        }
    }

    private func serviceReading(_ id: String) throws(ReplyError) -> SimulatorReply {
        let now = clock.now
        let reading: ServiceReading? = state.withLock { state in
            guard let serviceId = Int64(id), state.queues[serviceId] != nil else { return nil }
            state.queues[serviceId]!.advance(to: now)
            let queue = state.queues[serviceId]!
            return ServiceReading(configuration: queue.configuration, stats: queue.stats, completedCalls: queue.completedCount)
        }
        guard let reading else { throw ReplyError(.failure(.unknownService, "Service \(id) does not exist.")) }
        return .json(reading)
    }
}
