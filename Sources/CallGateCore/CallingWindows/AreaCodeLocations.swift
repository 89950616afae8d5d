/// One place the called party may be: a country, a state or province when known, and a time zone.
public struct CallingLocation: Sendable, Hashable {
    /// `US` (with its territories), `CA`, or another NANP region's code (`JM`).
    public let country: String
    /// The state, district, territory or province code; nil when the data names none.
    public let state: String?
    /// The zone whose wall clock the rules read.
    public let timeZone: IANATimeZone

    /// Creates a location.
    public init(country: String, state: String?, timeZone: IANATimeZone) {
        self.country = country
        self.state = state
        self.timeZone = timeZone
    }
}

/// Where the called party of a number may be, from libphonenumber's geocoding and time-zone data
/// (`AreaCodeLocations.generated.swift`, scripts/gen_location_tables.py).
///
/// Time zones: libphonenumber's zones for the number when its data has a prefix longer than the area
/// code covering the number (a listed exchange); otherwise every zone the data gives anywhere in the
/// area code, and for an overlay in the area code it overlays, since an unlisted exchange may sit in
/// any of them. States: every state the area code's geocoding entries name.
public struct AreaCodeLocations: Sendable {
    struct AreaCode: Sendable {
        let country: String
        let states: [String]
        let zones: [IANATimeZone]
        /// Sorted, disjoint NXX-XXXX ranges (end exclusive) covered by an exchange-level prefix.
        let listed: [(start: UInt32, end: UInt32)]
    }

    /// The decoded table, shared by every lookup.
    public static let shared = AreaCodeLocations()

    /// Area codes 200...999 by `npa - 200`; nil where libphonenumber has no valid number.
    let areaCodes: [AreaCode?]
    /// Every zone of a state's area codes, for a caller who names the state without a zone.
    let zonesByState: [String: [IANATimeZone]]

    /// The `phonenumbers` version the table was generated from.
    public static var metadataVersion: String { AreaCodeLocationData.metadataVersion }

    private init() {
        var areaCodes = [AreaCode?](repeating: nil, count: 800)
        var zonesByState: [String: Set<String>] = [:]
        for line in AreaCodeLocationData.packed.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 5, let npa = Int(fields[0]), (200...999).contains(npa) else {
                preconditionFailure("malformed generated location line: \(line)")
            }
            func list(_ field: String) -> [String] { field == "-" ? [] : field.split(separator: ",").map(String.init) }
            let zoneNames = list(fields[3])
            let zones = zoneNames.map { name -> IANATimeZone in
                guard let zone = IANATimeZone.named(name) else { preconditionFailure("unknown zone \(name) in the location table") }
                return zone
            }
            let listed = list(fields[4]).map { range -> (start: UInt32, end: UInt32) in
                let bounds = range.split(separator: "-")
                guard bounds.count == 2, let start = UInt32(bounds[0]), let end = UInt32(bounds[1]) else {
                    preconditionFailure("malformed range \(range) in the location table")
                }
                return (start, end)
            }
            let country = ["US", "PR", "VI", "GU", "MP", "AS"].contains(fields[1]) ? "US" : fields[1]
            let states = list(fields[2])
            areaCodes[npa - 200] = AreaCode(country: country, states: states, zones: zones, listed: listed)
            for state in states { zonesByState["\(country)-\(state)", default: []].formUnion(zoneNames) }
        }
        self.areaCodes = areaCodes
        self.zonesByState = zonesByState.mapValues { $0.sorted().compactMap(IANATimeZone.named) }
    }

    /// Every location the called party of `number` may be at; empty for toll-free and other
    /// non-geographic numbers, and where the data knows no zone.
    public func locations(of number: PhoneNumber) -> [CallingLocation] {
        let npa = Int(number.nationalNumber / 10_000_000)
        guard !number.isTollFree, !number.timeZones.isEmpty, let areaCode = areaCodes[npa - 200] else { return [] }
        let rest = UInt32(number.nationalNumber % 10_000_000)
        let zones: [IANATimeZone]
        if areaCode.isListed(rest) {
            zones = number.timeZones.compactMap { name in areaCode.zones.first { $0.identifier == name } ?? IANATimeZone.named(name) }
        } else {
            zones = areaCode.zones
        }
        let states: [String?] = areaCode.states.isEmpty ? [nil] : areaCode.states
        var result: [CallingLocation] = []
        result.reserveCapacity(states.count * zones.count)
        for state in states {
            for zone in zones { result.append(CallingLocation(country: areaCode.country, state: state, timeZone: zone)) }
        }
        return result
    }

    /// The locations of a state a caller names: in `timeZone` when given, otherwise in every zone of
    /// the state's area codes. `state` is `FL`, `PR` or `ON`; nil when the code is unknown.
    public func locations(state: String, timeZone: IANATimeZone?) -> [CallingLocation]? {
        let country: String
        if KnownStates.us.contains(state) {
            country = "US"
        } else if KnownStates.canada.contains(state) {
            country = "CA"
        } else {
            return nil
        }
        if let timeZone { return [CallingLocation(country: country, state: state, timeZone: timeZone)] }
        return (zonesByState["\(country)-\(state)"] ?? []).map { CallingLocation(country: country, state: state, timeZone: $0) }
    }
}

extension AreaCodeLocations.AreaCode {
    func isListed(_ rest: UInt32) -> Bool {
        var low = 0
        var high = listed.count
        while low < high {
            let middle = (low + high) >> 1
            if listed[middle].end <= rest { low = middle + 1 } else { high = middle }
        }
        return low < listed.count && listed[low].start <= rest
    }
}
