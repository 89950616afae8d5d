import CallGateCore
import CallGateStorage

/// The calling-window stage: after a launch or a callback is validated and before its intent is
/// recorded, it asks ``CallingWindowGate`` whether every call may start now (a callback: at its
/// time) under the service's profile. A batch with any entry outside is refused whole (422
/// `outside_calling_window`, or `location_unknown` when only the party's location is missing), so
/// nothing reaches LiveVox; a `/v1` callback that asks for it is moved to the next allowed instant.
/// Every decision goes into the audit record, and each refusal is counted by rule.
struct CallingWindowStage: Sendable {
    let gate: CallingWindowGate
    let nowMillis: @Sendable () -> Int64
    let metrics: GatewayMetrics?

    /// How far ahead a refusal's batch-wide `nextAllowedAt` is searched: the week `defer` waits at most.
    static let batchSearchDays: Int64 = 7

    /// Refuses a launch with any entry outside its window; each entry's window must stay open for
    /// its dialing timeout, or the margin when it has none. `deferring` (`whenOutsideWindow: defer`,
    /// manual-call webhooks) refuses only when no instant within the week allows every entry, and
    /// returns the first that does: the outbox sends the batch then. Nil: every entry may start now.
    @discardableResult
    func admit(_ calls: RequestValidator.ManualCalls, serviceId: Int64, surface: Surface, deferring: Bool = false,
               draft: inout AuditDraft) throws(Problem) -> Int64? {
        let entries = Self.entries(of: calls)
        let now = nowMillis()
        let verdict = gate.check(serviceId: serviceId, entries: entries, atEpochMillis: now)
        guard !verdict.allowed else {
            draft.callingWindow = record(verdict, nextAllowed: nil)
            return nil
        }
        let next = gate.earliestCommonAllowed(serviceId: serviceId, entries: entries, from: now, withinDays: Self.batchSearchDays)
        draft.callingWindow = record(verdict, nextAllowed: next)
        if deferring, let next { return next }
        let batch = RequestValidator.batchField(surface)
        throw refusal(verdict, nextAllowed: next, pointer: { "/\(batch)/\($0)" }, draft: &draft)
    }

    /// Refuses a callback whose time (or "now", without one) is outside the window, or, when it
    /// asks, moves it to the next allowed instant and says so in a warning.
    func admit(_ callback: inout RequestValidator.Callback, serviceId: Int64, draft: inout AuditDraft) throws(Problem) {
        let at = callback.request.date ?? nowMillis()
        let entries = [CallingWindowGate.Entry(phone: callback.phone)]
        let verdict = gate.check(serviceId: serviceId, entries: entries, atEpochMillis: at)
        guard !verdict.allowed else {
            draft.callingWindow = record(verdict, nextAllowed: nil)
            return
        }
        let next = verdict.latestNextAllowedAtEpochMillis
        draft.callingWindow = record(verdict, nextAllowed: next)
        guard callback.adjustsToCallingWindow, let next else {
            throw refusal(verdict, nextAllowed: next, pointer: { _ in callback.atPointer }, draft: &draft)
        }
        callback.adjustedFrom = .init(epochMillis: callback.request.date)
        callback.request.date = next
        let rules = verdict.blockingRuleIds.joined(separator: ", ")
        callback.warnings.append(FieldIssue(
            pointer: callback.atPointer, code: CallingWindowStage.adjustedCode,
            detail: "The callback time \(CallingWindows.utcText(at)) is outside the calling window (\(rules)); it was moved to \(CallingWindows.utcText(next)), the next allowed instant."))
    }

    /// The warning of a callback time moved into the window.
    static let adjustedCode = "adjusted_to_calling_window"

    /// The entries the gate checks for a validated batch.
    static func entries(of calls: RequestValidator.ManualCalls) -> [CallingWindowGate.Entry] {
        calls.phones.indices.map { index in
            let location = calls.partyLocations[index]
            return CallingWindowGate.Entry(phone: calls.phones[index], state: location?.state, timeZone: location?.timeZone,
                                           durationSeconds: calls.request.callEntry[index].dialingTimeout.map(Int64.init))
        }
    }

    /// What the audit record keeps of a decision.
    private func record(_ verdict: CallingWindowGate.Verdict, nextAllowed: Int64?) -> AuditCallingWindow {
        var rules = verdict.blockingRuleIds
        if verdict.decisions.contains(where: { if case .failure = $0 { true } else { false } }) {
            rules.append(Problem.Code.locationUnknown.rawValue)
        }
        return AuditCallingWindow(profile: verdict.profile.rawValue, ruleIds: rules, nextAllowedAtMillis: nextAllowed,
                                  rulesDigest: gate.rulesDigest)
    }

    /// The 422 naming each refused entry, counted by rule in the metrics.
    private func refusal(_ verdict: CallingWindowGate.Verdict, nextAllowed: Int64?, pointer: (Int) -> String,
                         draft: inout AuditDraft) -> Problem {
        var issues = FieldIssues()
        var outside = 0
        for index in verdict.refusedIndices {
            switch verdict.decisions[index] {
            case .success(let decision):
                outside += 1
                issues.append(FieldIssue(
                    pointer: pointer(index), code: Problem.Code.outsideCallingWindow.rawValue,
                    detail: Self.sentence(decision),
                    window: CallingWindowRefusal(blockedBy: decision.blockedBy, nextAllowedAtEpochMillis: decision.nextAllowedAtEpochMillis)))
            case .failure(let error):
                issues.append(FieldIssue(pointer: pointer(index), code: error.code.rawValue, detail: error.detail))
            }
        }
        var counted = verdict.blockingRuleIds
        if issues.count > outside { counted.append(Problem.Code.locationUnknown.rawValue) }
        metrics?.recordCallingWindowRefusal(rules: counted)
        draft.noteRefused(issues)

        let code: Problem.Code = outside > 0 ? .outsideCallingWindow : .locationUnknown
        var detail = outside > 0
            ? "\(outside == 1 ? "One call is" : "\(outside) calls are") outside the hours the \(verdict.profile.rawValue) profile allows at the called party's possible locations; nothing was sent to LiveVox."
            : "Where the called party is cannot be known for \(issues.count == 1 ? "one call" : "\(issues.count) calls"); nothing was sent to LiveVox."
        if outside > 0, nextAllowed == nil {
            detail += " No instant within \(Self.batchSearchDays) days allows every call of the request."
        }
        var problem = Problem(422, code, detail)
        problem.errors = issues.listed
        problem.errorCount = issues.count
        problem.nextAllowedAtEpochMillis = nextAllowed
        return problem
    }

    /// `Refused by US-FL-solicitation; allowed again at 2026-06-01T12:00:00Z.`
    static func sentence(_ decision: CallingWindowDecision) -> String {
        let rules = decision.blockedBy.map(\.id).joined(separator: ", ")
        guard let next = decision.nextAllowedAtEpochMillis else {
            return "Refused by \(rules); no allowed instant within \(CallingWindows.horizonDays) days."
        }
        return "Refused by \(rules); allowed again at \(CallingWindows.utcText(next))."
    }
}
