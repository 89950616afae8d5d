import CallGateCore
import CallGateStorage
import Foundation
import Yams

/// What the identity files (API keys, webhook sources) share: one YAML reader, one set of rules for
/// an entry's scope, one atomic owner-only writer. Each file wraps ``Failure`` in its own error type.
enum IdentityFile {
    /// Why a file could not be read or written, or why an entry's scope is invalid: a sentence.
    struct Failure: Error {
        let message: String
    }

    /// Reads and decodes `path`; `kind` names the file in messages ("keys file").
    static func read<Content: Decodable>(_ type: Content.Type, path: String, kind: String) throws(Failure) -> Content {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure(message: "Cannot read the \(kind) \(path): \(error.localizedDescription)")
        }
        do {
            return try YAMLDecoder().decode(Content.self, from: text)
        } catch {
            throw Failure(message: "The \(kind) \(path) is not valid: \(error)")
        }
    }

    /// Writes `header` then `content` as YAML with ``FileSystem/writeSecretFile(_:bytes:replacing:)``:
    /// mode 0600 from the start, replacing the old file atomically.
    static func write(_ content: some Encodable, header: String, path: String, kind: String) throws(Failure) {
        let yaml: String
        do {
            yaml = try YAMLEncoder().encode(content)
        } catch {
            throw Failure(message: "Cannot write the \(kind) \(path): \(error)")
        }
        do throws(FileSystemError) {
            try FileSystem.writeSecretFile(path, bytes: Array((header + yaml).utf8), replacing: true)
        } catch {
            throw Failure(message: "Cannot write the \(kind) \(path): \(error.detail)")
        }
    }

    /// Checks an entry's name and scope (unique name, known role, the Agent rule, services) and
    /// returns its role; `noun` names the entry in messages ("key", "source").
    static func checkScope(name: String, role: String, services: [Int64]?, agentLoginId: String?, noun: String,
                           names: inout Set<String>) throws(Failure) -> LiveVoxRole {
        guard !name.isEmpty else { throw Failure(message: "the name is empty.") }
        guard names.insert(name).inserted else {
            throw Failure(message: "the name is used by another \(noun); names must be unique.")
        }
        guard let parsed = LiveVoxRole(name: role) else {
            throw Failure(message: "unknown role '\(role)'; use Sysadmin, Superuser, Manager or Agent.")
        }
        if parsed == .agent, (agentLoginId ?? "").isEmpty {
            throw Failure(message: "an Agent \(noun) needs its agentLoginId.")
        }
        if parsed != .agent, agentLoginId != nil {
            throw Failure(message: "only Agent \(noun)s have an agentLoginId.")
        }
        if let services, services.isEmpty {
            throw Failure(message: "services is empty; omit it to allow every service.")
        }
        return parsed
    }

    /// An ISO 8601 timestamp, as the files store creation and revocation times.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
