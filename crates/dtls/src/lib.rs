#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod alert;
mod bytes;
pub mod codes;
pub mod crypto;
pub mod endpoint;
mod error;
pub mod extensions;
pub mod fragment;
pub mod handshake;
pub mod list;
pub mod reassembly;
pub mod record;

pub use alert::Alert;
pub use codes::{
    AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, CompressionMethod,
    ContentType, EcCurveType, EcPointFormat, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme, SrtpProtectionProfile,
};
pub use error::{EmitError, ParseError};
pub use extensions::{Extension, Extensions, SupportedVersions, UseSrtp};
pub use fragment::Fragments;
pub use handshake::{
    Certificate, CertificateRequest, CertificateVerify, ClientHello, ClientKeyExchange,
    DigitallySigned, Finished, HandshakeFragment, HandshakeFragments, HandshakeHeader,
    HandshakeMessage, HelloVerifyRequest, ServerHello, ServerHelloDone, ServerKeyExchange,
};
pub use list::{List, WireItem};
pub use reassembly::{
    FragmentStatus, ReassembledMessage, Reassembler, ReassemblerConfig, ReassemblyError,
};
pub use record::{ChangeCipherSpec, Record, RecordRepr, Records};
