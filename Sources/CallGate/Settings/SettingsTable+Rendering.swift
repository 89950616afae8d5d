extension SettingsTable {
    /// One row per flag, as `--help` and the README show it.
    struct Row {
        var key: String
        var defaultText: String?
        var accepts: String
        var meaning: String
    }

    /// The rows: each setting's, followed by its file's when it may be given in a file.
    var rows: [Row] {
        settings.flatMap { setting -> [Row] in
            var meaning = setting.help
            if setting.isSecret { meaning += " Secret: never logged." }
            if !setting.aliases.isEmpty {
                meaning += " Also spelt " + setting.aliases.map { "`\($0)`" }.joined(separator: ", ") + "."
            }
            // A secret's default is never shown, whatever it is.
            let shownDefault = setting.isSecret ? nil : setting.defaultText(defaults)
            var rows = [Row(key: setting.key, defaultText: shownDefault, accepts: setting.accepts, meaning: meaning)]
            if let fileKey = setting.fileKey {
                rows.append(Row(key: fileKey, defaultText: nil, accepts: "a file path",
                                meaning: "A file holding \(setting.key) (its trailing newline dropped), instead of `\(setting.flag)`."))
            }
            return rows
        }
    }

    /// The README's settings table (Markdown), one row per flag.
    public var markdown: String {
        var lines = ["| flag | environment | config file key | default | accepts | meaning |", "|---|---|---|---|---|---|"]
        for row in rows {
            let shownDefault = row.defaultText.map { $0.isEmpty ? "(empty)" : "`\($0)`" } ?? "(unset)"
            lines.append("| `\(Setting<Settings>.flag(row.key))` | `\(Setting<Settings>.environmentVariable(row.key))` | `\(row.key)` | \(shownDefault) | \(row.accepts) | \(row.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The settings as `--help` lists them: flag, meaning, what it accepts, default and variable.
    public var help: String {
        rows.map { row in
            let shownDefault = row.defaultText.map { $0.isEmpty ? "" : " Default: \($0)." } ?? ""
            return "  \(Setting<Settings>.flag(row.key)) <value>\n        \(row.meaning) Accepts \(row.accepts).\(shownDefault) [\(Setting<Settings>.environmentVariable(row.key))]"
        }.joined(separator: "\n")
    }
}
