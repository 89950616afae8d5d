import ArgumentParser
import CallGate

/// `--file`: the identity file (keys or webhook sources) a `keys` or `webhooks` subcommand works on.
struct IdentityFileOption<Content: IdentityFileContent>: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The \(Content.kind) (YAML)."))
    var file: String = Content.defaultPath

    /// The file's content; a missing file is an error.
    func load() throws -> Content {
        try Content.load(path: file)
    }

    /// Loads the file (or, with `orEmpty`, starts an empty one), applies `change` and saves it.
    func update<Value>(orEmpty: Bool = false, _ change: (inout Content) throws(Content.Failure) -> Value) throws -> Value {
        var content = orEmpty ? try Content.loadOrEmpty(path: file) : try Content.load(path: file)
        let result = try change(&content)
        try content.save(path: file)
        return result
    }

    /// The columns `list` prints first for `entry`, tab-separated: name, role, services, agent login id, creation.
    static func columns(_ entry: Content.Entry, createdAt: String?) -> String {
        let services = entry.services.map { $0.map(String.init).joined(separator: ",") } ?? "all"
        return "\(entry.name)\t\(entry.role)\t\(services)\t\(entry.agentLoginId ?? "-")\t\(createdAt ?? "-")"
    }
}
