/// What the store holds for one key.
package struct IdempotencyEntry: Sendable, Hashable {
    /// The digest of the request that first used the key.
    package var requestDigest: [UInt8]
    /// When the key was first used.
    package var createdMillis: Int64
    /// The response kept; nil while the request is in progress.
    package var response: StoredResponse?

    package init(requestDigest: [UInt8], createdMillis: Int64, response: StoredResponse?) {
        self.requestDigest = requestDigest
        self.createdMillis = createdMillis
        self.response = response
    }
}
