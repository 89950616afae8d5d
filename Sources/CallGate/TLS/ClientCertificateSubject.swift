import NIOCore
import NIOSSL
import X509

/// The subject of a connection's verified client certificate as RFC 4514 text, the form
/// `openssl x509 -noout -subject -nameopt RFC2253` prints and a keys-file entry names it in:
/// most specific first, `CN=crm-prod,O=Example`.
enum ClientCertificateSubject {
    /// The subject of the certificate the peer presented on this connection, once its handshake is
    /// done; `nil` without TLS or without a client certificate (only mutual TLS asks for one, and
    /// then the handshake has verified it).
    static func ofPeer(in pipeline: ChannelPipeline.SynchronousOperations) -> String? {
        guard let handler = try? pipeline.handler(type: NIOSSLServerHandler.self),
              let certificate = handler.peerCertificate,
              let der = try? certificate.toDERBytes() else { return nil }
        return try? rfc4514(der: der)
    }

    /// The subject of a DER certificate.
    static func rfc4514(der: [UInt8]) throws -> String {
        let subject = try Certificate(derEncoded: der).subject
        return subject.reversed().map { rdn in
            rdn.map { attribute in "\(keyword(attribute))=\(attribute.value)" }.joined(separator: "+")
        }.joined(separator: ",")
    }

    /// The attribute's name as OpenSSL's RFC 2253 output spells it; the dotted OID for the others.
    private static func keyword(_ attribute: RelativeDistinguishedName.Attribute) -> String {
        switch attribute.type {
        case .RDNAttributeType.commonName: "CN"
        case .RDNAttributeType.countryName: "C"
        case .RDNAttributeType.localityName: "L"
        case .RDNAttributeType.stateOrProvinceName: "ST"
        case .RDNAttributeType.organizationName: "O"
        case .RDNAttributeType.organizationalUnitName: "OU"
        case .RDNAttributeType.streetAddress: "STREET"
        case .RDNAttributeType.domainComponent: "DC"
        case .RDNAttributeType.emailAddress: "emailAddress"
        case [0, 9, 2342, 19_200_300, 100, 1, 1]: "UID"
        default: attribute.type.description
        }
    }
}
