/// A valid North American (+1) phone number that LiveVox can dial.
///
/// Validity, region, type and time zones agree with Google's libphonenumber (through tables
/// generated from the `phonenumbers` package, see scripts/gen_phone_tables.py).
public struct PhoneNumber: Sendable, Hashable {
    /// The 10 national digits as an integer, e.g. 2125551234.
    public let nationalNumber: UInt64
    /// The region libphonenumber assigns the number to.
    public let region: PhoneRegion
    /// Whether libphonenumber's number type is TOLL_FREE (800, 833, 844, ...).
    public let isTollFree: Bool
    /// Index of the candidate time zones in the shared tables.
    let zoneSet: UInt8

    init(nationalNumber: UInt64, region: PhoneRegion, isTollFree: Bool, zoneSet: UInt8) {
        self.nationalNumber = nationalNumber
        self.region = region
        self.isTollFree = isTollFree
        self.zoneSet = zoneSet
    }

    /// The 10 digits LiveVox dials, e.g. "2125551234".
    public var national: String {
        String(unsafeUninitializedCapacity: 10) { buffer in
            Self.writeDigits(nationalNumber, into: buffer, at: 0)
            return 10
        }
    }

    /// The E.164 form, e.g. "+12125551234".
    public var e164: String {
        String(unsafeUninitializedCapacity: 12) { buffer in
            buffer[0] = UInt8(ascii: "+")
            buffer[1] = UInt8(ascii: "1")
            Self.writeDigits(nationalNumber, into: buffer, at: 2)
            return 12
        }
    }

    /// Candidate IANA time zones, as libphonenumber's `time_zones_for_number` answers for
    /// geographic numbers (fixed line or mobile); empty for non-geographic numbers (toll-free,
    /// premium rate, personal numbers) and where libphonenumber does not know the zone.
    public var timeZones: [String] { PhoneTables.shared.zoneSets[Int(zoneSet)] }

    /// Appends the 10 national digits as ASCII to `bytes`.
    public func writeNational(into bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { digits in
            Self.writeDigits(nationalNumber, into: digits, at: 0)
            bytes.append(contentsOf: UnsafeBufferPointer(digits))
        }
    }

    /// Appends the E.164 form ("+1" and the 10 digits) as ASCII to `bytes`.
    public func writeE164(into bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { digits in
            digits[0] = UInt8(ascii: "+")
            digits[1] = UInt8(ascii: "1")
            Self.writeDigits(nationalNumber, into: digits, at: 2)
            bytes.append(contentsOf: UnsafeBufferPointer(digits))
        }
    }

    private static func writeDigits(_ number: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var value = number
        for index in stride(from: start + 9, through: start, by: -1) {
            buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
            value /= 10
        }
    }
}

// MARK: - Parsing

extension PhoneNumber {
    /// Parses a number as CRMs send it and checks that LiveVox may dial it.
    ///
    /// Accepted: 10 digits, or 11 digits starting with the country code 1, optionally after `+`;
    /// separated by spaces, `.`, `-`, `/`, parentheses (balanced), no-break spaces or Unicode dashes;
    /// in a vanity number (three letters or more), keypad letters stand for their digits
    /// (`1-800-FLOWERS` is 18003569377). Refused with a `PhoneNumberError` naming the cause: text
    /// before or after the number, an extension, other characters, one or two letters (a typo,
    /// `4152O57483`), a wrong digit count, an invalid area code or exchange, a number libphonenumber
    /// does not consider valid, or a region outside `allowedRegions`. `PhoneNumberParser` lists the rules.
    public static func parse(
        _ text: String,
        allowedRegions: Set<PhoneRegion> = PhoneRegion.defaultAllowed
    ) throws(PhoneNumberError) -> PhoneNumber {
        do {
            return try withUTF8(of: text) { bytes throws(PhoneRefusal) in try parse(bytes, allowed: allowedRegions) }
        } catch {
            throw PhoneNumberError(error, input: text)
        }
    }

    /// Parses UTF-8 bytes; see `parse(_:allowedRegions:)`.
    public static func parse(
        utf8 bytes: UnsafeBufferPointer<UInt8>,
        allowedRegions: Set<PhoneRegion> = PhoneRegion.defaultAllowed
    ) throws(PhoneNumberError) -> PhoneNumber {
        do {
            return try parse(bytes, allowed: allowedRegions)
        } catch {
            throw PhoneNumberError(error, input: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Parses a number and checks its region against a bit set (the fastest form for bulk checks);
    /// see `parse(_:allowedRegions:)`.
    public static func parse(_ text: String, allowed: PhoneRegionSet) throws(PhoneNumberError) -> PhoneNumber {
        do {
            return try withUTF8(of: text) { bytes throws(PhoneRefusal) in try parse(bytes, allowed: allowed) }
        } catch {
            throw PhoneNumberError(error, input: text)
        }
    }

    /// Parses UTF-8 bytes and checks the region against a bit set; see `parse(_:allowedRegions:)`.
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>, allowed: PhoneRegionSet) throws(PhoneNumberError) -> PhoneNumber {
        do {
            return try parse(bytes, allowed: allowed)
        } catch {
            throw PhoneNumberError(error, input: String(decoding: bytes, as: UTF8.self))
        }
    }

    @inline(__always)
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, allowed: PhoneRegionSet) throws(PhoneRefusal) -> PhoneNumber {
        let number = try PhoneNumberParser.parse(bytes)
        guard allowed.contains(number.region) else { throw unsupported(number, allowed) }
        return number
    }

    @inline(__always)
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, allowed: Set<PhoneRegion>) throws(PhoneRefusal) -> PhoneNumber {
        let number = try PhoneNumberParser.parse(bytes)
        guard allowed.contains(number.region) else { throw unsupported(number, PhoneRegionSet(allowed)) }
        return number
    }

    private static func unsupported(_ number: PhoneNumber, _ allowed: PhoneRegionSet) -> PhoneRefusal {
        PhoneRefusal(code: .unsupportedRegion, national: number.nationalNumber, position: number.region.index, flags: allowed.rawValue)
    }

    @inline(__always)
    private static func withUTF8(
        of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(PhoneRefusal) -> PhoneNumber
    ) throws(PhoneRefusal) -> PhoneNumber {
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes in
            Result { () throws(PhoneRefusal) in try body(bytes) }
        }
        if let fast { return try fast.get() }
        var copy = text
        return try copy.withUTF8 { bytes in Result { () throws(PhoneRefusal) in try body(bytes) } }.get()
    }
}
