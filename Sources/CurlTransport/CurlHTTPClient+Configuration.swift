#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CurlHTTPClient {
    /// Every setting of the client; the defaults suit one HTTP/1.1 or HTTP/2 upstream.
    public struct Configuration: Sendable {
        /// TLS material. Peer and host-name verification are always on and cannot be turned off.
        public struct TLS: Sendable {
            /// A PEM file of CA certificates to trust; `nil` trusts libcurl's built-in bundle.
            public var caFile: String?
            /// A PEM client certificate for mutual TLS; needs `clientKeyFile`.
            public var clientCertificateFile: String?
            /// The PEM private key of `clientCertificateFile`.
            public var clientKeyFile: String?
            /// The pass phrase of `clientKeyFile`, if it is encrypted. A secret: never logged.
            public var clientKeyPassword: String?

            /// Creates TLS settings.
            public init(
                caFile: String? = nil,
                clientCertificateFile: String? = nil,
                clientKeyFile: String? = nil,
                clientKeyPassword: String? = nil
            ) {
                self.caFile = caFile
                self.clientCertificateFile = clientCertificateFile
                self.clientKeyFile = clientKeyFile
                self.clientKeyPassword = clientKeyPassword
            }
        }

        /// Most connections open at once to one host (`CURLMOPT_MAX_HOST_CONNECTIONS`).
        public var maxConnectionsPerHost: Int
        /// Most idle connections kept for reuse (`CURLMOPT_MAXCONNECTS`); raised to at least
        /// `maxConnectionsPerHost` so no connection of a busy host is closed for want of room.
        public var maxCachedConnections: Int
        /// Most transfers inside libcurl at once, which is also the number of pooled easy handles.
        /// Requests beyond it wait in Swift, their deadline running, so none waits inside curl's own
        /// queue. For HTTP/1.1 keep it at `maxConnectionsPerHost`; HTTP/2 multiplexing allows more.
        public var maxConcurrentTransfers: Int
        /// How long setting up a connection (DNS, TCP, TLS) may take (`CURLOPT_CONNECTTIMEOUT_MS`).
        public var connectTimeout: Duration
        /// How long a request may take when it names no timeout of its own.
        public var requestTimeout: Duration
        /// The largest response body accepted; a larger one aborts the transfer with
        /// `CurlTransportError.Code.responseTooLarge`.
        public var maxResponseBodySize: Int
        /// How long `run()` lets in-flight transfers finish after a graceful shutdown begins.
        public var shutdownGracePeriod: Duration
        /// The `User-Agent` header sent unless a request sets its own; `nil` sends none.
        public var userAgent: String?
        /// TLS material.
        public var tls: TLS

        /// Creates settings; `maxConcurrentTransfers` defaults to `maxConnectionsPerHost`.
        public init(
            maxConnectionsPerHost: Int = 16,
            maxCachedConnections: Int? = nil,
            maxConcurrentTransfers: Int? = nil,
            connectTimeout: Duration = .seconds(5),
            requestTimeout: Duration = .seconds(30),
            maxResponseBodySize: Int = 16 << 20,
            shutdownGracePeriod: Duration = .seconds(10),
            userAgent: String? = nil,
            tls: TLS = TLS()
        ) {
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxCachedConnections = maxCachedConnections ?? maxConnectionsPerHost
            self.maxConcurrentTransfers = maxConcurrentTransfers ?? maxConnectionsPerHost
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxResponseBodySize = maxResponseBodySize
            self.shutdownGracePeriod = shutdownGracePeriod
            self.userAgent = userAgent
            self.tls = tls
        }

        /// The first thing wrong with these settings, in a sentence, or `nil`.
        func problem() -> String? {
            if maxConnectionsPerHost < 1 { return "maxConnectionsPerHost must be at least 1." }
            if maxConcurrentTransfers < 1 { return "maxConcurrentTransfers must be at least 1." }
            if maxResponseBodySize < 0 { return "maxResponseBodySize must not be negative." }
            if connectTimeout <= .zero || requestTimeout <= .zero { return "Timeouts must be positive." }
            if (tls.clientCertificateFile == nil) != (tls.clientKeyFile == nil) {
                return "A client certificate needs its key and a key needs its certificate."
            }
            for file in [tls.caFile, tls.clientCertificateFile, tls.clientKeyFile].compactMap({ $0 })
            where access(file, R_OK) != 0 {
                return "The TLS file \(file) cannot be read."
            }
            return nil
        }
    }
}
