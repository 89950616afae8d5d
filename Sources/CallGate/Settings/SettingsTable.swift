import Configuration
import Foundation

/// A command's settings, each declared once: read in one pass from flags, environment variables
/// `CALLGATE_...` and a YAML config file (highest first), and written out as `--help` lines and as
/// the README's table.
public struct SettingsTable<Settings: Sendable>: Sendable {
    /// Every default: the settings when nothing is given.
    public let defaults: Settings
    /// The declarations, in the order of `--help` and the README.
    public let settings: [Setting<Settings>]

    /// A table of `settings`, whose properties start as `defaults`.
    public init(defaults: Settings, settings: [Setting<Settings>]) {
        self.defaults = defaults
        self.settings = settings
    }

    /// Every flag the command line accepts (aliases and `--…-file` flags included), by config key.
    public var flagKeys: [String: String] {
        var keys: [String: String] = [:]
        for setting in settings {
            keys[setting.flag] = setting.key
            for alias in setting.aliases { keys[alias] = setting.key }
            if let fileKey = setting.fileKey { keys[Setting<Settings>.flag(fileKey)] = fileKey }
        }
        return keys
    }

    /// The values of `--flag value` and `--flag=value` in `arguments`, by config key; the last of a
    /// repeated flag wins. Refuses unknown flags, stray words and flags without a value.
    public func flags(parsing arguments: [String]) throws(SettingsError) -> [String: String] {
        let keys = flagKeys
        var values: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let (flag, inline) = argument.firstIndex(of: "=").map { (String(argument[..<$0]), String(argument[argument.index(after: $0)...])) }
                ?? (argument, nil)
            guard flag.hasPrefix("--") else { throw SettingsError("'\(argument)' is not an option; options start with --, see --help.") }
            guard let key = keys[flag] else { throw SettingsError("\(flag) is not an option of this command; see --help.") }
            if let inline {
                values[key] = inline
            } else {
                index += 1
                guard index < arguments.endIndex else { throw SettingsError("\(flag) needs a value.") }
                values[key] = arguments[index]
            }
            index += 1
        }
        return values
    }

    /// Reads every setting: `flags` by config key (``flags(parsing:)``), then `environment`'s
    /// `CALLGATE_...` variables, then the YAML file `configFile`.
    public func read(flags: [String: String], environment: [String: String] = ProcessInfo.processInfo.environment,
                     configFile: String?) async throws(SettingsError) -> Settings {
        var fromEnvironment: [String: String] = [:]
        for key in allKeys {
            if let value = environment[Setting<Settings>.environmentVariable(key)] { fromEnvironment[key] = value }
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: configValues(flags)),
            InMemoryProvider(name: "environment", values: configValues(fromEnvironment)),
        ]
        if let configFile {
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: .init(configFile)))
            } catch {
                throw SettingsError("Cannot read the config file \(configFile): \(error)")
            }
        }
        return try read(ConfigReader(providers: providers))
    }

    /// Reads every setting from `reader`; what it does not hold keeps its default.
    public func read(_ reader: ConfigReader) throws(SettingsError) -> Settings {
        var values = defaults
        let given = { (key: String, isSecret: Bool) in
            reader.string(forKey: ConfigKey(key.split(separator: ".").map(String.init)), isSecret: isSecret)
        }
        for setting in settings { try setting.read(given, &values) }
        return values
    }

    /// Every config key: the settings' and their files'.
    private var allKeys: [String] { settings.flatMap { [$0.key] + ($0.fileKey.map { [$0] } ?? []) } }

    /// `values` as swift-configuration values, the secrets marked as secret.
    private func configValues(_ values: [String: String]) -> [AbsoluteConfigKey: ConfigValue] {
        let secrets = Set(settings.filter(\.isSecret).map(\.key))
        var config: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in values {
            config[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(.string(value), isSecret: secrets.contains(key))
        }
        return config
    }
}
