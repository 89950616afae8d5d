import CallGateCore

/// A launch delivery's calling-window question, kept with it (`NewDelivery.windowQuery`) so the
/// worker can ask it again before each attempt: the LiveVox body it sends holds the numbers and
/// dialing timeouts but not the locations the caller gave, which count as much.
///
/// One JSON array, an object per entry: `{"phone":"+14155550123","state":"FL","timeZone":"America/Chicago","durationSeconds":600}`
/// (`state`, `timeZone` and `durationSeconds` only when given; without a duration the margin in force
/// at the attempt applies, as it would to a new request).
enum DeliveryWindowQuery {
    /// The bytes of `entries`.
    static func encode(_ entries: [CallingWindowGate.Entry]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendRaw("{\"phone\":", to: &out)
            JSONBytes.appendString(entry.phone.e164, to: &out)
            if let state = entry.state {
                JSONBytes.appendRaw(",\"state\":", to: &out)
                JSONBytes.appendString(state, to: &out)
            }
            if let zone = entry.timeZone {
                JSONBytes.appendRaw(",\"timeZone\":", to: &out)
                JSONBytes.appendString(zone.identifier, to: &out)
            }
            if let duration = entry.durationSeconds {
                JSONBytes.appendRaw(",\"durationSeconds\":", to: &out)
                JSONBytes.appendInteger(duration, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// The entries `bytes` hold; nil when they are not what `encode` writes (a row written by hand).
    static func decode(_ bytes: [UInt8]) -> [CallingWindowGate.Entry]? {
        guard case .array(let items)? = try? JSONParser.parse(bytes) else { return nil }
        var entries: [CallingWindowGate.Entry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text)? = item["phone"], let phone = try? PhoneNumber.parse(text, allowed: .all) else { return nil }
            var state: String?
            if let value = item["state"] {
                guard case .string(let code) = value else { return nil }
                state = code
            }
            var zone: IANATimeZone?
            if let value = item["timeZone"] {
                guard case .string(let name) = value, let named = IANATimeZone.named(name) else { return nil }
                zone = named
            }
            var duration: Int64?
            if let value = item["durationSeconds"] {
                guard case .integer(let seconds) = value else { return nil }
                duration = seconds
            }
            entries.append(CallingWindowGate.Entry(phone: phone, state: state, timeZone: zone, durationSeconds: duration))
        }
        return entries
    }
}
