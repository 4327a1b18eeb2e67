//! Code points as open newtypes with named constants, so unknown values survive a round
//! trip and `Debug` prints the registry name when there is one.
//!
//! Values come from the IANA TLS registries as defined by RFC 5246 (TLS 1.2), RFC 6347
//! (DTLS 1.2), RFC 8446 (TLS 1.3), RFC 9147 (DTLS 1.3), RFC 8422 (ECC), RFC 5764 and
//! RFC 7714 (SRTP protection profiles) and the documents cited on each constant. Only the
//! values a WebRTC stack meets are named; every other value is still carried as a number.

use core::fmt;

use crate::list::wire_code;

/// Declares an open code point newtype with named constants and a name lookup.
macro_rules! code_point {
    (
        $(#[$meta:meta])*
        $name:ident($ty:tt) {
            $( $(#[$cmeta:meta])* $const:ident = $val:literal => $label:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $ty);

        impl $name {
            $(
                $(#[$cmeta])*
                #[doc = concat!("`", $label, "` (", stringify!($val), ").")]
                pub const $const: Self = Self($val);
            )*

            /// The registry name of this value, or `None` for a value without a constant.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($label), )*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, concat!(stringify!($name), "({:#x})"), self.0),
                }
            }
        }

        impl From<$ty> for $name {
            #[inline]
            fn from(v: $ty) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $ty {
            #[inline]
            fn from(v: $name) -> Self {
                v.0
            }
        }

        wire_code!($name, $ty);
    };
}

/// Whether a two-byte code point is a GREASE value (RFC 8701: `0x?A?A` with equal bytes).
#[inline]
const fn is_grease_u16(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

code_point! {
    /// The record layer's ContentType (RFC 5246 section 6.2.1, RFC 6347 section 4.1).
    ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        ALERT = 21 => "alert",
        HANDSHAKE = 22 => "handshake",
        APPLICATION_DATA = 23 => "application_data",
        /// RFC 6520.
        HEARTBEAT = 24 => "heartbeat",
        /// RFC 9146 (DTLS connection id).
        TLS12_CID = 25 => "tls12_cid",
        /// RFC 9147 (DTLS 1.3).
        ACK = 26 => "ack",
    }
}

code_point! {
    /// A ProtocolVersion as DTLS encodes it (the one's complement of the TLS version).
    ProtocolVersion(u16) {
        DTLS_1_0 = 0xfeff => "DTLS 1.0",
        DTLS_1_2 = 0xfefd => "DTLS 1.2",
        /// RFC 9147.
        DTLS_1_3 = 0xfefc => "DTLS 1.3",
        TLS_1_2 = 0x0303 => "TLS 1.2",
        TLS_1_3 = 0x0304 => "TLS 1.3",
    }
}

code_point! {
    /// HandshakeType (RFC 5246 section 7.4, RFC 6347 section 4.2.2, RFC 8446 section 4).
    HandshakeType(u8) {
        HELLO_REQUEST = 0 => "hello_request",
        CLIENT_HELLO = 1 => "client_hello",
        SERVER_HELLO = 2 => "server_hello",
        /// RFC 6347 section 4.2.1.
        HELLO_VERIFY_REQUEST = 3 => "hello_verify_request",
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        /// RFC 9147.
        REQUEST_CONNECTION_ID = 9 => "request_connection_id",
        /// RFC 9147.
        NEW_CONNECTION_ID = 10 => "new_connection_id",
        CERTIFICATE = 11 => "certificate",
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        FINISHED = 20 => "finished",
        CERTIFICATE_URL = 21 => "certificate_url",
        CERTIFICATE_STATUS = 22 => "certificate_status",
        KEY_UPDATE = 24 => "key_update",
        /// RFC 8879.
        COMPRESSED_CERTIFICATE = 25 => "compressed_certificate",
        MESSAGE_HASH = 254 => "message_hash",
    }
}

code_point! {
    /// A CipherSuite (IANA TLS Cipher Suites registry).
    CipherSuite(u16) {
        /// RFC 5289 / RFC 8422.
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5289 / RFC 8422.
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        /// RFC 5289 / RFC 8422.
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5289 / RFC 8422.
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        /// RFC 7905.
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        /// RFC 7905.
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        /// RFC 4492 / RFC 8422.
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        /// RFC 4492 / RFC 8422.
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        /// RFC 4492 / RFC 8422.
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        /// RFC 4492 / RFC 8422.
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        /// RFC 7251.
        TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xc0ae => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        /// RFC 5288.
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        /// RFC 5288.
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        /// RFC 5246.
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        /// RFC 5246.
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        /// RFC 8446 (TLS 1.3 / DTLS 1.3 only).
        TLS_AES_128_GCM_SHA256 = 0x1301 => "TLS_AES_128_GCM_SHA256",
        /// RFC 8446 (TLS 1.3 / DTLS 1.3 only).
        TLS_AES_256_GCM_SHA384 = 0x1302 => "TLS_AES_256_GCM_SHA384",
        /// RFC 8446 (TLS 1.3 / DTLS 1.3 only).
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        /// RFC 5746 signalling value.
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        /// RFC 7507 signalling value.
        TLS_FALLBACK_SCSV = 0x5600 => "TLS_FALLBACK_SCSV",
    }
}

impl CipherSuite {
    /// Whether this is a GREASE value (RFC 8701).
    #[inline]
    pub const fn is_grease(self) -> bool {
        is_grease_u16(self.0)
    }
}

code_point! {
    /// A NamedGroup (RFC 8446 section 4.2.7; called NamedCurve in RFC 8422 section 5.1.1).
    NamedGroup(u16) {
        SECP256R1 = 23 => "secp256r1",
        SECP384R1 = 24 => "secp384r1",
        SECP521R1 = 25 => "secp521r1",
        X25519 = 29 => "x25519",
        X448 = 30 => "x448",
        /// RFC 7919.
        FFDHE2048 = 0x0100 => "ffdhe2048",
        /// RFC 7919.
        FFDHE3072 = 0x0101 => "ffdhe3072",
        /// draft-ietf-tls-ecdhe-mlkem (hybrid post-quantum).
        SECP256R1_MLKEM768 = 0x11eb => "SecP256r1MLKEM768",
        /// draft-ietf-tls-ecdhe-mlkem (hybrid post-quantum; Chromium's first key share).
        X25519_MLKEM768 = 0x11ec => "X25519MLKEM768",
        /// draft-ietf-tls-ecdhe-mlkem (hybrid post-quantum).
        SECP384R1_MLKEM1024 = 0x11ed => "SecP384r1MLKEM1024",
        /// draft-tls-westerbaan-xyber768d00 (obsolete).
        X25519_KYBER768_DRAFT00 = 0x6399 => "X25519Kyber768Draft00",
    }
}

impl NamedGroup {
    /// Whether this is a GREASE value (RFC 8701).
    #[inline]
    pub const fn is_grease(self) -> bool {
        is_grease_u16(self.0)
    }
}

code_point! {
    /// A SignatureScheme (RFC 8446 section 4.2.3). For TLS 1.2 the same two bytes are the
    /// SignatureAndHashAlgorithm pair of RFC 5246 section 7.4.1.4.1 (hash, then signature).
    SignatureScheme(u16) {
        RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
        ECDSA_SHA1 = 0x0203 => "ecdsa_sha1",
        RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
        ECDSA_SECP256R1_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
        ECDSA_SECP384R1_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
        RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
        ECDSA_SECP521R1_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
        RSA_PSS_RSAE_SHA384 = 0x0805 => "rsa_pss_rsae_sha384",
        RSA_PSS_RSAE_SHA512 = 0x0806 => "rsa_pss_rsae_sha512",
        ED25519 = 0x0807 => "ed25519",
        ED448 = 0x0808 => "ed448",
        RSA_PSS_PSS_SHA256 = 0x0809 => "rsa_pss_pss_sha256",
        RSA_PSS_PSS_SHA384 = 0x080a => "rsa_pss_pss_sha384",
        RSA_PSS_PSS_SHA512 = 0x080b => "rsa_pss_pss_sha512",
    }
}

impl SignatureScheme {
    /// The TLS 1.2 HashAlgorithm byte (RFC 5246 section 7.4.1.4.1).
    #[inline]
    pub const fn hash(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// The TLS 1.2 SignatureAlgorithm byte (RFC 5246 section 7.4.1.4.1).
    #[inline]
    pub const fn signature(self) -> u8 {
        self.0 as u8
    }

    /// Whether this is a GREASE value (RFC 8701).
    #[inline]
    pub const fn is_grease(self) -> bool {
        is_grease_u16(self.0)
    }
}

code_point! {
    /// An ExtensionType (IANA TLS ExtensionType Values registry).
    ExtensionType(u16) {
        /// RFC 6066.
        SERVER_NAME = 0 => "server_name",
        /// RFC 6066.
        MAX_FRAGMENT_LENGTH = 1 => "max_fragment_length",
        /// RFC 6066.
        STATUS_REQUEST = 5 => "status_request",
        /// RFC 8422 / RFC 8446.
        SUPPORTED_GROUPS = 10 => "supported_groups",
        /// RFC 8422.
        EC_POINT_FORMATS = 11 => "ec_point_formats",
        /// RFC 5246 / RFC 8446.
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        /// RFC 5764.
        USE_SRTP = 14 => "use_srtp",
        /// RFC 6520.
        HEARTBEAT = 15 => "heartbeat",
        /// RFC 7301.
        APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16 => "application_layer_protocol_negotiation",
        /// RFC 6962.
        SIGNED_CERTIFICATE_TIMESTAMP = 18 => "signed_certificate_timestamp",
        /// RFC 7250.
        CLIENT_CERTIFICATE_TYPE = 19 => "client_certificate_type",
        /// RFC 7250.
        SERVER_CERTIFICATE_TYPE = 20 => "server_certificate_type",
        /// RFC 7685.
        PADDING = 21 => "padding",
        /// RFC 7366.
        ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
        /// RFC 7627.
        EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
        /// RFC 8879.
        COMPRESS_CERTIFICATE = 27 => "compress_certificate",
        /// RFC 8449.
        RECORD_SIZE_LIMIT = 28 => "record_size_limit",
        /// RFC 5077.
        SESSION_TICKET = 35 => "session_ticket",
        /// RFC 8446.
        PRE_SHARED_KEY = 41 => "pre_shared_key",
        /// RFC 8446.
        EARLY_DATA = 42 => "early_data",
        /// RFC 8446.
        SUPPORTED_VERSIONS = 43 => "supported_versions",
        /// RFC 8446.
        COOKIE = 44 => "cookie",
        /// RFC 8446.
        PSK_KEY_EXCHANGE_MODES = 45 => "psk_key_exchange_modes",
        /// RFC 8446.
        CERTIFICATE_AUTHORITIES = 47 => "certificate_authorities",
        /// RFC 8446.
        OID_FILTERS = 48 => "oid_filters",
        /// RFC 8446.
        POST_HANDSHAKE_AUTH = 49 => "post_handshake_auth",
        /// RFC 8446.
        SIGNATURE_ALGORITHMS_CERT = 50 => "signature_algorithms_cert",
        /// RFC 8446.
        KEY_SHARE = 51 => "key_share",
        /// RFC 9146.
        CONNECTION_ID = 54 => "connection_id",
        /// draft-ietf-tls-esni.
        ENCRYPTED_CLIENT_HELLO = 0xfe0d => "encrypted_client_hello",
        /// RFC 5746.
        RENEGOTIATION_INFO = 0xff01 => "renegotiation_info",
    }
}

impl ExtensionType {
    /// Whether this is a GREASE value (RFC 8701).
    #[inline]
    pub const fn is_grease(self) -> bool {
        is_grease_u16(self.0)
    }
}

code_point! {
    /// An SRTPProtectionProfile (RFC 5764 section 4.1.2, RFC 7714 section 14.2).
    SrtpProtectionProfile(u16) {
        SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001 => "SRTP_AES128_CM_HMAC_SHA1_80",
        SRTP_AES128_CM_HMAC_SHA1_32 = 0x0002 => "SRTP_AES128_CM_HMAC_SHA1_32",
        SRTP_NULL_HMAC_SHA1_80 = 0x0005 => "SRTP_NULL_HMAC_SHA1_80",
        SRTP_NULL_HMAC_SHA1_32 = 0x0006 => "SRTP_NULL_HMAC_SHA1_32",
        /// RFC 7714.
        SRTP_AEAD_AES_128_GCM = 0x0007 => "SRTP_AEAD_AES_128_GCM",
        /// RFC 7714.
        SRTP_AEAD_AES_256_GCM = 0x0008 => "SRTP_AEAD_AES_256_GCM",
    }
}

code_point! {
    /// AlertLevel (RFC 5246 section 7.2).
    AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

code_point! {
    /// AlertDescription (RFC 5246 section 7.2, RFC 8446 section 6 and later additions).
    AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        DECRYPTION_FAILED = 21 => "decryption_failed_RESERVED",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure_RESERVED",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate_RESERVED",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        EXPORT_RESTRICTION = 60 => "export_restriction_RESERVED",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        /// RFC 7507.
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation_RESERVED",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable_RESERVED",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value_RESERVED",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
    }
}

code_point! {
    /// CompressionMethod (RFC 5246 section 7.4.1.2, RFC 3749). DTLS peers only use null.
    CompressionMethod(u8) {
        NULL = 0 => "null",
        DEFLATE = 1 => "DEFLATE",
    }
}

code_point! {
    /// ClientCertificateType (RFC 5246 section 7.4.4, RFC 8422 section 5.5).
    ClientCertificateType(u8) {
        RSA_SIGN = 1 => "rsa_sign",
        DSS_SIGN = 2 => "dss_sign",
        RSA_FIXED_DH = 3 => "rsa_fixed_dh",
        DSS_FIXED_DH = 4 => "dss_fixed_dh",
        ECDSA_SIGN = 64 => "ecdsa_sign",
        RSA_FIXED_ECDH = 65 => "rsa_fixed_ecdh",
        ECDSA_FIXED_ECDH = 66 => "ecdsa_fixed_ecdh",
    }
}

code_point! {
    /// ECPointFormat (RFC 8422 section 5.1.2).
    EcPointFormat(u8) {
        UNCOMPRESSED = 0 => "uncompressed",
        ANSIX962_COMPRESSED_PRIME = 1 => "ansiX962_compressed_prime",
        ANSIX962_COMPRESSED_CHAR2 = 2 => "ansiX962_compressed_char2",
    }
}

code_point! {
    /// ECCurveType (RFC 8422 section 5.4). Only named_curve is still allowed.
    EcCurveType(u8) {
        EXPLICIT_PRIME = 1 => "explicit_prime",
        EXPLICIT_CHAR2 = 2 => "explicit_char2",
        NAMED_CURVE = 3 => "named_curve",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_and_numbers() {
        assert_eq!(format!("{:?}", ContentType::HANDSHAKE), "handshake");
        assert_eq!(format!("{:?}", ContentType(99)), "ContentType(0x63)");
        assert_eq!(
            format!("{:?}", CipherSuite(0xc02b)),
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        );
        assert_eq!(format!("{:?}", NamedGroup(0x11ec)), "X25519MLKEM768");
        assert_eq!(
            format!("{:?}", SrtpProtectionProfile(7)),
            "SRTP_AEAD_AES_128_GCM"
        );
        assert_eq!(ProtocolVersion::DTLS_1_2.0, 0xfefd);
        assert_eq!(ProtocolVersion(0x1234).name(), None);
    }

    #[test]
    fn grease_and_signature_parts() {
        assert!(ExtensionType(0x3a3a).is_grease());
        assert!(CipherSuite(0xfafa).is_grease());
        assert!(!CipherSuite(0x3afa).is_grease());
        assert!(!ExtensionType::KEY_SHARE.is_grease());
        assert_eq!(SignatureScheme::ECDSA_SECP256R1_SHA256.hash(), 4);
        assert_eq!(SignatureScheme::ECDSA_SECP256R1_SHA256.signature(), 3);
    }
}
