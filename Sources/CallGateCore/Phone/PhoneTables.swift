/// The NANP number classes of libphonenumber, decoded once from `PhoneTableData`.
///
/// For an area code (NPA, 200...999) the tables hold sorted ranges of the next four digits
/// (NXX-X, 0...9999); each range has one class: invalid, or a region, a kind and a set of candidate
/// time zones. The generator proves that the first seven digits decide everything (see
/// scripts/gen_phone_tables.py), so a lookup is a tiny binary search within one area code.
///
/// `@unchecked Sendable`: every stored property is a `let`; the buffers are filled in `init`, never
/// written again and never freed (the one instance lives for the whole process), so concurrent reads
/// are safe. Plain buffers instead of arrays keep retains and bounds checks off the lookup path.
final class PhoneTables: @unchecked Sendable {
    /// What libphonenumber says about every number of one range.
    struct NumberClass: Sendable {
        /// The region, or nil when libphonenumber says the number is not valid.
        let region: PhoneRegion?
        /// Whether libphonenumber's `number_type` is TOLL_FREE.
        let isTollFree: Bool
        /// Index into `zoneSets`; 0 (empty) for non-geographic numbers.
        let zoneSet: UInt8
    }

    /// The decoded tables, shared by every parse.
    static let shared = PhoneTables()

    /// Range offsets per area code: area code `a` owns `rangeStart[npaOffsets[a - 200] ..< npaOffsets[a - 199]]`.
    private let npaOffsets: UnsafeBufferPointer<UInt16>
    /// First NXX-X of each range.
    private let rangeStart: UnsafeBufferPointer<UInt16>
    /// Class index of each range.
    private let rangeClass: UnsafeBufferPointer<UInt8>
    /// The distinct classes.
    private let classes: UnsafeBufferPointer<NumberClass>
    /// Per area code 200...999: whether any number in it is valid in any NANP region.
    private let npaInService: UnsafeBufferPointer<Bool>
    /// Candidate time zones, shared arrays so that `PhoneNumber.timeZones` never allocates.
    let zoneSets: [[String]]

    private init() {
        let npaOffsets = Self.uint16s(Base64.decode(PhoneTableData.npaOffsets))
        let rangeStart = Self.uint16s(Base64.decode(PhoneTableData.rangeStart))
        let rangeClass = Base64.decode(PhoneTableData.rangeClass)
        precondition(npaOffsets.count == 801 && rangeStart.count == rangeClass.count, "corrupt phone tables")
        let regions = PhoneRegion.allCases
        let classes = PhoneTableData.classes.map { packed in
            let region = Int(packed & 0xFF)
            return NumberClass(
                region: region == 0 ? nil : regions[region - 1],
                isTollFree: (packed >> 8) & 0xFF == 2,
                zoneSet: UInt8(packed >> 16)
            )
        }
        zoneSets = PhoneTableData.zoneSets.map { $0.map { PhoneTableData.zoneNames[Int($0)] } }
        var inService = [Bool](repeating: false, count: 800)
        for npa in 0..<800 {
            let ranges = Int(npaOffsets[npa])..<Int(npaOffsets[npa + 1])
            inService[npa] = ranges.contains { classes[Int(rangeClass[$0])].region != nil }
        }
        self.npaOffsets = Self.immortal(npaOffsets)
        self.rangeStart = Self.immortal(rangeStart)
        self.rangeClass = Self.immortal(rangeClass)
        self.classes = Self.immortal(classes)
        self.npaInService = Self.immortal(inService)
    }

    /// Whether at least one number of area code `npa` (200...999) is valid in some NANP region.
    @inline(__always)
    func isInService(npa: Int) -> Bool { npaInService[npa - 200] }

    /// The class of the number NPA-NXX-XXXX, given `npa` (200...999) and `key` = NXX-X (0...9999).
    @inline(__always)
    func numberClass(npa: Int, key: UInt16) -> NumberClass {
        var low = Int(npaOffsets[npa - 200])
        var high = Int(npaOffsets[npa - 199])
        // The last range whose start <= key; the first range of an area code always starts at 0.
        while high - low > 1 {
            let middle = (low + high) >> 1
            if rangeStart[middle] <= key { low = middle } else { high = middle }
        }
        return classes[Int(rangeClass[low])]
    }

    /// A copy of `array` that is never freed.
    private static func immortal<Element>(_ array: [Element]) -> UnsafeBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
        return UnsafeBufferPointer(buffer)
    }

    private static func uint16s(_ bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }
}

/// A minimal base64 decoder for the generated tables (standard alphabet, padding, line breaks ignored).
enum Base64 {
    static func decode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: continue  // padding and line breaks
            }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}
