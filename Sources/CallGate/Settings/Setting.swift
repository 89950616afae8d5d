import Foundation

/// One setting, declared once: its config-file key (the flag and the environment variable follow
/// from it), other spellings of its flag, its meaning, whether it is a secret, how its text is
/// parsed, and the property it fills. Its default is that property's initial value, so `Settings()`
/// holds every default.
public struct Setting<Settings>: Sendable {
    /// The config-file key, e.g. `upstream.url`.
    public let key: String
    /// What the setting does: `--help` and the README's meaning column.
    public let help: String
    /// Other spellings of the flag, accepted on the command line.
    public let aliases: [String]
    /// Whether the value is a secret: marked as one for swift-configuration, never printed.
    public let isSecret: Bool
    /// The key of a file that may hold the value instead (`audit.secretFile` for `audit.secret`).
    public let fileKey: String?
    /// What the setting accepts, in words.
    public let accepts: String
    /// The property the setting fills, to tell that each property has one declaration.
    let property: AnyKeyPath & Sendable
    /// The default as text, given the defaults: `nil` when unset.
    let defaultText: @Sendable (Settings) -> String?
    /// Stores the value given for the setting, if any; `given` answers a key's text, if given.
    let read: @Sendable (_ given: (_ key: String, _ isSecret: Bool) -> String?, _ settings: inout Settings) throws(SettingsError) -> Void

    /// `--upstream-url` for `upstream.url`.
    public var flag: String { Self.flag(key) }
    /// `CALLGATE_UPSTREAM_URL` for `upstream.url`.
    public var environmentVariable: String { Self.environmentVariable(key) }

    /// A setting filling `property`, which keeps its initial value (the default) when nothing is given.
    public static func value<Value>(_ key: String, _ property: WritableKeyPath<Settings, Value> & Sendable,
                                    _ value: SettingValue<Value>, aliases: [String] = [], secret: Bool = false,
                                    help: String) -> Setting {
        Setting(key: key, help: help, aliases: aliases, isSecret: secret, fileKey: nil, accepts: value.accepts,
                property: property, defaultText: { value.text($0[keyPath: property]) },
                read: { given, settings throws(SettingsError) in
                    guard let text = given(key, secret) else { return }
                    settings[keyPath: property] = try parse(text, as: value, names: names(key))
                })
    }

    /// A setting that may stay unset (`nil`); an empty text leaves it unset too.
    public static func optional<Value>(_ key: String, _ property: WritableKeyPath<Settings, Value?> & Sendable,
                                       _ value: SettingValue<Value>, secret: Bool = false, help: String) -> Setting {
        self.value(key, property, value.optional, secret: secret, help: help)
    }

    /// A secret, given itself or as the path of a file holding it (`<key>File`, e.g.
    /// `--audit-secret-file`), not both; the file's trailing newlines are dropped.
    public static func secret<Value>(_ key: String, _ property: WritableKeyPath<Settings, Value> & Sendable,
                                     _ value: SettingValue<Value>, help: String) -> Setting {
        let fileKey = key + "File"
        return Setting(key: key, help: help, aliases: [], isSecret: true, fileKey: fileKey, accepts: value.accepts,
                       property: property, defaultText: { value.text($0[keyPath: property]) },
                              read: { given, settings throws(SettingsError) in
            let text = given(key, true)
            guard let path = given(fileKey, false), !path.isEmpty else {
                if let text { settings[keyPath: property] = try parse(text, as: value, names: names(key)) }
                return
            }
            guard text?.isEmpty ?? true else {
                throw SettingsError("\(names(key)) and \(names(fileKey)) are both given: give the secret or the file holding it, not both.")
            }
            let content: String
            do {
                content = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SettingsError("\(names(fileKey)) is '\(path)', which cannot be read: \(error.localizedDescription)")
            }
            var trimmed = Substring(content)
            while trimmed.last?.isNewline == true { trimmed.removeLast() }
            settings[keyPath: property] = try parse(String(trimmed), as: value, names: names(fileKey))
        })
    }

    /// Parses `text`, turning a refusal into a sentence that starts with `names`.
    private static func parse<Value>(_ text: String, as value: SettingValue<Value>, names: String) throws(SettingsError) -> Value {
        do {
            return try value.parse(text)
        } catch {
            throw SettingsError("\(names) \(error.tail)")
        }
    }

    /// `--port / CALLGATE_PORT`: how messages name a setting.
    static func names(_ key: String) -> String { "\(flag(key)) / \(environmentVariable(key))" }

    /// `--upstream-access-token` for `upstream.accessToken`.
    static func flag(_ key: String) -> String { "--" + key.replacingDotsAndCamelCase(with: "-").lowercased() }

    /// `CALLGATE_UPSTREAM_ACCESS_TOKEN` for `upstream.accessToken`.
    static func environmentVariable(_ key: String) -> String { "CALLGATE_" + key.replacingDotsAndCamelCase(with: "_").uppercased() }
}

extension String {
    /// `upstream.accessToken` → `upstream-access-token` (with "-").
    func replacingDotsAndCamelCase(with separator: Character) -> String {
        var out = ""
        for character in self {
            if character == "." {
                out.append(separator)
            } else if character.isUppercase {
                out.append(separator)
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }
}
