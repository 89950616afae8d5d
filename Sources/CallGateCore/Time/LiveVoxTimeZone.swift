/// The time zone codes LiveVox documents for ScheduleCallback.
public enum LiveVoxTimeZone: String, Sendable, Hashable, CaseIterable {
    /// Eastern: America/New_York.
    case ET
    /// Central: America/Chicago.
    case CT
    /// Mountain: America/Denver.
    case MT
    /// Pacific: America/Los_Angeles.
    case PT
    /// Alaska (LiveVox's "AT"): America/Anchorage.
    case AT
    /// Hawaii: Pacific/Honolulu.
    case HI

    /// The IANA zone whose rules LiveVox applies for this code.
    public var ianaIdentifier: String {
        switch self {
        case .ET: "America/New_York"
        case .CT: "America/Chicago"
        case .MT: "America/Denver"
        case .PT: "America/Los_Angeles"
        case .AT: "America/Anchorage"
        case .HI: "Pacific/Honolulu"
        }
    }

    /// The IANA zone of this code.
    public var zone: IANATimeZone {
        guard let zone = IANATimeZone.named(ianaIdentifier) else {
            preconditionFailure("\(ianaIdentifier) is missing from the generated tables")
        }
        return zone
    }

    /// US abbreviations, each meaning its region's zone with its daylight saving rules (EST means
    /// America/New_York all year, not a fixed UTC-05:00). They take precedence over the IANA names
    /// `EST`, `MST` and `HST`, which are fixed-offset zones.
    static let abbreviations: [String: LiveVoxTimeZone] = [
        "EST": .ET, "EDT": .ET, "CST": .CT, "CDT": .CT, "MST": .MT, "MDT": .MT,
        "PST": .PT, "PDT": .PT, "AKST": .AT, "AKDT": .AT, "HST": .HI,
    ]
}
