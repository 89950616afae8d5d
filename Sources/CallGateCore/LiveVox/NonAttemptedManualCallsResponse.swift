/// The answer of `GET /callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls`.
public struct NonAttemptedManualCallsResponse: Encodable, LiveVoxWireDecodable, Hashable {
    /// The transactions that were not attempted.
    public var nonAttemptedManualCalls: [NonAttemptedManualCall]

    /// Creates a response.
    public init(nonAttemptedManualCalls: [NonAttemptedManualCall]) {
        self.nonAttemptedManualCalls = nonAttemptedManualCalls
    }

    /// Decodes a response.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        nonAttemptedManualCalls = try c.array("nonAttemptedManualCalls", of: NonAttemptedManualCall.self)
    }
}
