import CallGateCore
import LiveVoxClient

/// The `/v1` answers: typed JSON built from LiveVox's answers, or a problem when LiveVox refused.
extension Gateway {
    /// LiveVox refused (a 4xx it passes through): on `/v1` that is a problem with LiveVox's words.
    static func refusal<Model>(_ response: LiveVoxResponse<Model>) -> Problem {
        let body = response.errorBody
        var detail = "LiveVox refused the request with status \(response.status)"
        if let message = body?.message { detail += ": \(message)" } else { detail += "." }
        var problem = Problem(response.status, .upstreamRefused, detail)
        problem.upstream = Problem.Upstream(status: response.status, code: body?.code, message: body?.message, attempts: response.attempts)
        return problem
    }

    static func undecodable(attempts: Int) -> Problem {
        var problem = Problem(502, .upstreamError, "LiveVox answered with a body that is not the JSON its API defines.")
        problem.upstream = Problem.Upstream(status: 200, code: nil, message: nil, attempts: attempts)
        return problem
    }

    func v1QueueStats(_ response: LiveVoxResponse<QueueStats>, serviceId: Int64) -> Result<GatewayResponse, Problem> {
        guard response.isSuccess else { return .failure(Self.refusal(response)) }
        let stats: QueueStats
        do { stats = try response.model() } catch { return .failure(Self.undecodable(attempts: response.attempts)) }
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
        return .success(Self.json(200, out))
    }

    func v1NonAttempted(
        _ response: LiveVoxResponse<NonAttemptedManualCallsResponse>, serviceId: Int64, filter: NonAttemptedFilter
    ) -> Result<GatewayResponse, Problem> {
        guard response.isSuccess else { return .failure(Self.refusal(response)) }
        let calls: [NonAttemptedManualCall]
        do { calls = try response.model().nonAttemptedManualCalls } catch {
            return .failure(Self.undecodable(attempts: response.attempts))
        }
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
        return .success(Self.json(200, out))
    }

    /// LiveVox's offset-less local time, placed in the configured upstream zone, as ISO 8601 with
    /// its offset; a time the zone repeats takes the earlier instant, one it skips cannot be placed.
    func timeOfFailure(_ text: String) -> String? {
        guard let local = try? LocalDateTime.parse(text) else { return nil }
        switch configuration.upstreamTimeZone.instants(of: local) {
        case .unique(let zoned): return zoned.iso8601
        case .repeated(let earlier, _, _): return earlier.iso8601
        case .skipped: return nil
        }
    }

    static func v1Launched(
        _ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64, calls: RequestValidator.ManualCalls
    ) -> Result<GatewayResponse, Problem> {
        guard response.isSuccess else { return .failure(refusal(response)) }
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
        return .success(json(202, out))
    }

    /// UTC, for instants with no zone of their own.
    static let utc = IANATimeZone.named("UTC")!

    static func v1Scheduled(
        _ response: LiveVoxResponse<LiveVoxNoContent>, serviceId: Int64, callback: RequestValidator.Callback
    ) -> Result<GatewayResponse, Problem> {
        guard response.isSuccess else { return .failure(refusal(response)) }
        let request = callback.request
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"serviceId\":", to: &out)
        JSONBytes.appendInteger(serviceId, to: &out)
        JSONBytes.appendRaw(",\"phone\":\"", to: &out)
        callback.phone.writeNational(into: &out)
        JSONBytes.appendRaw("\",\"e164\":\"", to: &out)
        callback.phone.writeE164(into: &out)
        JSONBytes.appendRaw("\",\"at\":", to: &out)
        if let date = request.date {
            let zone = request.timeZone.flatMap { LiveVoxTimeZone(rawValue: $0)?.zone } ?? Self.utc
            JSONBytes.appendString(zone.iso8601(atEpochMillis: date), to: &out)
        } else {
            JSONBytes.appendRaw("null", to: &out)
        }
        JSONBytes.appendRaw(",\"timeZone\":", to: &out)
        JSONBytes.appendOptionalString(request.timeZone, to: &out)
        JSONBytes.appendRaw(",\"agentLoginId\":", to: &out)
        JSONBytes.appendOptionalString(request.agentLoginId, to: &out)
        JSONBytes.appendRaw(",\"warnings\":", to: &out)
        JSONBytes.appendPointerMessages(callback.warnings, to: &out)
        out.append(UInt8(ascii: "}"))
        return .success(json(202, out))
    }
}

/// The `/v1` filters of non-attempted calls: `category` and `errorCode`, each optional.
struct NonAttemptedFilter: Sendable, Hashable {
    var category: NonAttemptedCallCode.Category?
    var errorCode: Int?

    func matches(errorCode code: Int, category found: NonAttemptedCallCode.Category?) -> Bool {
        if let errorCode, errorCode != code { return false }
        if let category, category != found { return false }
        return true
    }

    static func parse(query: String?) -> Result<NonAttemptedFilter, Problem> {
        var filter = NonAttemptedFilter()
        guard let query else { return .success(filter) }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0], value = parts.count > 1 ? parts[1] : ""
            switch name {
            case "category":
                guard let category = NonAttemptedCallCode.Category(rawValue: String(value)) else {
                    let known = NonAttemptedCallCode.Category.allCases.map(\.rawValue).joined(separator: ", ")
                    return .failure(Problem(400, .invalidQuery, "category '\(value.prefix(40))' is not one of: \(known)."))
                }
                filter.category = category
            case "errorCode":
                guard let code = Int(value), code > 0 else {
                    return .failure(Problem(400, .invalidQuery, "errorCode '\(value.prefix(40))' is not a LiveVox error code (a positive integer such as 998)."))
                }
                filter.errorCode = code
            default:
                return .failure(Problem(400, .invalidQuery, "Unknown query parameter '\(name.prefix(40))'; the filters are category and errorCode."))
            }
        }
        return .success(filter)
    }
}
