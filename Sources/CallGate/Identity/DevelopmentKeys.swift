import CallGateCore
import Foundation
import Logging

/// The first run on embedded defaults: a development keys file with one key per role, and a banner
/// with copy-paste examples, so that `make run` is one command from a first successful call.
enum DevelopmentKeys {
    /// One created key.
    struct Created: Sendable {
        let name: String
        let role: LiveVoxRole
        let key: String
    }

    /// Creates the keys file when it does not exist and the upstream is the embedded simulator.
    /// Against a real upstream a missing keys file is an error (keys there are made on purpose),
    /// and so is an active development key: its role would reach LiveVox with a key printed on a
    /// terminal and kept in shell histories.
    static func createIfNeeded(settings: GatewaySettings, embedded: Bool) throws -> [Created] {
        guard !FileManager.default.fileExists(atPath: settings.keysFile) else {
            if !embedded { try refuseDevelopmentKeys(path: settings.keysFile) }
            return []
        }
        guard embedded else {
            throw SettingsError("No keys file at \(settings.keysFile). Create keys with `callgate keys create --name NAME --role ROLE --file \(settings.keysFile)`.")
        }
        var file = KeysFile()
        var created: [Created] = []
        for role in LiveVoxRole.allCases {
            let name = "dev-\(role.rawValue.lowercased())"
            let key = try file.create(name: name, role: role, services: nil, agentLoginId: role == .agent ? "agent007" : nil)
            file.keys[file.keys.count - 1].development = true
            created.append(Created(name: name, role: role, key: key))
        }
        try file.save(path: settings.keysFile)
        return created
    }

    private static func refuseDevelopmentKeys(path: String) throws {
        let names = try KeysFile.load(path: path).activeDevelopmentKeyNames
        guard let first = names.first else { return }
        throw SettingsError("""
            The keys file \(path) holds development keys made for the embedded simulator (\(names.joined(separator: ", "))), \
            and --upstream-url points at another LiveVox. Revoke each (`callgate keys revoke \(first) --file \(path)`) \
            or delete the file and create keys with `callgate keys create --name NAME --role ROLE --file \(path)`.
            """)
    }

    /// The banner printed once the server listens; `scheme` is `https` when it serves TLS.
    static func banner(_ created: [Created], keysFile: String, scheme: String, host: String, port: Int) -> String {
        let base = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        let manager = created.first { $0.role == .manager }?.key ?? "cgk_..."
        let agent = created.first { $0.role == .agent }?.key ?? "cgk_..."
        var text = "\nCreated development keys in \(keysFile) (shown only now; only their SHA-256 digests are stored):\n"
        for entry in created {
            text += "  \(entry.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(entry.key)   (\(entry.name))\n"
        }
        text += """

            Try it (the embedded simulator stands in for LiveVox):
              curl -s \(base)/v1/services/21429/queue -H 'Authorization: Bearer \(manager)'
              curl -s \(base)/v1/services/21429/manual-calls -H 'Authorization: Bearer \(manager)' \\
                   -H 'Content-Type: application/json' -d '{"calls": [{"phone": "(415) 205-7483", "account": "123456"}]}'
              curl -s \(base)/v1/services/112231/callbacks -H 'Authorization: Bearer \(agent)' \\
                   -H 'Content-Type: application/json' -d '{"phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}'
              curl -s \(base)/callControl/supervisor/calls/queue/21429 -H 'X-API-Key: \(manager)'

            """
        return text
    }
}
