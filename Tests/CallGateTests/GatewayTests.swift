import Foundation
import CallGateCore
import LiveVoxSimulator
import Testing

@testable import CallGate

@Suite("Gateway pipeline end to end (real simulator, real curl)", .serialized)
struct GatewayTests {
    static let launchV1 = #"{"calls": [{"phone": "(415) 205-7483", "account": "A-1"}]}"#
    static let launchCompat = #"{"callEntry": [{"phoneNumber": "415.205.7483", "dialingTimeout": "60"}]}"#
    static let callbackV1 = #"{"phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}"#
    static let callbackCompat = #"{"phoneNumber": "4158149720", "account": "1234", "date": "1893456000000"}"#

    /// Every operation on both surfaces, as (method, path, body).
    static let operations: [(GatewayOperation, String, String, String?)] = [
        (.getQueueStats, "GET", "/callControl/supervisor/calls/queue/21429", nil),
        (.getQueueStats, "GET", "/callControl/supervisor/calls/queue?serviceId=21429", nil),
        (.getQueueStats, "GET", "/v1/services/21429/queue", nil),
        (.getNonAttemptedManualCalls, "GET", "/callControl/supervisor/calls/21429/GetNonAttemptedManualCalls", nil),
        (.getNonAttemptedManualCalls, "GET", "/v1/services/21429/non-attempted-calls", nil),
        (.launchManualCalls, "POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", launchCompat),
        (.launchManualCalls, "POST", "/v1/services/21429/manual-calls", launchV1),
        (.scheduleCallback, "POST", "/callControl/supervisor/calls/112231/ScheduleCallback", callbackCompat),
        (.scheduleCallback, "POST", "/v1/services/112231/callbacks", callbackV1),
    ]

    @Test("Every role against every operation on both surfaces: allowed ones succeed, others get 403 and reach nothing")
    func rolesAgainstOperations() async throws {
        try await withGateway { gateway in
            for role in LiveVoxRole.allCases {
                for (operation, method, path, body) in Self.operations {
                    let before = gateway.simulator.simulator.requests.count
                    let answer = await gateway.send(method, path, key: role.rawValue.lowercased(), body: body)
                    if RolePolicy.allows(role, operation) {
                        #expect((200..<300).contains(answer.status), "\(role) \(method) \(path): \(answer.status) \(answer.text)")
                    } else {
                        #expect(answer.status == 403, "\(role) \(method) \(path)")
                        #expect(answer.code == "forbidden_role")
                        #expect(gateway.simulator.simulator.requests.count == before, "a refused request reached LiveVox")
                    }
                }
            }
        }
    }

    @Test("A key limited to some services gets 403 on the others")
    func serviceScope() async throws {
        try await withGateway { gateway in
            #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "scoped").status == 200)
            let refused = await gateway.send("GET", "/v1/services/50123/queue", key: "scoped")
            #expect(refused.status == 403)
            #expect(refused.code == "forbidden_service")
            #expect(refused.json?["detail"] == .string("The key 'scoped' may not use service 50123; its services: 21429."))
        }
    }

