import CallGateStorage
import NIOSSL
import PostgresNIO

extension PostgresAuditStore {
    /// How the store connects and how long it waits, beyond its address.
    public struct Configuration: Sendable {
        /// The settings that apply to PostgreSQL (`--store-password-file`, `--store-ca-file`,
        /// `--store-pool-size`, `--store-sync`).
        public var options: StoreOptions
        /// The longest one operation (a batch's commit, a query page, a readiness check) waits,
        /// connecting included, before it fails as `unavailable`: a database that stopped
        /// answering must turn into 503s, not requests held open.
        public var operationTimeout: Duration
        /// The longest `checkWritable` waits: a readiness probe must answer before its prober
        /// gives up.
        public var readinessTimeout: Duration

        /// The defaults: the settings' defaults, 10 seconds an operation, 2 a readiness check.
        public init(
            options: StoreOptions = StoreOptions(), operationTimeout: Duration = .seconds(10), readinessTimeout: Duration = .seconds(2)
        ) {
            self.options = options
            self.operationTimeout = operationTimeout
            self.readinessTimeout = readinessTimeout
        }
    }

    /// The pool's configuration for `address`, and its TLS settings (nil: none): its password from
    /// the URL or the settings (not both), TLS as its `sslmode` says, at most `poolSize`
    /// connections, and `synchronous_commit` off only when `--store-sync normal` asks for it.
    static func clientConfiguration(
        _ address: PostgresAddress, _ configuration: Configuration
    ) throws(AuditStoreError) -> (client: PostgresClient.Configuration, tls: TLSConfiguration?) {
        let options = configuration.options
        if address.password != nil, options.password != nil {
            throw AuditStoreError(
                code: .invalidURL,
                detail: "The PostgreSQL password is given twice, in the store URL and in --store-password-file / CALLGATE_STORE_PASSWORD; give it once."
            )
        }
        guard (1...1000).contains(options.poolSize) else {
            throw AuditStoreError(code: .invalidURL, detail: "The store pool size must be between 1 and 1000; got \(options.poolSize).")
        }
        let tls: PostgresClient.Configuration.TLS
        var tlsContext: TLSConfiguration?
        if address.sslMode == .disable {
            guard options.caFile == nil else {
                throw AuditStoreError(
                    code: .invalidURL,
                    detail: "--store-ca-file is given but the store URL's sslmode is disable; use sslmode=verify-full (or verify-ca) to check the server's certificate."
                )
            }
            tls = .disable
        } else {
            var context = TLSConfiguration.makeClientConfiguration()
            switch address.sslMode {
            case .disable, .require: context.certificateVerification = .none
            case .verifyCA: context.certificateVerification = .noHostnameVerification
            case .verifyFull: context.certificateVerification = .fullVerification
            }
            if let caFile = options.caFile {
                guard address.sslMode == .verifyCA || address.sslMode == .verifyFull else {
                    throw AuditStoreError(
                        code: .invalidURL,
                        detail: "--store-ca-file is given but the store URL's sslmode is require, which checks no certificate; use sslmode=verify-full (or verify-ca)."
                    )
                }
                do {
                    context.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw AuditStoreError(
                        code: .invalidURL, detail: "--store-ca-file is '\(caFile)', which cannot be read as PEM certificates: \(error)."
                    )
                }
            }
            tls = .require(context)
            tlsContext = context
        }
        var client = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.user,
            password: address.password ?? options.password, database: address.database, tls: tls
        )
        client.options.maximumConnections = options.poolSize
        client.options.minimumConnections = 0
        client.options.connectTimeout = configuration.operationTimeout
        client.options.additionalStartupParameters = [
            ("application_name", "callgate"),
            ("synchronous_commit", options.sync == .full ? "on" : "off"),
        ]
        return (client, tlsContext)
    }
}
