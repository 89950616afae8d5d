import CallGateStorage
import CallGateCore
import Foundation

/// How a setting's text becomes its typed value: parsed once, when the settings are read, so that
/// nothing later compares the text again; and how a value is written back as text, for `--help`
/// and the README's default column.
public struct SettingValue<Value: Sendable>: Sendable {
    /// What the setting accepts, in words: the README's "accepts" column.
    public let accepts: String
    /// Parses a given text; a refusal is the end of a sentence that starts with the setting's names.
    let parse: @Sendable (String) throws(SettingRefusal) -> Value
    /// The value as it would be given; `nil` when it stands for "unset".
    let text: @Sendable (Value) -> String?

    /// The same value, where an empty text (or none) leaves it unset.
    var optional: SettingValue<Value?> {
        SettingValue<Value?>(accepts: accepts, parse: { raw throws(SettingRefusal) in raw.isEmpty ? nil : try parse(raw) },
                             text: { value in value.flatMap(text) })
    }
}

/// Why a setting's text is refused: the end of a sentence that starts with the setting's names,
/// e.g. `is 'x': expected a whole number from 0 to 65535.` It never repeats a secret.
struct SettingRefusal: Error {
    let tail: String
}

extension SettingValue where Value == String {
    /// Any text.
    public static var text: SettingValue { SettingValue(accepts: "text", parse: { $0 }, text: { $0 }) }

    /// A file's path.
    public static var path: SettingValue { SettingValue(accepts: "a file path", parse: { $0 }, text: { $0 }) }

    /// An `https://` URL, or `http://` for a local test upstream.
    public static var httpURL: SettingValue {
        SettingValue(accepts: "an https:// URL (or http:// for a local test upstream)", parse: { raw throws(SettingRefusal) in
            guard raw.hasPrefix("https://") || raw.hasPrefix("http://") else {
                throw SettingRefusal(tail: "is '\(raw)': it must start with https:// (or http:// for a local test upstream).")
            }
            return raw
        }, text: { $0 })
    }

    /// A secret of at least `minimumBytes` bytes (UTF-8); a refusal tells its length, never its text.
    public static func secret(minimumBytes: Int) -> SettingValue {
        SettingValue(accepts: "at least \(minimumBytes) bytes", parse: { raw throws(SettingRefusal) in
            guard raw.utf8.count >= minimumBytes else {
                throw SettingRefusal(tail: "has \(raw.utf8.count) bytes: use at least \(minimumBytes) (e.g. `openssl rand -hex 32`).")
            }
            return raw
        }, text: { $0 })
    }
}

extension SettingValue where Value == [String] {
    /// Values separated by commas (or lines, as a file holds them), blanks around them dropped.
    public static var list: SettingValue {
        SettingValue(accepts: "values, comma-separated", parse: { raw in
            raw.split(whereSeparator: { $0 == "," || $0.isNewline })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }, text: { $0.isEmpty ? nil : $0.joined(separator: ",") })
    }
}

extension SettingValue where Value == Int {
    /// A whole number within `range`.
    public static func integer(in range: ClosedRange<Int>) -> SettingValue {
        let accepts = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        return SettingValue(accepts: accepts, parse: { raw throws(SettingRefusal) in
            guard let value = Int(raw), range.contains(value) else { throw SettingRefusal(tail: "is '\(raw)': expected \(accepts).") }
            return value
        }, text: { String($0) })
    }
}

extension SettingValue where Value == Double {
    /// A finite number within `range`, whole or not.
    public static func number(in range: ClosedRange<Double>) -> SettingValue {
        let accepts = "a number from \(Int(range.lowerBound)) to \(Int(range.upperBound)), such as 20 or 0.5"
        return SettingValue(accepts: accepts, parse: { raw throws(SettingRefusal) in
            guard let value = Double(raw), value.isFinite, range.contains(value) else {
                throw SettingRefusal(tail: "is '\(raw)': expected \(accepts).")
            }
            return value
        }, text: { $0.rounded() == $0 && abs($0) < 1e15 ? String(Int($0)) : String($0) })
    }
}

extension SettingValue where Value: CaseIterable & RawRepresentable<String> {
    /// One of the enumeration's raw values, e.g. `path` or `query`.
    public static var choice: SettingValue {
        let names = Value.allCases.map(\.rawValue)
        let accepts = names.dropLast().joined(separator: ", ") + " or " + names.last!
        return SettingValue(accepts: accepts, parse: { raw throws(SettingRefusal) in
            guard let value = Value(rawValue: raw) else { throw SettingRefusal(tail: "is '\(raw)': use \(accepts).") }
            return value
        }, text: { $0.rawValue })
    }
}

extension SettingValue where Value == IANATimeZone {
    /// An IANA time zone such as `America/New_York`.
    public static var timeZone: SettingValue {
        SettingValue(accepts: "an IANA time zone such as America/New_York", parse: { raw throws(SettingRefusal) in
            guard let zone = IANATimeZone.named(raw) else {
                throw SettingRefusal(tail: "is '\(raw)': not an IANA time zone such as America/New_York.")
            }
            return zone
        }, text: { $0.identifier })
    }
}

extension SettingValue where Value == PhoneRegionSet {
    /// North American region codes, comma-separated.
    public static var regions: SettingValue {
        SettingValue(accepts: "North American region codes, comma-separated", parse: { raw throws(SettingRefusal) in
            switch PhoneRegionSet.parse(list: raw) {
            case .success(let regions):
                return regions
            case .failure(.unknownRegion(let name)):
                throw SettingRefusal(tail: "names '\(name)', which is not a North American region (US, CA, PR, VI, GU, MP, AS, JM, ...).")
            case .failure(.empty):
                throw SettingRefusal(tail: "names no region.")
            }
        }, text: { $0.regions.map(\.rawValue).joined(separator: ",") })
    }
}

extension SettingValue where Value == AuditStoreSetting {
    /// `none`, or a store URL `AuditStoreURL` accepts; a refusal never repeats the URL, which may
    /// carry a password.
    public static var auditStore: SettingValue {
        SettingValue(accepts: "sqlite:PATH, postgres://..., or none", parse: { raw throws(SettingRefusal) in
            if raw == "none" { return .disabled }
            do throws(AuditStoreError) {
                _ = try AuditStoreURL.parse(raw)
            } catch {
                throw SettingRefusal(tail: "is not a usable store: \(error.detail)")
            }
            return .url(raw)
        }, text: { store in
            switch store {
            case .disabled: "none"
            case .url(let url): url
            }
        })
    }
}

extension SettingValue where Value == Bool {
    /// `true` or `false`.
    public static var boolean: SettingValue {
        SettingValue(accepts: "true or false", parse: { raw throws(SettingRefusal) in
            guard let value = Bool(raw) else { throw SettingRefusal(tail: "is '\(raw)': use true or false.") }
            return value
        }, text: { String($0) })
    }
}
