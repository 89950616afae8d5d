import CallGateCore

/// Validates and normalizes the body of a launch or a callback, on either surface and for
/// webhooks alike, and notes for the audit what it held: the valid numbers and the entry count of
/// an accepted body, or the error codes, entry count and valid numbers of a refused one (so ops
/// find refused requests for a number too).
struct BodyValidation: Sendable {
    let validator: RequestValidator
    /// The instant a callback time must not be before.
    let nowMillis: @Sendable () -> Int64

    func manualCalls(_ body: JSONValue, surface: Surface, draft: inout AuditDraft) throws(Problem) -> RequestValidator.ManualCalls {
        switch validator.manualCalls(body, surface: surface) {
        case .success(let calls):
            draft.phones = calls.phones.map(\.national)
            draft.entryCount = calls.phones.count
            return calls
        case .failure(let failure):
            throw refused(body, failure, surface, &draft)
        }
    }

    /// The callback, with the Agent rule applied when `principal` is an Agent.
    func callback(_ body: JSONValue, surface: Surface, principal: Principal,
                  draft: inout AuditDraft) throws(Problem) -> RequestValidator.Callback {
        switch validator.callback(body, surface: surface, nowMillis: nowMillis()) {
        case .success(var callback):
            draft.phones = [callback.phone.national]
            draft.entryCount = 1
            if principal.role == .agent { try Authorization.applyAgentRule(principal, to: &callback) }
            return callback
        case .failure(let failure):
            throw refused(body, failure, surface, &draft)
        }
    }

    private func refused(_ body: JSONValue, _ failure: ValidationFailure, _ surface: Surface, _ draft: inout AuditDraft) -> Problem {
        draft.noteRefused(failure.issues)
        let refused = validator.refusedBody(body, surface: surface)
        draft.entryCount = refused.entryCount
        draft.phones = refused.phones.map(\.national)
        return .validation(failure)
    }
}
