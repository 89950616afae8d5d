import CallGateCore
import CallGateStorage

extension CallingWindowGate {
    /// The delivery worker's check before it sends `delivery` at `nowMillis` (its `window`): a
    /// delivery without a window question (a callback, whose time LiveVox keeps) is open; a launch is
    /// asked again under the rules and the service's profile in force now, and, closed, is planned
    /// for the first instant within the week when every entry is allowed, or dies when there is none.
    public func verdict(for delivery: Delivery, nowMillis: Int64) -> DeliveryWindowVerdict {
        guard let question = delivery.windowQuery else { return .open }
        guard let entries = DeliveryWindowQuery.decode(question) else {
            return .closed(reason: "Its calling-window question is unreadable, so it was not sent; cancel it and launch it again.")
        }
        let verdict = check(serviceId: delivery.serviceId, entries: entries, atEpochMillis: nowMillis)
        if verdict.allowed { return .open }
        let rules = verdict.blockingRuleIds.joined(separator: ", ")
        let outside = "Outside the calling window at \(CallingWindows.utcText(nowMillis)) (\(rules.isEmpty ? "location unknown" : rules))"
        guard let next = earliestCommonAllowed(serviceId: delivery.serviceId, entries: entries, from: nowMillis,
                                               withinDays: CallingWindowStage.batchSearchDays) else {
            return .closed(reason: "\(outside), and no instant within \(CallingWindowStage.batchSearchDays) days allows every call; not sent.")
        }
        return .closedUntil(untilMillis: next, reason: "\(outside); deferred to \(CallingWindows.utcText(next)).")
    }
}
