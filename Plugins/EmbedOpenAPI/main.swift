// EmbedOpenAPI: writes a YAML file as a Swift source that declares an enum (`OpenAPIDocument` unless
// a name is given) with its text in a raw string literal. Run by the OpenAPIDocumentPlugin build-tool
// plugin for the OpenAPI contract and the calling-window rules.
//
// Usage: EmbedOpenAPI <input.yaml> <output.swift> [<TypeName> <one-line summary>]
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 || arguments.count == 5 else {
    FileHandle.standardError.write(Data("usage: EmbedOpenAPI <input.yaml> <output.swift> [<TypeName> <summary>]\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
let typeName = arguments.count == 5 ? arguments[3] : "OpenAPIDocument"
let summary = arguments.count == 5 ? arguments[4] : "The OpenAPI contract served at `GET /openapi.yaml`."
let inputName = URL(fileURLWithPath: arguments[1]).pathComponents.suffix(2).joined(separator: "/")

// The fewest `#`s that neither end the literal nor start an interpolation inside the text.
var hashes = "#"
while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }

let source = """
    // Generated at build time from \(inputName) by the OpenAPIDocumentPlugin.

    /// \(summary)
    public enum \(typeName) {
        /// The document's text, exactly the file's.
        public static let text = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)

        /// The document's bytes.
        public static var bytes: [UInt8] { Array(text.utf8) }
    }

    """
try source.write(toFile: arguments[2], atomically: true, encoding: .utf8)