    @Test("An Agent's own agentLoginId is filled in; another agent's is refused")
    func agentOwnCallbacks() async throws {
        try await withGateway { gateway in
            let own = await gateway.send("POST", "/v1/services/112231/callbacks", key: "agent", body: Self.callbackV1)
            #expect(own.status == 202)
            #expect(own.json?["agentLoginId"] == .string("agent007"))
            #expect(gateway.simulator.simulator.callbacks.last?.request.agentLoginId == "agent007")

            let other = await gateway.send("POST", "/v1/services/112231/callbacks", key: "agent",
                                           body: #"{"phone": "4158149720", "agentLoginId": "agent999"}"#)
            #expect(other.status == 403)
            #expect(other.code == "forbidden_agent")
            #expect(gateway.simulator.simulator.callbacks.count == 1)

            let manager = await gateway.send("POST", "/v1/services/112231/callbacks", key: "manager",
                                             body: #"{"phone": "4158149720", "agentLoginId": "agent999"}"#)
            #expect(manager.status == 202)
            #expect(gateway.simulator.simulator.callbacks.last?.request.agentLoginId == "agent999")
        }
    }

    @Test("Missing and unknown credentials get 401 with WWW-Authenticate", arguments: [
        ([String: String](), "Send an API key as 'Authorization: Bearer cgk_...' or 'X-API-Key: cgk_...'."),
        (["authorization": "Bearer cgk_" + String(repeating: "A", count: 43)], "The API key is not valid: it is unknown, revoked or mistyped."),
        (["x-api-key": "not-a-key"], "The API key is not valid: it is unknown, revoked or mistyped."),
        (["authorization": "Basic dXNlcjpwYXNz"], "Send an API key as 'Authorization: Bearer cgk_...' or 'X-API-Key: cgk_...'."),
    ])
    func unauthenticated(headers: [String: String], detail: String) async throws {
        try await withGateway { gateway in
            let answer = await gateway.send("GET", "/v1/services/21429/queue", headers: headers)
            #expect(answer.status == 401)
            #expect(answer.code == "unauthenticated")
            #expect(answer.headers["www-authenticate"] == #"Bearer realm="CallGate""#)
            #expect(answer.headers["content-type"] == "application/problem+json")
            #expect(answer.json?["detail"] == .string(detail))
            #expect(gateway.simulator.simulator.requests.isEmpty)
        }
    }

    @Test("X-API-Key, and LV-Access on the compatible surface, authenticate too")
    func otherKeyHeaders() async throws {
        try await withGateway { gateway in
            let key = gateway.keys["manager"]!
            #expect(await gateway.send("GET", "/v1/services/21429/queue", headers: ["x-api-key": key]).status == 200)
            #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", headers: ["lv-access": key]).status == 200)
            #expect(await gateway.send("GET", "/v1/services/21429/queue", headers: ["lv-access": key]).status == 401)
        }
    }

    @Test("Every bad-input class gets its status and problem code, and nothing reaches LiveVox", arguments: [
        ("GET", "/nowhere", nil, "application/json", 404, "not_found"),
        ("DELETE", "/v1/services/21429/queue", nil, "application/json", 405, "method_not_allowed"),
        ("GET", "/v1/services/abc/queue", nil, "application/json", 400, "invalid_service_id"),
        ("GET", "/v1/services/0/queue", nil, "application/json", 400, "invalid_service_id"),
        ("GET", "/callControl/supervisor/calls/queue", nil, "application/json", 400, "invalid_query"),
        ("GET", "/v1/services/21429/non-attempted-calls?category=weather", nil, "application/json", 400, "invalid_query"),
        ("GET", "/v1/services/21429/non-attempted-calls?errorCode=x", nil, "application/json", 400, "invalid_query"),
        ("POST", "/v1/services/21429/manual-calls", "{\"calls\": [", "application/json", 400, "malformed_json"),
        ("POST", "/v1/services/21429/manual-calls", launchV1, "text/plain", 415, "unsupported_media_type"),
        ("POST", "/v1/services/21429/manual-calls", launchV1, nil, 415, "unsupported_media_type"),
        ("POST", "/v1/services/21429/manual-calls", #"{"calls": [{"phone": "12345"}]}"#, "application/json", 422, "validation_failed"),
        ("POST", "/v1/services/112231/callbacks", #"{"phone": "4158149720", "at": "2020-01-01T00:00Z"}"#, "application/json", 422, "validation_failed"),
    ] as [(String, String, String?, String?, Int, String)])
    func badInput(method: String, path: String, body: String?, contentType: String?, status: Int, code: String) async throws {
        try await withGateway { gateway in
            let answer = await gateway.send(method, path, key: "manager", body: body, contentType: contentType)
            #expect(answer.status == status, "\(answer.text)")
            #expect(answer.code == code)
            #expect(answer.headers["content-type"] == "application/problem+json")
            #expect(answer.headers["x-request-id"]?.count == 32)
            #expect(gateway.simulator.simulator.requests.isEmpty)
        }
    }

    @Test("A 405 names the allowed methods in Allow")
    func allowHeader() async throws {
        try await withGateway { gateway in
            let answer = await gateway.send("GET", "/v1/services/21429/manual-calls", key: "manager")
            #expect(answer.status == 405)
            #expect(answer.headers["allow"] == "POST")
        }
    }

    @Test("Malformed JSON is located by line and column")
    func malformedLocation() async throws {
        try await withGateway { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: "{\n  \"calls\": [}\n}")
            #expect(answer.json?["detail"] == .string("The body is not valid JSON: unexpected '}', expected a value at line 2, column 13."))
        }
    }

    @Test("A body over the limit gets 413")
    func bodyTooLarge() async throws {
        try await withGateway(maxBodyBytes: 64) { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "4152057483", "account": "\#(String(repeating: "x", count: 80))"}]}"#)
            #expect(answer.status == 413)
            #expect(answer.code == "body_too_large")
        }
    }

