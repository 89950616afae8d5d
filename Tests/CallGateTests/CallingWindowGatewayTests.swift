import CallGateCore
import CallGateHashing
import CallGateStorage
import CallingRulesYAML
import CurlTransport
import Foundation
import Prometheus
import Testing

@testable import CallGate

/// Launches and callbacks through the whole pipeline (real simulator, real curl) with the
/// calling windows on and the gateway's clock set: what is refused, moved or let through, what the
/// caller reads, what LiveVox never sees, what the audit and the metrics keep.
@Suite("Calling windows at the gateway", .serialized)
struct CallingWindowGatewayTests {
    /// Monday 2026-06-01, 20:30 in Miami (EDT), 17:30 in San Francisco (PDT).
    static let mondayEvening: Int64 = 1_780_360_200_000
    /// Monday 2026-06-01, 20:30 in San Francisco (PDT).
    static let californiaEvening: Int64 = 1_780_371_000_000
    /// Tuesday 2026-06-02T12:00:00Z, 08:00 in Miami: Florida's window opens.
    static let floridaOpens: Int64 = 1_780_401_600_000

    static let telemarketing = CallingWindowGate.builtIn(profile: .telemarketing)

    /// A harness (`withGateway`) whose clock stands at `now`.
    func withGateway<T>(at now: Int64, _ gate: CallingWindowGate = telemarketing,
                        _ body: (GatewayHarness) async throws -> T) async throws -> T {
        try await CallGateTests.withGateway(callingWindows: gate, nowMillis: { now }, body)
    }

