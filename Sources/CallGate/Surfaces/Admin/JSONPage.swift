import CallGateCore

/// A JSON page, `{"<name>":[...],"nextCursor":"..."|null}`: audit records and deliveries alike.
enum JSONPage {
    static func response<Item>(_ name: StaticString, _ items: [Item], nextCursor: Int64?,
                               _ append: (Item, inout [UInt8]) -> Void) -> GatewayResponse {
        var out: [UInt8] = []
        out.reserveCapacity(64 + items.count * 600)
        JSONBytes.appendRaw("{\"", to: &out)
        JSONBytes.appendRaw(name, to: &out)
        JSONBytes.appendRaw("\":[", to: &out)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(item, &out)
        }
        JSONBytes.appendRaw("],\"nextCursor\":", to: &out)
        if let nextCursor { JSONBytes.appendString(String(nextCursor), to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
        out.append(UInt8(ascii: "}"))
        return .json(200, out)
    }
}
