/// The answer of `GET /callControl/supervisor/calls/queue/{serviceId}`.
public struct QueueStats: Encodable, LiveVoxWireDecodable, Hashable {
    /// Agents available to take calls from the queue.
    public var availableAgents: Int
    /// Calls connected to a consumer and waiting for an agent.
    public var callsOnHold: Int
    /// Calls queued, waiting to be launched.
    public var callsToBeLaunched: Int
    /// Calls launched and in progress.
    public var callsInProgress: Int
    /// Agents logged into the service.
    public var maxAgents: Int

    /// Creates a snapshot.
    public init(availableAgents: Int, callsOnHold: Int, callsToBeLaunched: Int, callsInProgress: Int, maxAgents: Int) {
        self.availableAgents = availableAgents
        self.callsOnHold = callsOnHold
        self.callsToBeLaunched = callsToBeLaunched
        self.callsInProgress = callsInProgress
        self.maxAgents = maxAgents
    }

    /// Decodes a snapshot, accepting counts written as strings.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        availableAgents = try c.integer("availableAgents")
        callsOnHold = try c.integer("callsOnHold")
        callsToBeLaunched = try c.integer("callsToBeLaunched")
        callsInProgress = try c.integer("callsInProgress")
        maxAgents = try c.integer("maxAgents")
    }
}
