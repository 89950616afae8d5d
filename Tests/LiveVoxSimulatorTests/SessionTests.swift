import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import LiveVoxSimulator

@Suite("Sessions")
struct SessionTests {
    @Test("Login with the default token and credentials answers LiveVox's login shape")
    func loginAnswersShape() async throws {
        try await SimulatorHarness.run { sim in
            let response = try await sim.send(.post, "/session/login", access: "sim-access-token", body: SimulatorHarness.loginBody())
            #expect(response.status == .ok)
            let sessionId = try await sim.login()
            #expect(response.text == #"{"clientId":1001,"daysUntilPasswordExpires":90,"sessionId":"\#(sessionId)","userId":2001}"#)
        }
    }

    @Test("Logging in again while the session lives returns the same session id, on any version path")
    func sameSessionId() async throws {
        try await SimulatorHarness.run { sim in
            let first = try await sim.login()
            let second = try await sim.login(path: "/session/v6.0/login")
            #expect(first == second)
            #expect(first.count == 36)
        }
    }

    @Test("A login with a missing or wrong LV-Access token is refused with 401", arguments: [nil, "wrong-token"] as [String?])
    func badToken(token: String?) async throws {
        try await SimulatorHarness.run { sim in
            let response = try await sim.send(.post, "/session/login", access: token, body: SimulatorHarness.loginBody())
            #expect(response.status == .unauthorized)
            #expect(response.text == errorBody(.invalidAccessToken, "The LV-Access token is missing or not valid."))
        }
    }

    @Test("A login with a wrong client, user or password is refused with 401", arguments: [
        SimulatorHarness.loginBody(clientName: "OTHER"),
        SimulatorHarness.loginBody(userName: "someone"),
        SimulatorHarness.loginBody(password: "guess"),
    ])
    func badCredentials(body: String) async throws {
        try await SimulatorHarness.run { sim in
            let response = try await sim.send(.post, "/session/login", access: "sim-access-token", body: body)
            #expect(response.status == .unauthorized)
            #expect(response.text == errorBody(.invalidCredentials, "Invalid client name, user name or password."))
        }
    }

    @Test("Credentials set in the configuration replace the defaults")
    func configuredCredentials() async throws {
        let configuration = SimulatorConfiguration(accessToken: "tok", clientName: "ACME", userName: "u", password: "p")
        try await SimulatorHarness.run(configuration: configuration) { sim in
            let body = SimulatorHarness.loginBody(clientName: "ACME", userName: "u", password: "p")
            let configured = try await sim.send(.post, "/session/login", access: "tok", body: body)
            let defaultToken = try await sim.send(.post, "/session/login", access: "sim-access-token", body: body)
            #expect(configured.status == .ok)
            #expect(defaultToken.status == .unauthorized)
        }
    }

    @Test("Validate answers 204 for a live session and 404 for an unknown one; logout ends it")
    func validateAndLogout() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            #expect(try await sim.send(.get, "/session/validate/\(session)").status == .noContent)
            #expect(try await sim.send(.get, "/session/v6.0/validate/nope").status == .notFound)
            #expect(try await sim.send(.delete, "/session/logout/\(session)").status == .noContent)
            #expect(try await sim.send(.get, "/session/validate/\(session)").status == .notFound)
            #expect(try await sim.stats(session: session) == errorBody(.invalidSession, "Session is unknown or expired."))
        }
    }

    @Test("Calls without LV-Session, or with an unknown one, answer 401 with a LiveVox body", arguments: [
        (nil, "The LV-Session header is missing."),
        ("not-a-session", "Session is unknown or expired."),
    ] as [(String?, String)])
    func missingSession(session: String?, message: String) async throws {
        try await SimulatorHarness.run { sim in
            let response = try await sim.send(.get, "/callControl/supervisor/calls/queue/21429", session: session)
            #expect(response.status == .unauthorized)
            #expect(response.text == errorBody(.invalidSession, message))
        }
    }

    @Test("A session expires after the idle window unless it is used, and use restarts the window")
    func idleExpiry() async throws {
        try await SimulatorHarness.run(configuration: SimulatorConfiguration(sessionIdleSeconds: 60)) { sim in
            let session = try await sim.login()
            sim.simulator.clock.advance(bySeconds: 59)
            #expect(try await sim.send(.get, "/callControl/supervisor/calls/queue/21429", session: session).status == .ok)
            sim.simulator.clock.advance(bySeconds: 59)
            #expect(try await sim.send(.get, "/callControl/supervisor/calls/queue/21429", session: session).status == .ok)
            sim.simulator.clock.advance(bySeconds: 60)
            #expect(try await sim.send(.get, "/callControl/supervisor/calls/queue/21429", session: session).status == .unauthorized)
            let fresh = try await sim.login()
            #expect(fresh != session)
        }
    }

    @Test("Expiring all sessions through the control endpoint makes the next call answer 401")
    func expireAll() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            #expect(try await sim.send(.post, "/_sim/sessions/expire").status == .noContent)
            #expect(try await sim.send(.get, "/callControl/supervisor/calls/queue/21429", session: session).status == .unauthorized)
        }
    }
}