    @Test("A 422 lists every field error with its JSON Pointer")
    func validationErrors() async throws {
        try await withGateway(maxBatchSize: 5) { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "4152057483"}, {"phone": "2125551234 x5", "templateId": 0}]}"#)
            #expect(answer.status == 422)
            guard case .array(let errors)? = answer.json?["errors"] else { Issue.record("no errors"); return }
            #expect(errors.map { $0["pointer"] } == [.string("/calls/1/phone"), .string("/calls/1/templateId")])
            #expect(errors.map { $0["code"] } == [.string("extension_not_supported"), .string("out_of_range")])
            #expect(gateway.simulator.simulator.launches.isEmpty)
        }
    }

    @Test("The compatible surface normalizes the body it forwards and passes LiveVox's answer through")
    func compatiblePassThrough() async throws {
        try await withGateway { gateway in
            let launch = await gateway.send("POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", key: "manager",
                                            body: Self.launchCompat)
            #expect(launch.status == 204)
            #expect(launch.body.isEmpty)
            let launched = gateway.simulator.simulator.launches.map(\.entry)
            #expect(launched.map(\.phoneNumber) == ["4152057483"])
            #expect(launched.map(\.dialingTimeout) == [60])
            // What CallGate forwarded: the normalized number, the timeout as a number, nothing else.
            let forwarded = try #require(gateway.simulator.simulator.requests.last { $0.path.hasSuffix("/LaunchManualCalls") }?.body)
            guard case .array(let entries)? = try JSONParser.parse(forwarded)["callEntry"], case .object(let members) = entries.first
            else { Issue.record("forwarded body: \(forwarded)"); return }
            #expect(entries.count == 1)
            #expect(Set(members.map(\.key)) == ["phoneNumber", "dialingTimeout"])
            #expect(entries[0]["phoneNumber"] == .string("4152057483"))
            #expect(entries[0]["dialingTimeout"] == .integer(60))

            let stats = await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", key: "manager")
            #expect(stats.status == 200)
            let upstream = gateway.simulator.simulator.requests.last { $0.path.hasSuffix("/queue/21429") }
            #expect(upstream != nil)
            #expect(stats.headers["content-type"]?.hasPrefix("application/json") == true)
            let decoded = try QueueStats(liveVoxJSON: stats.body)
            #expect(decoded.maxAgents >= decoded.availableAgents)
        }
    }

    @Test("The /v1 callback answers with the normalized instant, zone and warnings")
    func v1Callback() async throws {
        try await withGateway { gateway in
            let answer = await gateway.send("POST", "/v1/services/112231/callbacks", key: "manager",
                                            body: #"{"phone": "602 555 0123", "at": "2030-01-15T10:00", "timeZone": "America/Phoenix"}"#)
            #expect(answer.status == 202, "\(answer.text)")
            #expect(answer.json?["at"] == .string("2030-01-15T10:00:00.000-07:00"))
            #expect(answer.json?["timeZone"] == .string("MT"))
            guard case .array(let warnings)? = answer.json?["warnings"] else { Issue.record("no warnings"); return }
            #expect(warnings.map { $0["code"] } == [.string("timezone_approximated")])
            #expect(gateway.simulator.simulator.callbacks.last?.request.date == 1_894_726_800_000)
            #expect(gateway.simulator.simulator.callbacks.last?.request.timeZone == "MT")
        }
    }

    @Test("Upstream failures become 502/503/504 problems that say what LiveVox said")
    func upstreamFailures() async throws {
        try await withGateway { gateway in
            try gateway.simulator.simulator.addFault(FaultRule(kind: .error, pathPrefix: "/callControl", status: 500,
                                                               body: #"{"code": 1234, "message": "Database down"}"#))
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.launchV1)
            #expect(answer.status == 502)
            #expect(answer.code == "upstream_error")
            #expect(answer.json?["upstream"]?["status"] == .integer(500))
            #expect(answer.json?["upstream"]?["code"] == .integer(1234))
            #expect(answer.json?["upstream"]?["message"] == .string("Database down"))
            // A POST that reached LiveVox is never replayed.
            #expect(gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("LaunchManualCalls") }.count == 1)
        }
    }

    @Test("A 2xx from LiveVox with a broken body is a 502 on both surfaces, never relayed")
    func brokenUpstreamBody() async throws {
        try await withGateway { gateway in
            try gateway.simulator.simulator.addFault(FaultRule(kind: .malformed, pathPrefix: "/callControl"))
            for path in ["/callControl/supervisor/calls/queue/21429", "/v1/services/21429/queue"] {
                let answer = await gateway.send("GET", path, key: "manager")
                #expect(answer.status == 502, "\(path)")
                #expect(answer.code == "upstream_error")
                #expect(answer.json?["detail"] == .string("LiveVox answered with a body that is not the JSON its API defines."))
            }
        }
    }

    @Test("Health, readiness and the contract need no key")
    func operationalEndpoints() async throws {
        try await withGateway { gateway in
            #expect(await gateway.send("GET", "/healthz").text == #"{"status":"ok"}"#)
            #expect(await gateway.send("GET", "/readyz").status == 200)
            let spec = await gateway.send("GET", "/openapi.yaml")
            #expect(spec.headers["content-type"] == "application/yaml")
            #expect(spec.text == OpenAPIDocument.text)
        }
    }

    @Test("A caller's safe X-Request-ID is echoed; an unsafe one is replaced")
    func requestIds() async throws {
        try await withGateway { gateway in
            #expect(await gateway.send("GET", "/healthz", headers: ["X-Request-ID": "crm-42.a_b:c"]).headers["x-request-id"] == "crm-42.a_b:c")
            let replaced = await gateway.send("GET", "/healthz", headers: ["X-Request-ID": "bad id\n"]).headers["x-request-id"]
            #expect(replaced?.count == 32 && replaced != "bad id\n")
        }
    }
}
