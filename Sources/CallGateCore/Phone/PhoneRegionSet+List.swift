extension PhoneRegionSet {
    /// Why a comma-separated region list (`US,CA,PR`) could not be read.
    public enum ListError: Error, Sendable, Hashable {
        /// An entry that is not a North American region code, as written (spaces included).
        case unknownRegion(Substring)
        /// The list names no region.
        case empty
    }

    /// Reads `US, ca,PR`: codes separated by commas, case-insensitive, spaces around codes ignored.
    /// The one parser behind `--allowed-regions` of `callgate check` and `callgate serve`.
    public static func parse(list: String) -> Result<PhoneRegionSet, ListError> {
        var set = PhoneRegionSet()
        for entry in list.split(separator: ",") {
            var code = entry[...]
            while code.first == " " { code.removeFirst() }
            while code.last == " " { code.removeLast() }
            guard let region = PhoneRegion(rawValue: code.uppercased()) else { return .failure(.unknownRegion(entry)) }
            set.insert(PhoneRegionSet(region))
        }
        return set.isEmpty ? .failure(.empty) : .success(set)
    }
}
