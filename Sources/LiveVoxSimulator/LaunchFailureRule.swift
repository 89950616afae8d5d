import CallGateCore

/// Makes the next launches of one number fail with a chosen non-attempted code, so that every
/// code of the reference can be produced on demand: most of them (busy lines, account states,
/// campaigns) come from parts of LiveVox the simulator does not model.
///
/// On the wire (`POST /_sim/launch-failures`) a rule is flat JSON, e.g.
/// `{"phoneNumber": "4158149720", "errorCode": 601, "count": 2, "serviceId": 21429}`.
public struct LaunchFailureRule: Codable, Sendable, Hashable {
    /// The id the simulator gave the rule, for `DELETE /_sim/launch-failures/{id}`.
    public var id: Int?
    /// The number, in any form a launch may send it: matched after normalization, as the DNC list is.
    public var phoneNumber: String
    /// The non-attempted code the launch fails with; one of ``NonAttemptedCallCode``'s twenty.
    public var errorCode: Int
    /// Only launches on this service; every service when absent.
    public var serviceId: Int64?
    /// How many more launches of the number fail; every one when absent.
    public var count: Int?

    /// Creates a rule.
    public init(phoneNumber: String, errorCode: Int, serviceId: Int64? = nil, count: Int? = nil) {
        self.phoneNumber = phoneNumber
        self.errorCode = errorCode
        self.serviceId = serviceId
        self.count = count
    }

    /// Why the rule cannot be used, or `nil` when it can.
    var problem: String? {
        if phoneNumber.isEmpty { return "phoneNumber must not be empty." }
        if NonAttemptedCallCode(rawValue: errorCode) == nil {
            let codes = NonAttemptedCallCode.allCases.map { String($0.rawValue) }.joined(separator: ", ")
            return "errorCode \(errorCode) is not a non-attempted code; use one of \(codes)."
        }
        if let count, count < 1 { return "count must be at least 1." }
        return nil
    }
}

extension LaunchFailureRule: NumberedRule {}

/// The active launch-failure rules, in the order they were added.
typealias LaunchFailurePlan = NumberedRules<LaunchFailureRule>

extension NumberedRules where Rule == LaunchFailureRule {
    /// The code the first rule matching a launched number fails it with, using up one of that
    /// rule's count; `normalized` is the number as `CallScreening.normalized` gives it, if it parses.
    mutating func take(phoneNumber: String, normalized: String?, serviceId: Int64) -> NonAttemptedCallCode? {
        guard let index = rules.firstIndex(where: { rule in
            (rule.serviceId == nil || rule.serviceId == serviceId)
                && (rule.phoneNumber == phoneNumber || rule.phoneNumber == normalized)
        }) else { return nil }
        let code = NonAttemptedCallCode(rawValue: rules[index].errorCode)
        if let count = rules[index].count {
            if count <= 1 { rules.remove(at: index) } else { rules[index].count = count - 1 }
        }
        return code
    }
}
