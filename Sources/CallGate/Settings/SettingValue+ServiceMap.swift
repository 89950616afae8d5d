import Foundation
import Yams

extension SettingValue {
    /// The path of a YAML file that maps service ids to values, each parsed by `value`:
    ///
    /// ```yaml
    /// 21429: America/Chicago
    /// 50123: America/New_York
    /// ```
    ///
    /// Unset, the map is empty. A refusal names the file and the service.
    public static func serviceMap<Entry>(of value: SettingValue<Entry>) -> SettingValue where Value == [Int64: Entry] {
        SettingValue(accepts: "a YAML file of service id: \(value.accepts)", parse: { path throws(SettingRefusal) in
            let entries: [String: String]
            do {
                entries = try YAMLDecoder().decode([String: String].self, from: String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw SettingRefusal(tail: "is '\(path)': not a readable YAML map of service ids to values (\(error)).")
            }
            var map: [Int64: Entry] = [:]
            for (service, text) in entries {
                guard let id = Int64(service), id > 0 else {
                    throw SettingRefusal(tail: "is '\(path)': '\(service)' is not a service id (a positive integer).")
                }
                do throws(SettingRefusal) {
                    map[id] = try value.parse(text)
                } catch {
                    throw SettingRefusal(tail: "is '\(path)': service \(id) \(error.tail)")
                }
            }
            return map
        }, text: { _ in nil })
    }
}
