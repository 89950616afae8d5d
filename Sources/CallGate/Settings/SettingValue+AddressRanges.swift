extension SettingValue where Value == [IPAddressRange] {
    /// IPv4 and IPv6 CIDR blocks (a bare address is a block of one), comma-separated.
    public static var addressRanges: SettingValue {
        let list = SettingValue<[String]>.list
        return SettingValue(accepts: "IPv4 and IPv6 CIDRs, comma-separated, e.g. 10.0.0.0/8,fd00::/8", parse: { raw throws(SettingRefusal) in
            try list.parse(raw).map { text throws(SettingRefusal) in
                guard let range = IPAddressRange(text) else {
                    throw SettingRefusal(tail: "names '\(text)', which is not an IPv4 or IPv6 address or CIDR block such as 10.0.0.0/8.")
                }
                return range
            }
        }, text: { $0.isEmpty ? nil : $0.map(\.description).joined(separator: ",") })
    }
}
