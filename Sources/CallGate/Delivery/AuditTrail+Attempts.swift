import CallGateCore
import CallGateStorage

extension AuditTrail {
    /// The audit record of one attempt of `delivery`: under the webhook's request id, for its
    /// source, with the numbers of its payload masked and fingerprinted like the intake's, what
    /// LiveVox answered, and the status the gateway would have answered a caller.
    func attemptRecord(_ delivery: Delivery, _ attempt: DeliveryWorker.Attempt, timeMillis: Int64,
                       totalLatency: Duration) -> AuditRecord {
        let numbers = Self.payloadPhones(delivery.payload)
        let reason: String? = switch attempt.outcome {
        case .delivered: nil
        case .retry(_, let error, _): error
        case .dead(let reason, _), .unknown(let reason), .deferred(_, let reason): reason
        }
        return AuditRecord(
            requestId: delivery.requestId, timeMillis: timeMillis, principal: delivery.source, role: nil,
            authMethod: Self.attemptAuthMethod, clientAddress: nil, operation: delivery.operation, method: "POST",
            path: "/v1/deliveries/\(delivery.id)", serviceId: delivery.serviceId, phones: numbers.map { keys.phone($0) },
            entryCount: numbers.count, outcome: AuditOutcome(status: attempt.status, problem: attempt.problem), reason: reason, validationCodes: [],
            upstreamStatus: attempt.upstreamStatus, upstreamAttempts: attempt.upstreamAttempts,
            upstreamLatencyMicros: attempt.upstreamLatency.map(Self.micros), totalLatencyMicros: Self.micros(totalLatency),
            responseStatus: attempt.status)
    }

    /// The `authMethod` of delivery attempts: the worker acting for the webhook's source.
    static let attemptAuthMethod = "outbox"

    /// The phone numbers of a LiveVox request body: `phoneNumber`, or each entry's in `callEntry`.
    static func payloadPhones(_ payload: [UInt8]) -> [String] {
        guard let body = try? JSONParser.parse(payload) else { return [] }
        if case .string(let number)? = body["phoneNumber"] { return [number] }
        guard case .array(let entries)? = body["callEntry"] else { return [] }
        return entries.compactMap { entry in
            if case .string(let number)? = entry["phoneNumber"] { number } else { nil }
        }
    }
}
