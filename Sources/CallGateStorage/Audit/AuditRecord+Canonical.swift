import CallGateHashing

extension AuditRecord {
    /// The `previousHash` of the first record of a chain that starts empty: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The record's content as the bytes its chain hash covers: every field except `sequence`,
    /// `previousHash` and `hash` (the chain hash covers the sequence and the previous hash itself,
    /// see `AuditKeys.chainHash(previousHash:sequence:contentDigest:)`), so the content can be
    /// digested before the store numbers the record.
    ///
    /// The form is compact JSON (UTF-8, no whitespace) with the keys always in this order:
    ///
    /// ```
    /// {"formatVersion":3,"requestId":"…","timeMillis":1767225600000,"principal":"crm"|null,
    ///  "role":"Manager"|null,"authMethod":"api_key"|null,"clientAddress":"10.0.0.1"|null,
    ///  "operation":"launchManualCalls","method":"POST","path":"/v1/…","serviceId":21429|null,
    ///  "phones":[{"masked":"******7483","fingerprint":"…"},…],"entryCount":2|null,
    ///  "outcome":"allowed","reason":"forbidden_role"|null,"validationCodes":["…",…],
    ///  "upstreamStatus":200|null,"upstreamAttempts":1,"upstreamLatencyMicros":8123|null,
    ///  "totalLatencyMicros":9000,"responseStatus":200,"peerAddress":"10.0.0.9"|null,
    ///  "callingWindow":{"profile":"telemarketing","rules":["US-FL-solicitation",…],
    ///                   "nextAllowedAt":1780315200000|null,"rulesDigest":"…"}|null}
    /// ```
    ///
    /// (shown wrapped here; the real form is one line). Integers are written in decimal; an absent
    /// optional is `null`; strings escape `"` and `\` with a backslash, newline, carriage return, tab,
    /// backspace and form feed as `\n`, `\r`, `\t`, `\b`, `\f`, other characters below U+0020 as
    /// `\u00XX` (lowercase hex), and keep every other character as its UTF-8 bytes, unnormalized.
    ///
    /// The form is versioned by `formatVersion`, which is part of what the hash covers: version 1,
    /// the records written before versions existed, has no `formatVersion` key and is otherwise the
    /// same; each later version starts with its number and may append keys of its own before the
    /// closing brace, so that a record is always hashed in the form it was written in and older
    /// records keep verifying. A form once written never changes. Version 2 ends at
    /// `responseStatus`; version 3 appends `peerAddress`; version 4 appends `callingWindow`.
    public func canonicalBytes() -> [UInt8] {
        var json = CanonicalJSON(capacity: 384 + phones.count * 96)
        if formatVersion == Self.unversionedFormat {
            json.raw("{\"requestId\":")
        } else {
            json.raw("{\"formatVersion\":")
            json.integer(Int64(formatVersion))
            json.raw(",\"requestId\":")
        }
        json.string(requestId)
        json.raw(",\"timeMillis\":")
        json.integer(timeMillis)
        json.raw(",\"principal\":")
        json.string(principal)
        json.raw(",\"role\":")
        json.string(role)
        json.raw(",\"authMethod\":")
        json.string(authMethod)
        json.raw(",\"clientAddress\":")
        json.string(clientAddress)
        json.raw(",\"operation\":")
        json.string(operation)
        json.raw(",\"method\":")
        json.string(method)
        json.raw(",\"path\":")
        json.string(path)
        json.raw(",\"serviceId\":")
        json.integer(serviceId)
        json.raw(",\"phones\":[")
        for (index, phone) in phones.enumerated() {
            json.raw(index == 0 ? "{\"masked\":" : ",{\"masked\":")
            json.string(phone.masked)
            json.raw(",\"fingerprint\":")
            json.string(phone.fingerprint)
            json.raw("}")
        }
        json.raw("],\"entryCount\":")
        json.integer(entryCount.map(Int64.init))
        json.raw(",\"outcome\":")
        json.string(outcome.rawValue)
        json.raw(",\"reason\":")
        json.string(reason)
        json.raw(",\"validationCodes\":")
        json.stringArray(validationCodes)
        json.raw(",\"upstreamStatus\":")
        json.integer(upstreamStatus.map(Int64.init))
        json.raw(",\"upstreamAttempts\":")
        json.integer(Int64(upstreamAttempts))
        json.raw(",\"upstreamLatencyMicros\":")
        json.integer(upstreamLatencyMicros)
        json.raw(",\"totalLatencyMicros\":")
        json.integer(totalLatencyMicros)
        json.raw(",\"responseStatus\":")
        json.integer(Int64(responseStatus))
        if formatVersion >= 3 {
            json.raw(",\"peerAddress\":")
            json.string(peerAddress)
        }
        if formatVersion >= 4 {
            json.raw(",\"callingWindow\":")
            if let callingWindow {
                json.raw("{\"profile\":")
                json.string(callingWindow.profile)
                json.raw(",\"rules\":")
                json.stringArray(callingWindow.ruleIds)
                json.raw(",\"nextAllowedAt\":")
                json.integer(callingWindow.nextAllowedAtMillis)
                json.raw(",\"rulesDigest\":")
                json.string(callingWindow.rulesDigest)
                json.raw("}")
            } else {
                json.raw("null")
            }
        }
        json.raw("}")
        return json.bytes
    }

    /// SHA-256 of `canonicalBytes()`: what the chain hash covers of the record's content.
    public func contentDigest() -> SHA256Bytes {
        canonicalBytes().withUnsafeBytes { SHA256Hasher.hash($0) }
    }
}
