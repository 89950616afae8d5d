import ArgumentParser
import CallGate
import CallGateCore

/// What `keys create` and `webhooks add-source` take: the new identity, its own rate limit and the file.
struct NewIdentityOptions<Content: IdentityFileContent>: ParsableArguments {
    @OptionGroup var identity: IdentityOptions

    @OptionGroup var limit: RateLimitOptions

    @OptionGroup var file: IdentityFileOption<Content>

    /// Adds the identity to the file (started when absent) with `add`, which returns its key or
    /// secret; returns the role and that.
    func add(_ add: (inout Content, _ name: String, _ role: LiveVoxRole, _ services: [Int64]?, _ agentLoginId: String?,
                     _ rateLimit: RateLimit?) throws(Content.Failure) -> String) throws -> (role: LiveVoxRole, secret: String) {
        let (role, services, rateLimit) = (try identity.parsedRole(), try identity.parsedServices(), try limit.parsed())
        let secret = try file.update(orEmpty: true) { content throws(Content.Failure) in
            try add(&content, identity.name, role, services, identity.agentLoginId, rateLimit)
        }
        return (role, secret)
    }
}
