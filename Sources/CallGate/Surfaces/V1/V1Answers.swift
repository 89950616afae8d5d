import CallGateCore
import LiveVoxClient

/// `/v1`'s answers: CallGate's own JSON built from LiveVox's answers (numbers in national and
/// E.164 form, times with their offset, codes with their category), or a problem when LiveVox
/// refused.
struct V1Answers: SurfaceAnswers {
    /// The zone LiveVox's offset-less `timeOfFailure` is read in.
    let upstreamTimeZone: IANATimeZone

    /// UTC, for instants with no zone of their own.
    static let utc = IANATimeZone.named("UTC")!

    func nonAttemptedFilter(query: String?) throws(Problem) -> NonAttemptedFilter {
        try NonAttemptedFilter.parse(query: query)
    }

    func queueStats(_ response: LiveVoxResponse<QueueStats>, serviceId: Int64) throws(Problem) -> GatewayResponse {
        let stats = try Self.model(of: response)
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"serviceId\":", to: &out)
        JSONBytes.appendInteger(serviceId, to: &out)
        for (key, value) in [("availableAgents", stats.availableAgents), ("callsOnHold", stats.callsOnHold),
                             ("callsToBeLaunched", stats.callsToBeLaunched), ("callsInProgress", stats.callsInProgress),
                             ("maxAgents", stats.maxAgents)] {
            out.append(UInt8(ascii: ","))
            JSONBytes.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONBytes.appendInteger(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return .json(200, out)
    }

    func nonAttempted(_ response: LiveVoxResponse<NonAttemptedManualCallsResponse>, serviceId: Int64,
                      filter: NonAttemptedFilter) throws(Problem) -> GatewayResponse {
        let calls = try Self.model(of: response).nonAttemptedManualCalls
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"serviceId\":", to: &out)
        JSONBytes.appendInteger(serviceId, to: &out)
        JSONBytes.appendRaw(",\"calls\":[", to: &out)
        var first = true
        for call in calls {
            let code = NonAttemptedCallCode(rawValue: call.errorCode)
            guard filter.matches(errorCode: call.errorCode, category: code?.category) else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONBytes.appendRaw("{\"transactionId\":", to: &out)
            JSONBytes.appendInteger(call.transactionId, to: &out)
            JSONBytes.appendRaw(",\"phone\":", to: &out)
            JSONBytes.appendString(call.phoneNumber, to: &out)
            JSONBytes.appendRaw(",\"reason\":", to: &out)
            JSONBytes.appendString(call.reason, to: &out)
            JSONBytes.appendRaw(",\"errorCode\":", to: &out)
            JSONBytes.appendInteger(call.errorCode, to: &out)
            JSONBytes.appendRaw(",\"category\":", to: &out)
            JSONBytes.appendString(code?.category.rawValue ?? "unknown", to: &out)
            JSONBytes.appendRaw(",\"retryable\":", to: &out)
            JSONBytes.appendBool(code?.isRetryable ?? false, to: &out)
            JSONBytes.appendRaw(",\"timeOfFailure\":", to: &out)
            JSONBytes.appendOptionalString(timeOfFailure(call.timeOfFailure), to: &out)
            JSONBytes.appendRaw(",\"timeOfFailureAsSent\":", to: &out)
            JSONBytes.appendString(call.timeOfFailure, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        JSONBytes.appendRaw("]}", to: &out)
        return .json(200, out)
    }

    /// LiveVox's offset-less local time, placed in the configured upstream zone, as ISO 8601 with
    /// its offset; a time the zone repeats takes the earlier instant, one it skips cannot be placed.
    func timeOfFailure(_ text: String) -> String? {
        guard let local = try? LocalDateTime.parse(text) else { return nil }
        switch upstreamTimeZone.instants(of: local) {
        case .unique(let zoned): return zoned.iso8601
        case .repeated(let earlier, _, _): return earlier.iso8601
        case .skipped: return nil
        }
    }

    func launched(_ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64,
                  calls: RequestValidator.ManualCalls) throws(Problem) -> GatewayResponse {
        guard response.isSuccess else { throw Self.refusal(response) }
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"serviceId\":", to: &out)
        JSONBytes.appendInteger(serviceId, to: &out)
        JSONBytes.appendRaw(",\"accepted\":", to: &out)
        JSONBytes.appendInteger(calls.phones.count, to: &out)
        JSONBytes.appendRaw(",\"calls\":[", to: &out)
        for (index, (entry, phone)) in zip(calls.request.callEntry, calls.phones).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendRaw("{\"phone\":\"", to: &out)
            phone.writeNational(into: &out)
            JSONBytes.appendRaw("\",\"e164\":\"", to: &out)
            phone.writeE164(into: &out)
            out.append(UInt8(ascii: "\""))
            if let transactionId = entry.transactionId {
                JSONBytes.appendRaw(",\"transactionId\":", to: &out)
                JSONBytes.appendInteger(transactionId, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        JSONBytes.appendRaw("]}", to: &out)
        return .json(202, out)
    }

    func scheduled(_ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64,
                   callback: RequestValidator.Callback) throws(Problem) -> GatewayResponse {
        guard response.isSuccess else { throw Self.refusal(response) }
        let request = callback.request
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"serviceId\":", to: &out)
        JSONBytes.appendInteger(serviceId, to: &out)
        JSONBytes.appendRaw(",\"phone\":\"", to: &out)
        callback.phone.writeNational(into: &out)
        JSONBytes.appendRaw("\",\"e164\":\"", to: &out)
        callback.phone.writeE164(into: &out)
        JSONBytes.appendRaw("\",\"at\":", to: &out)
        let zone = request.timeZone.flatMap { LiveVoxTimeZone(rawValue: $0)?.zone } ?? Self.utc
        if let date = request.date {
            JSONBytes.appendString(zone.iso8601(atEpochMillis: date), to: &out)
        } else {
            JSONBytes.appendRaw("null", to: &out)
        }
        if let adjusted = callback.adjustedFrom {
            // The time asked for, in the zone `at` is written in; null when it asked for "now".
            JSONBytes.appendRaw(",\"adjustedFrom\":", to: &out)
            if let from = adjusted.epochMillis {
                JSONBytes.appendString(zone.iso8601(atEpochMillis: from), to: &out)
            } else {
                JSONBytes.appendRaw("null", to: &out)
            }
        }
        JSONBytes.appendRaw(",\"timeZone\":", to: &out)
        JSONBytes.appendOptionalString(request.timeZone, to: &out)
        JSONBytes.appendRaw(",\"agentLoginId\":", to: &out)
        JSONBytes.appendOptionalString(request.agentLoginId, to: &out)
        JSONBytes.appendRaw(",\"warnings\":", to: &out)
        JSONBytes.appendPointerMessages(callback.warnings, to: &out)
        out.append(UInt8(ascii: "}"))
        return .json(202, out)
    }

    /// The model of a successful answer; LiveVox's refusal, or its failure to send its own model,
    /// as a problem.
    private static func model<Model>(of response: LiveVoxResponse<Model>) throws(Problem) -> Model {
        guard response.isSuccess else { throw refusal(response) }
        do { return try response.model() } catch { throw undecodable(attempts: response.attempts) }
    }

    /// LiveVox refused (a 4xx it passes through): on `/v1` that is a problem with LiveVox's words.
    static func refusal<Model>(_ response: LiveVoxResponse<Model>) -> Problem {
        let body = response.errorBody
        var detail = "LiveVox refused the request with status \(response.status)"
        if let message = body?.message { detail += ": \(message)" } else { detail += "." }
        var problem = Problem(response.status, .upstreamRefused, detail)
        problem.upstream = Problem.Upstream(status: response.status, code: body?.code, message: body?.message, attempts: response.attempts)
        return problem
    }
}
