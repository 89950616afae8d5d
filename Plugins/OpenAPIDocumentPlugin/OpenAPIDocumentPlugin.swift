import Foundation
import PackagePlugin

/// Writes `openapi/callgate.yaml` (`OpenAPIDocument`) and `rules/calling-windows.yaml`
/// (`CallingRulesDocument`) into the build folder as Swift source, so that the binary serves the
/// committed contract and checks calls against the committed rules byte for byte, with no file to
/// install and no generated copy in the repository. A command runs again only when its YAML changes.
@main
struct OpenAPIDocumentPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let tool = try context.tool(named: "EmbedOpenAPI").url
        let openAPI = context.package.directoryURL.appending(components: "openapi", "callgate.yaml")
        let openAPIOutput = context.pluginWorkDirectoryURL.appending(component: "OpenAPIDocument.swift")
        let rules = context.package.directoryURL.appending(components: "rules", "calling-windows.yaml")
        let rulesOutput = context.pluginWorkDirectoryURL.appending(component: "CallingRulesDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi/callgate.yaml",
                executable: tool,
                arguments: [openAPI.path, openAPIOutput.path],
                inputFiles: [openAPI],
                outputFiles: [openAPIOutput]),
            .buildCommand(
                displayName: "Embedding rules/calling-windows.yaml",
                executable: tool,
                arguments: [rules.path, rulesOutput.path, "CallingRulesDocument",
                            "The calling-window rules built into the binary (`rules/calling-windows.yaml`)."],
                inputFiles: [rules],
                outputFiles: [rulesOutput]),
        ]
    }
}
