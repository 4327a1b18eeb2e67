#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod attributes;
mod builder;
pub mod credentials;
mod error;
mod integrity;
mod message;
mod server;
mod transaction;

pub use attributes::{
    AddressFamily, AttrType, Attribute, ErrorCode, PasswordAlgorithm, PasswordAlgorithmId,
};
pub use builder::{MessageBuilder, MessageRepr};
pub use credentials::{SecurityFeatures, userhash};
pub use error::{AttributeError, BuildError, CredentialError, IntegrityError, ParseError};
pub use integrity::{FINGERPRINT_XOR, IntegrityKey, MESSAGE_INTEGRITY_LEN};
pub use message::{
    ATTR_HEADER_LEN, Class, HEADER_LEN, MAGIC_COOKIE, Message, MessageType, Method, RawAttribute,
    RawAttributes, TransactionId, is_stun, message_len, padded_len,
};
pub use server::{BindingServer, BindingServerConfig, BindingServerStats, ShortTermCredentials};
pub use transaction::{ClientTransaction, TransactionConfig, TransactionError, TransactionEvent};

use std::net::SocketAddr;

/// A datagram to send: where to, and the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The destination address.
    pub destination: SocketAddr,
    /// The datagram.
    pub contents: Vec<u8>,
}

/// A source of secret random bytes (transaction ids).
///
/// Production code passes an OS-backed CSPRNG ([`OsRng`]); tests pass a seeded generator so
/// runs repeat exactly.
pub trait Rng {
    /// Fill `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// The operating system's CSPRNG (through `ring`).
#[derive(Debug)]
pub struct OsRng(ring::rand::SystemRandom);

impl Default for OsRng {
    fn default() -> Self {
        OsRng(ring::rand::SystemRandom::new())
    }
}

impl Rng for OsRng {
    fn fill(&mut self, buf: &mut [u8]) {
        use ring::rand::SecureRandom as _;
        // The OS generator only fails when the platform has none at all, which no supported
        // target lacks.
        self.0
            .fill(buf)
            .expect("the operating system's random source failed");
    }
}
