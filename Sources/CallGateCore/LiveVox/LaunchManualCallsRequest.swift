/// The body of `POST /callControl/supervisor/calls/{serviceId}/LaunchManualCalls`.
public struct LaunchManualCallsRequest: Decodable, LiveVoxWireEncodable, Hashable {
    /// The calls to launch.
    public var callEntry: [CallEntry]

    /// Creates a request.
    public init(callEntry: [CallEntry]) { self.callEntry = callEntry }

    /// Appends `{"callEntry":[...]}`.
    public func appendLiveVoxJSON(to out: inout [UInt8]) {
        var object = JSONObjectWriter(&out)
        object.key("callEntry", &out)
        out.append(UInt8(ascii: "["))
        for (index, entry) in callEntry.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            entry.appendLiveVoxJSON(to: &out)
        }
        out.append(UInt8(ascii: "]"))
        object.close(&out)
    }
}
