import CallGateCore
import Foundation

/// One identity in an identity file: a key or a webhook source, with the scope it grants.
public protocol IdentityFileEntry: Codable, Sendable, Equatable {
    /// A unique name, used in logs and the audit trail.
    var name: String { get }
    /// A LiveVox role: Sysadmin, Superuser, Manager or Agent.
    var role: String { get }
    /// The service ids it may use; absent means every service.
    var services: [Int64]? { get }
    /// For an Agent, the agent login id it schedules callbacks for.
    var agentLoginId: String? { get }
    /// Its own rate limit; absent means the gateway's default.
    var rateLimit: RateLimit? { get }
}

/// The error an identity file's operations throw: one sentence naming the file and the entry.
public protocol IdentityFileFailure: Error {
    /// An error with that sentence.
    init(_ description: String)
}

/// What the API keys file and the webhook sources file share: YAML read and validated, written
/// atomically and readable by its owner only, entries with a unique name and a scope, found by name.
public protocol IdentityFileContent: Codable, Sendable, Equatable {
    /// One identity.
    associatedtype Entry: IdentityFileEntry
    /// What the file's operations throw.
    associatedtype Failure: IdentityFileFailure
    /// The file in messages: "keys file".
    static var kind: String { get }
    /// An entry in messages about its position and scope: "key", "source".
    static var noun: String { get }
    /// An entry in messages about the whole file: "key", "webhook source".
    static var fullNoun: String { get }
    /// The comment written at the top of the file.
    static var header: String { get }
    /// Where `callgate serve` looks for the file unless told otherwise.
    static var defaultPath: String { get }
    /// The entries, in the order they were added.
    var entries: [Entry] { get set }
    /// An empty file.
    init()
    /// What is wrong with `entry` beyond its scope and rate limit, as the end of a sentence that
    /// follows its position (": sha256 must be ..."); `nil` when nothing is.
    static func problem(with entry: Entry) -> String?
}

extension IdentityFileContent {
    /// Reads and validates a file; a missing file is an error (see ``loadOrEmpty(path:)``).
    public static func load(path: String) throws(Failure) -> Self {
        let file: Self
        do {
            file = try IdentityFile.read(Self.self, path: path, kind: kind)
        } catch {
            throw Failure(error.message)
        }
        try file.validate(path: path)
        return file
    }

    /// Reads a file, or returns an empty one when the file does not exist yet.
    public static func loadOrEmpty(path: String) throws(Failure) -> Self {
        FileManager.default.fileExists(atPath: path) ? try load(path: path) : Self()
    }

    /// Checks what YAML decoding cannot: unique names, known roles, the Agent rule, rate limits,
    /// and what ``problem(with:)`` adds.
    public func validate(path: String) throws(Failure) {
        var names = Set<String>()
        for (index, entry) in entries.enumerated() {
            let position = "\(path), \(Self.noun) #\(index + 1) (\(entry.name))"
            do {
                _ = try IdentityFile.checkScope(name: entry.name, role: entry.role, services: entry.services,
                                                agentLoginId: entry.agentLoginId, noun: Self.noun, names: &names)
            } catch {
                throw Failure("\(position): \(error.message)")
            }
            if let problem = entry.rateLimit?.problem(in: "\(position), rateLimit") { throw Failure(problem) }
            if let problem = Self.problem(with: entry) { throw Failure(position + problem) }
        }
    }

    /// Writes the file atomically (a temporary file renamed over it), readable by its owner only.
    public func save(path: String) throws(Failure) {
        do {
            try IdentityFile.write(self, header: Self.header, path: path, kind: Self.kind)
        } catch {
            throw Failure(error.message)
        }
    }

    /// Appends `entry` if the whole file stays valid; otherwise leaves the file as it was.
    /// `duplicate` is the sentence for a name already taken.
    mutating func append(_ entry: Entry, duplicate: String) throws(Failure) {
        guard !entries.contains(where: { $0.name == entry.name }) else { throw Failure(duplicate) }
        var updated = self
        updated.entries.append(entry)
        try updated.validate(path: "the new \(Self.noun)")
        self = updated
    }

    /// The position of the entry named `name`.
    func index(of name: String) throws(Failure) -> Int {
        guard let index = entries.firstIndex(where: { $0.name == name }) else {
            throw Failure("No \(Self.fullNoun) is named '\(name)'.")
        }
        return index
    }
}
