import Foundation
import PackagePlugin

/// Writes `openapi/callgate.yaml` into the build folder as Swift source (`OpenAPIDocument`), so that
/// the binary serves the committed contract byte for byte with no file to install and no generated
/// copy in the repository. The command runs again only when the YAML changes.
@main
struct OpenAPIDocumentPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(components: "openapi", "callgate.yaml")
        let output = context.pluginWorkDirectoryURL.appending(component: "OpenAPIDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi/callgate.yaml",
                executable: try context.tool(named: "EmbedOpenAPI").url,
                arguments: [input.path, output.path],
                inputFiles: [input],
                outputFiles: [output]),
        ]
    }
}
