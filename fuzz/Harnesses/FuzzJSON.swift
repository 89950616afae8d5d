import CallGateCore

/// The limits the JSON harness parses under: small, so that short inputs reach them.
let fuzzJSONLimits = JSONParser.Limits(maxArrayLength: 8, maxValues: 32)

/// Parses `bytes` as JSON with and without ``fuzzJSONLimits`` and returns every broken invariant:
/// a document accepted under the limits stays within them (values, array length, depth) and equals
/// the unlimited parse; a refusal that names no limit is the unlimited parse's refusal; a refusal
/// that names a limit is for a document that really goes past it (or is malformed anyway).
public func fuzzJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    let limited = Result { () throws(MalformedJSON) in try JSONParser.parse(bytes, limits: fuzzJSONLimits) }
    let unlimited = Result { () throws(MalformedJSON) in try JSONParser.parse(bytes) }
    var broken: [String] = []
    for case .failure(let error) in [limited, unlimited] where error.line < 1 || error.column < 1 {
        broken.append("an error at line \(error.line), column \(error.column)")
    }
    if case .success(let value) = unlimited {
        let shape = JSONShape(value)
        if shape.depth > JSONParser.maximumDepth { broken.append("a document nested \(shape.depth) deep was accepted") }
        switch limited {
        case .success(let limitedValue):
            if limitedValue != value { broken.append("the limited and unlimited parses differ") }
            if shape.values > fuzzJSONLimits.maxValues || shape.longestArray > fuzzJSONLimits.maxArrayLength {
                broken.append("a document past the limits (\(shape)) was accepted under them")
            }
        case .failure(let error):
            let within = shape.values <= fuzzJSONLimits.maxValues && shape.longestArray <= fuzzJSONLimits.maxArrayLength
            if error.limit == nil || within { broken.append("refused under the limits (\(error.reason)) but within them: \(shape)") }
        }
    } else if case .failure(let unlimitedError) = unlimited {
        switch limited {
        case .success: broken.append("accepted under the limits but refused without them: \(unlimitedError.reason)")
        case .failure(let error) where error.limit == nil && error != unlimitedError:
            broken.append("the limited refusal (\(error.reason)) differs from the unlimited one (\(unlimitedError.reason))")
        case .failure: break
        }
    }
    return broken
}

/// What the limits of ``JSONParser/Limits`` count in a parsed document.
struct JSONShape: CustomStringConvertible {
    /// Every value, containers included.
    var values = 0
    /// The most elements of one array.
    var longestArray = 0
    /// The deepest nesting of arrays and objects.
    var depth = 0

    init(_ value: JSONValue) {
        visit(value, level: 0)
    }

    private mutating func visit(_ value: JSONValue, level: Int) {
        values += 1
        switch value {
        case .array(let elements):
            depth = max(depth, level + 1)
            longestArray = max(longestArray, elements.count)
            for element in elements { visit(element, level: level + 1) }
        case .object(let members):
            depth = max(depth, level + 1)
            for member in members { visit(member.value, level: level + 1) }
        default:
            break
        }
    }

    var description: String { "\(values) values, longest array \(longestArray), depth \(depth)" }
}
