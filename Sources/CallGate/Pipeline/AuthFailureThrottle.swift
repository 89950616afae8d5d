import NIOCore
import Synchronization

/// Counts failed authentications per client address in fixed one-minute windows, and past the limit
/// of a window says to refuse with 429 instead, so that an anonymous client cannot make the gateway
/// write a record per request: what a flood costs is bounded by addresses, not by requests.
///
/// An IPv6 address counts by its /64 (one host usually holds a whole /64), an IPv4 address by
/// itself. Only refusals are counted: the pipeline asks after a request has failed to
/// authenticate, so a request with a valid key or token never reaches this.
///
/// Memory is bounded by ``maxTrackedAddresses``: past it the address tracked longest is forgotten
/// (its count starts again if it comes back). A window is reset in place when its minute is over,
/// so the table needs no sweep. One lock, held for a dictionary lookup, on refusals only.
final class AuthFailureThrottle: Sendable {
    /// What to do with one more failed authentication.
    enum Verdict: Equatable, Sendable {
        /// Under the limit: refuse as usual (401 or 404), audited.
        case counted
        /// Over the limit: 429, retry after the window's end. `summaryFailures` is set for the one
        /// refusal per address and window that writes the summary record, with the failures
        /// counted in the window so far; nil for the others, which are only counted in metrics.
        case throttled(retryAfterSeconds: Int, summaryFailures: Int?)
    }

    /// Failed authentications an address may have in a minute before it is throttled.
    let limitPerMinute: Int
    /// Addresses (IPv6 /64s) tracked at most.
    let maxTrackedAddresses: Int
    /// Summary records written per minute at most, all addresses together.
    let maxSummariesPerMinute: Int
    private let state: Mutex<State>

    private struct Window {
        var minute: Int64
        var failures: Int
        var summarized: Bool
    }

    private struct State {
        var windows: [IPAddress: Window] = [:]
        /// The tracked addresses, oldest first: the next to forget.
        var order = CircularBuffer<IPAddress>()
        var summaryMinute: Int64 = -1
        var summaries = 0
    }

    init(limitPerMinute: Int, maxTrackedAddresses: Int = 10_000, maxSummariesPerMinute: Int = 100) {
        self.limitPerMinute = limitPerMinute
        self.maxTrackedAddresses = maxTrackedAddresses
        self.maxSummariesPerMinute = maxSummariesPerMinute
        state = Mutex(State())
    }

    /// The key an address is counted under: an IPv4 address, or an IPv6 address's /64. Requests
    /// without a readable address (not from a socket) share one key.
    static func key(for address: String?) -> IPAddress {
        guard let address, let parsed = IPAddress(address) else { return IPAddress(high: 0, low: 0) }
        return parsed.isIPv4 ? parsed : parsed.masked(to: 64)
    }

    /// Counts one failed authentication from `address` at `nowMillis` and says what to answer.
    func countFailure(from address: String?, nowMillis: Int64) -> Verdict {
        let key = Self.key(for: address)
        let minute = nowMillis / 60_000
        let retryAfter = Int((minute + 1) * 60_000 - nowMillis + 999) / 1000
        return state.withLock { state in
            var window: Window
            if let tracked = state.windows[key] {
                window = tracked
            } else {
                // A new address: forget the oldest when the table is full.
                if state.windows.count >= maxTrackedAddresses, let oldest = state.order.popFirst() { state.windows[oldest] = nil }
                state.order.append(key)
                window = Window(minute: minute, failures: 0, summarized: false)
            }
            if window.minute != minute { window = Window(minute: minute, failures: 0, summarized: false) }
            window.failures += 1
            var verdict = Verdict.counted
            if window.failures > limitPerMinute {
                var summary: Int?
                if !window.summarized {
                    window.summarized = true
                    if state.summaryMinute != minute {
                        state.summaryMinute = minute
                        state.summaries = 0
                    }
                    if state.summaries < maxSummariesPerMinute {
                        state.summaries += 1
                        summary = window.failures
                    }
                }
                verdict = .throttled(retryAfterSeconds: retryAfter, summaryFailures: summary)
            }
            state.windows[key] = window
            return verdict
        }
    }
}
