/// A region of the North American Numbering Plan (country code +1), named by its ISO 3166 code as
/// libphonenumber's `region_code_for_number` answers it.
public enum PhoneRegion: String, Sendable, Hashable, CaseIterable {
    case US, CA, PR, VI, GU, MP, AS, AG, AI, BB, BM, BS, DM, DO, GD, JM, KN, KY, LC, MS, SX, TC, TT, VC, VG

    /// The regions LiveVox dials for us unless configured otherwise: the US, Canada and the US territories.
    public static let defaultAllowed: Set<PhoneRegion> = [.US, .CA, .PR, .VI, .GU, .MP, .AS]

    /// The English name of the region, for messages.
    public var name: String {
        switch self {
        case .US: "the United States"
        case .CA: "Canada"
        case .PR: "Puerto Rico"
        case .VI: "the U.S. Virgin Islands"
        case .GU: "Guam"
        case .MP: "the Northern Mariana Islands"
        case .AS: "American Samoa"
        case .AG: "Antigua and Barbuda"
        case .AI: "Anguilla"
        case .BB: "Barbados"
        case .BM: "Bermuda"
        case .BS: "the Bahamas"
        case .DM: "Dominica"
        case .DO: "the Dominican Republic"
        case .GD: "Grenada"
        case .JM: "Jamaica"
        case .KN: "Saint Kitts and Nevis"
        case .KY: "the Cayman Islands"
        case .LC: "Saint Lucia"
        case .MS: "Montserrat"
        case .SX: "Sint Maarten"
        case .TC: "the Turks and Caicos Islands"
        case .TT: "Trinidad and Tobago"
        case .VC: "Saint Vincent and the Grenadines"
        case .VG: "the British Virgin Islands"
        }
    }

    /// Hashes the case, not the raw string: sets of regions are checked on the parsing path.
    public func hash(into hasher: inout Hasher) { hasher.combine(UInt8(index)) }

    /// Position in `allCases`, the bit of the region in a `PhoneRegionSet`.
    @usableFromInline
    var index: Int {
        switch self {
        case .US: 0
        case .CA: 1
        case .PR: 2
        case .VI: 3
        case .GU: 4
        case .MP: 5
        case .AS: 6
        case .AG: 7
        case .AI: 8
        case .BB: 9
        case .BM: 10
        case .BS: 11
        case .DM: 12
        case .DO: 13
        case .GD: 14
        case .JM: 15
        case .KN: 16
        case .KY: 17
        case .LC: 18
        case .MS: 19
        case .SX: 20
        case .TC: 21
        case .TT: 22
        case .VC: 23
        case .VG: 24
        }
    }
}

/// A set of `PhoneRegion`s as a bit mask: a membership test is one AND, for the parsing hot path.
public struct PhoneRegionSet: OptionSet, Sendable, Hashable {
    /// One bit per region, in `PhoneRegion.allCases` order.
    public let rawValue: UInt32

    /// A set from its bit mask.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The set holding exactly `region`.
    public init(_ region: PhoneRegion) { self.rawValue = 1 << UInt32(region.index) }

    /// The set holding the regions of `regions`.
    public init<S: Sequence<PhoneRegion>>(_ regions: S) {
        self.rawValue = regions.reduce(0) { $0 | 1 << UInt32($1.index) }
    }

    /// `PhoneRegion.defaultAllowed` as a bit mask.
    public static let defaultAllowed = PhoneRegionSet(PhoneRegion.defaultAllowed)

    /// Every NANP region.
    public static let all = PhoneRegionSet(PhoneRegion.allCases)

    /// Whether `region` is in the set.
    @inlinable
    public func contains(_ region: PhoneRegion) -> Bool {
        rawValue & (1 << UInt32(region.index)) != 0
    }

    /// The regions of the set, in `PhoneRegion.allCases` order.
    public var regions: [PhoneRegion] { PhoneRegion.allCases.filter(contains) }
}
