import Foundation
import PackagePlugin

/// Writes `openapi/callgate.yaml` into CallGate (`OpenAPIDocument`) and `rules/calling-windows.yaml`
/// into CallingRulesYAML (`CallingRulesDocument`) as Swift source in the build folder, so that the
/// binary serves the committed contract and checks calls against the committed rules byte for byte,
/// with no file to install and no generated copy in the repository. A command runs again only when
/// its YAML changes.
@main
struct OpenAPIDocumentPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let tool = try context.tool(named: "EmbedOpenAPI").url
        guard target.name == "CallingRulesYAML" else {
            let input = context.package.directoryURL.appending(components: "openapi", "callgate.yaml")
            let output = context.pluginWorkDirectoryURL.appending(component: "OpenAPIDocument.swift")
            return [.buildCommand(displayName: "Embedding openapi/callgate.yaml", executable: tool,
                                  arguments: [input.path, output.path], inputFiles: [input], outputFiles: [output])]
        }
        let input = context.package.directoryURL.appending(components: "rules", "calling-windows.yaml")
        let output = context.pluginWorkDirectoryURL.appending(component: "CallingRulesDocument.swift")
        return [.buildCommand(displayName: "Embedding rules/calling-windows.yaml", executable: tool,
                              arguments: [input.path, output.path, "CallingRulesDocument",
                                          "The calling-window rules built into the binary (`rules/calling-windows.yaml`)."],
                              inputFiles: [input], outputFiles: [output])]
    }
}
