// EmbedOpenAPI: writes a YAML file as a Swift source that declares `OpenAPIDocument`, its text in a
// raw string literal. Run by the OpenAPIDocumentPlugin build-tool plugin.
//
// Usage: EmbedOpenAPI <input.yaml> <output.swift>
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: EmbedOpenAPI <input.yaml> <output.swift>\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)

// The fewest `#`s that neither end the literal nor start an interpolation inside the text.
var hashes = "#"
while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }

let source = """
    // Generated at build time from openapi/callgate.yaml by the OpenAPIDocumentPlugin.

    /// The OpenAPI contract served at `GET /openapi.yaml`.
    public enum OpenAPIDocument {
        /// The document's text, exactly the file's.
        public static let text = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)

        /// The document's bytes.
        public static var bytes: [UInt8] { Array(text.utf8) }
    }

    """
try source.write(toFile: arguments[2], atomically: true, encoding: .utf8)