    @Test("A batch with one call outside Florida's hours is refused whole with every field of the 422, and nothing reaches LiveVox")
    func refusesBatch() async throws {
        try await withGateway(at: Self.mondayEvening) { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "(305) 434-1234", "account": "A-1"}, {"phone": "415 205 7483"}]}"#)
            let requestId = try #require(answer.headers["x-request-id"])
            #expect(answer.status == 422)
            #expect(answer.headers["content-type"] == "application/problem+json")
            #expect(answer.text == """
                {"type":"urn:callgate:problem:outside_calling_window","title":"Outside the calling window","status":422,\
                "detail":"One call is outside the hours the telemarketing profile allows at the called party's possible locations; nothing was sent to LiveVox.",\
                "instance":"/v1/services/21429/manual-calls","code":"outside_calling_window","requestId":"\(requestId)","errorCount":1,\
                "errors":[{"pointer":"/calls/0","code":"outside_calling_window","detail":"Refused by US-FL-solicitation; allowed again at 2026-06-02T12:00:00Z.",\
                "blockedBy":[{"rule":"US-FL-solicitation","jurisdiction":"US-FL","citation":"Fla. Stat. § 501.616(6)(a)-(b)"}],\
                "nextAllowedAt":"2026-06-02T12:00:00Z"}],"nextAllowedAt":"2026-06-02T15:00:00Z"}
                """)
            #expect(gateway.simulator.simulator.requests.isEmpty)
        }
    }

    @Test("The compatible surface refuses the same way, pointing into callEntry")
    func compatibleRefusal() async throws {
        try await withGateway(at: Self.mondayEvening) { gateway in
            let answer = await gateway.send("POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", key: "manager",
                                            body: #"{"callEntry": [{"phoneNumber": "415.205.7483"}, {"phoneNumber": "3054341234", "dialingTimeout": "60"}]}"#)
            #expect(answer.status == 422)
            #expect(answer.code == "outside_calling_window")
            guard case .array(let errors)? = answer.json?["errors"] else { Issue.record("no errors: \(answer.text)"); return }
            #expect(errors.map { $0["pointer"] } == [.string("/callEntry/1")])
            #expect(errors.map { $0["nextAllowedAt"] } == [.string("2026-06-02T12:00:00Z")])
            #expect(gateway.simulator.simulator.requests.isEmpty)
        }
    }

    @Test("A toll-free number is refused as location_unknown until the caller gives the party's state")
    func locationUnknown() async throws {
        try await withGateway(at: Self.mondayEvening) { gateway in
            let refused = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                             body: #"{"calls": [{"phone": "800 275 2273"}]}"#)
            let requestId = try #require(refused.headers["x-request-id"])
            #expect(refused.status == 422)
            #expect(refused.text == """
                {"type":"urn:callgate:problem:location_unknown","title":"Called party's location unknown","status":422,\
                "detail":"Where the called party is cannot be known for one call; nothing was sent to LiveVox.",\
                "instance":"/v1/services/21429/manual-calls","code":"location_unknown","requestId":"\(requestId)","errorCount":1,\
                "errors":[{"pointer":"/calls/0","code":"location_unknown","detail":"The number is toll-free or not geographic, so where the called party is cannot be known; give the party's state."}]}
                """)
            #expect(gateway.simulator.simulator.requests.isEmpty)

            let unknownState = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                                  body: #"{"calls": [{"phone": "800 275 2273", "state": "ZZ"}]}"#)
            #expect(unknownState.status == 422)
            #expect(unknownState.code == "validation_failed")
            guard case .array(let errors)? = unknownState.json?["errors"] else { Issue.record("no errors"); return }
            #expect(errors.map { $0["pointer"] } == [.string("/calls/0/state")])
            #expect(errors.map { $0["code"] } == [.string("unknown_state")])

            // 17:30 in California: allowed there.
            let placed = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "800 275 2273", "state": "CA"}]}"#)
            #expect(placed.status == 202, "\(placed.text)")
            #expect(gateway.simulator.simulator.launches.map(\.entry.phoneNumber) == ["8002752273"])
            // In Florida's Eastern zone it is 20:30: the caller's location counts as much as the number's.
            let florida = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                             body: #"{"calls": [{"phone": "800 275 2273", "state": "FL", "timeZone": "America/New_York"}]}"#)
            #expect(florida.status == 422)
            #expect(florida.code == "outside_calling_window")
        }
    }

    @Test("Each entry's window must stay open for its dialing timeout, or for the margin when it has none")
    func dialingTimeout() async throws {
        // 20:30 in San Francisco: half an hour of the federal window left.
        try await withGateway(at: Self.californiaEvening) { gateway in
            let long = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                          body: #"{"calls": [{"phone": "4152057483", "dialingTimeoutSeconds": 3600}]}"#)
            #expect(long.status == 422)
            guard case .array(let errors)? = long.json?["errors"] else { Issue.record("no errors"); return }
            #expect(errors.first?["blockedBy"]?[0]?["rule"] == .string("US-federal-hours"))
            let short = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                           body: #"{"calls": [{"phone": "4152057483", "dialingTimeoutSeconds": 60}]}"#)
            #expect(short.status == 202)
            let margin = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "4152057483"}]}"#)
            #expect(margin.status == 202)
        }
        // 20:55: the default ten minutes no longer fit; with no margin they need not.
        let late = Self.californiaEvening + 25 * 60_000
        try await withGateway(at: late) { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls": [{"phone": "4152057483"}]}"#)
            #expect(answer.status == 422)
        }
        try await withGateway(at: late, .builtIn(profile: .telemarketing, marginSeconds: 0)) { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls": [{"phone": "4152057483"}]}"#)
            #expect(answer.status == 202)
        }
    }

    @Test("An unlisted exchange of a split area code counts every zone of the area code; a listed one only its own")
    func splitAreaCode() async throws {
        // 19:30 in Pensacola (Central), 20:30 in Tallahassee (Eastern): Florida's window is closed in the East only.
        try await withGateway(at: Self.mondayEvening) { gateway in
            let unlisted = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                              body: #"{"calls": [{"phone": "850 555 0123"}]}"#)
            #expect(unlisted.status == 422, "\(unlisted.text)")
            guard case .array(let errors)? = unlisted.json?["errors"], case .array(let rules)? = errors.first?["blockedBy"] else {
                Issue.record("no errors: \(unlisted.text)")
                return
            }
            #expect(rules.map { $0["rule"] } == [.string("US-FL-solicitation")])
            // 08:00 in Pensacola, the later of the two zones to open.
            #expect(errors.first?["nextAllowedAt"] == .string("2026-06-02T13:00:00Z"))
            // 850-434 is listed, and in the Central zone only.
            let listed = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "850 434 1234"}]}"#)
            #expect(listed.status == 202, "\(listed.text)")
            #expect(gateway.simulator.simulator.launches.map(\.entry.phoneNumber) == ["8504341234"])
        }
    }

    @Test("A callback outside the window is refused with nextAllowedAt, or moved there when it asks")
    func callbacks() async throws {
        try await withGateway(at: GatewayHarness.now) { gateway in
            let body = #"{"phone": "305 434 1234", "at": "2026-06-01T20:30", "timeZone": "ET""#
            let refused = await gateway.send("POST", "/v1/services/112231/callbacks", key: "manager", body: body + "}")
            #expect(refused.status == 422)
            #expect(refused.code == "outside_calling_window")
            #expect(refused.json?["nextAllowedAt"] == .string("2026-06-02T12:00:00Z"))
            guard case .array(let errors)? = refused.json?["errors"] else { Issue.record("no errors"); return }
            #expect(errors.map { $0["pointer"] } == [.string("/at")])
            #expect(gateway.simulator.simulator.requests.isEmpty)

            let moved = await gateway.send("POST", "/v1/services/112231/callbacks", key: "manager",
                                           body: body + #", "adjust": "next_allowed"}"#)
            #expect(moved.status == 202, "\(moved.text)")
            #expect(moved.json?["at"] == .string("2026-06-02T08:00:00.000-04:00"))
            #expect(moved.json?["adjustedFrom"] == .string("2026-06-01T20:30:00.000-04:00"))
            #expect(moved.json?["warnings"] == .array([.object([
                ("pointer", .string("/at")), ("code", .string("adjusted_to_calling_window")),
                ("detail", .string("The callback time 2026-06-02T00:30:00Z is outside the calling window (US-FL-solicitation); it was moved to 2026-06-02T12:00:00Z, the next allowed instant.")),
            ])]))
            #expect(gateway.simulator.simulator.callbacks.map(\.request.date) == [Self.floridaOpens])

            let unknown = await gateway.send("POST", "/v1/services/112231/callbacks", key: "manager",
                                             body: body + #", "adjust": "later"}"#)
            #expect(unknown.status == 422)
            #expect(unknown.json?["errors"]?[0]?["code"] == .string("unknown_value"))
            #expect(unknown.json?["errors"]?[0]?["pointer"] == .string("/adjust"))

            let compatible = await gateway.send("POST", "/callControl/supervisor/calls/112231/ScheduleCallback", key: "manager",
                                                body: #"{"phoneNumber": "3054341234", "date": "1780360200000"}"#)
            #expect(compatible.status == 422)
            #expect(compatible.json?["errors"]?[0]?["pointer"] == .string("/date"))
            #expect(gateway.simulator.simulator.callbacks.count == 1)
        }
    }

    @Test("A callback for now, outside the window, is moved to the next allowed instant and says it asked for now")
    func callbackNow() async throws {
        try await withGateway(at: Self.mondayEvening) { gateway in
            let moved = await gateway.send("POST", "/v1/services/112231/callbacks", key: "manager",
                                           body: #"{"phone": "305 434 1234", "adjust": "next_allowed"}"#)
            #expect(moved.status == 202, "\(moved.text)")
            #expect(moved.json?["adjustedFrom"] == .null)
            #expect(gateway.simulator.simulator.callbacks.map(\.request.date) == [Self.floridaOpens])
        }
    }

    @Test("Each service is checked under its own profile: the map's, or the default")
    func profilePerService() async throws {
        let gate = CallingWindowGate.builtIn(profile: .telemarketing, serviceProfiles: [50123: .off, 112231: .baseline])
        try await withGateway(at: Self.mondayEvening, gate) { gateway in
            let body = #"{"calls": [{"phone": "3054341234"}]}"#
            #expect(await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: body).status == 422)
            #expect(await gateway.send("POST", "/v1/services/50123/manual-calls", key: "manager", body: body).status == 202)
            // 20:30 in Miami: the federal window alone still has 30 minutes.
            #expect(await gateway.send("POST", "/v1/services/112231/manual-calls", key: "manager", body: body).status == 202)
            #expect(gateway.simulator.simulator.launches.count == 2)
        }
    }

    @Test("With the profile off, a call at 01:00 goes through")
    func off() async throws {
        // 2026-06-01T05:00:00Z: 01:00 in Miami.
        try await withGateway(at: 1_780_290_000_000, .builtIn(profile: .off)) { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls": [{"phone": "3054341234"}]}"#)
            #expect(answer.status == 202)
        }
    }

    @Test("GET /v1/calling-window answers any role for its services, and refuses a malformed query")
    func askFirst() async throws {
        try await withGateway(at: Self.mondayEvening) { gateway in
            let answer = await gateway.send("GET", "/v1/calling-window?serviceId=21429&phone=3054341234", key: "agent")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "application/json")
            #expect(answer.text == """
                {"input":"3054341234","allowed":false,"profile":"telemarketing","at":"2026-06-02T00:30:00Z",\
                "locations":[{"state":"FL","timeZone":"America/New_York","localTime":"2026-06-01T20:30:00-04:00"}],\
                "blockedBy":[{"rule":"US-FL-solicitation","jurisdiction":"US-FL","citation":"Fla. Stat. § 501.616(6)(a)-(b)"}],\
                "nextAllowedAt":"2026-06-02T12:00:00Z"}\n
                """)
            #expect(await gateway.send("GET", "/v1/calling-window?serviceId=50123&phone=3054341234", key: "scoped").code == "forbidden_service")
            #expect(await gateway.send("GET", "/v1/calling-window?serviceId=21429&phone=3054341234", key: "scoped").status == 200)
            #expect(await gateway.send("GET", "/v1/calling-window?serviceId=21429&phone=3054341234").status == 401)
            let invalid = await gateway.send("GET", "/v1/calling-window?serviceId=21429&phone=12345", key: "manager")
            #expect(invalid.status == 422)
            #expect(invalid.json?["error"]?["code"] == .string("too_short"))
            for query in ["phone=3054341234", "serviceId=21429", "serviceId=21429&phone=3054341234&at=tomorrow",
                          "serviceId=21429&phone=3054341234&state=XX", "serviceId=21429&phone=3054341234&color=red",
                          "serviceId=21429&phone=3054341234&durationSeconds=-1", "serviceId=21429&phone=3054341234&timeZone=ET"] {
                let refused = await gateway.send("GET", "/v1/calling-window?" + query, key: "manager")
                #expect(refused.status == 400, "\(query)")
                #expect(refused.code == "invalid_query", "\(query)")
            }
            #expect(gateway.simulator.simulator.requests.isEmpty)
        }
    }

    @Test("Each decision is in the audit record with the profile, the rules, the next allowed instant and the rules' digest, and the trail verifies")
    func audit() async throws {
        let audited = try await AuditedGateway.make(callingWindows: Self.telemarketing, nowMillis: { Self.mondayEvening })
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        #expect(await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                   body: #"{"calls": [{"phone": "3054341234"}, {"phone": "4152057483"}]}"#).status == 422)
        #expect(await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                   body: #"{"calls": [{"phone": "4152057483"}]}"#).status == 202)
        #expect(await gateway.send("GET", "/v1/calling-window?serviceId=21429&phone=3054341234", key: "manager").status == 200)
        let records = try await audited.records()
        let digest = SHA256Hasher.hash(utf8: CallingRulesDocument.text).hex
        let refused = try #require(records.last { $0.responseStatus == 422 })
        #expect(refused.outcome == .denied && refused.reason == "outside_calling_window")
        #expect(refused.validationCodes == ["outside_calling_window"])
        #expect(refused.callingWindow == AuditCallingWindow(profile: "telemarketing", ruleIds: ["US-FL-solicitation"],
                                                            nextAllowedAtMillis: Self.floridaOpens + 3 * 3_600_000, rulesDigest: digest))
        let launched = records.filter { $0.operation == "launch_manual_calls" && ($0.responseStatus == 202 || $0.outcome == .intent) }
        #expect(launched.count == 2)
        #expect(launched.allSatisfy { $0.callingWindow == AuditCallingWindow(profile: "telemarketing", ruleIds: [], nextAllowedAtMillis: nil, rulesDigest: digest) })
        let asked = try #require(records.first { $0.operation == "check_calling_window" })
        #expect(asked.callingWindow == AuditCallingWindow(profile: "telemarketing", ruleIds: ["US-FL-solicitation"],
                                                          nextAllowedAtMillis: Self.floridaOpens, rulesDigest: digest))
        #expect(asked.phones.map(\.masked) == ["******1234"])
        #expect(try await audited.trail.store.verify().isIntact)
        let page = await gateway.send("GET", "/v1/audit?operation=check_calling_window", key: "sysadmin")
        #expect(page.json?["records"]?[0]?["callingWindow"] == .object([
            ("profile", .string("telemarketing")), ("rules", .array([.string("US-FL-solicitation")])),
            ("nextAllowedAt", .string("2026-06-02T12:00:00Z")), ("rulesDigest", .string(digest)),
        ]))
    }

    @Test("The assembled service reads its clock from CallGateService.run: a launch at the clock's evening is refused, at its morning sent")
    func servedClock() async throws {
        let clock = GatewayClock.Manual(Self.mondayEvening)
        let served = try await ServedGateway.start(roles: ["crm": .manager], flags: ["callingProfile": "telemarketing"], clock: clock.clock)
        let http = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 2))
        func launch() async throws -> Int {
            try await http.execute(HTTPRequestSpec(
                method: "POST", url: served.base + "/v1/services/21429/manual-calls",
                headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(served.keys["crm"]!)"),
                          HTTPHeaderField(name: "Content-Type", value: "application/json")],
                body: Array(#"{"calls": [{"phone": "3054341234"}]}"#.utf8))).status
        }
        let evening = try await launch()
        clock.set(Self.floridaOpens)
        let morning = try await launch()
        await http.shutdown(gracePeriod: .seconds(1))
        await served.stop()
        #expect(evening == 422)
        #expect(morning == 202)
    }

    @Test("Refusals are counted by rule in /metrics")
    func metrics() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let gateway = try await GatewayHarness(metrics: metrics, exposition: { registry.emitToBuffer() },
                                               callingWindows: Self.telemarketing, nowMillis: { Self.mondayEvening })
        defer { Task { await gateway.shutdown() } }
        for body in [#"{"calls": [{"phone": "3054341234"}]}"#, #"{"calls": [{"phone": "3054341234"}, {"phone": "8002752273"}]}"#] {
            #expect(await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: body).status == 422)
        }
        let text = await gateway.send("GET", "/metrics").text
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"callgate_calling_window_refusals_total{rule="US-FL-solicitation"} 2"#), "\(text)")
        #expect(lines.contains(#"callgate_calling_window_refusals_total{rule="location_unknown"} 1"#))
        #expect(!text.contains(#"rule="US-federal-hours""#))
    }
}

extension JSONValue {
    /// The element at `index` of an array; nil for anything else.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
