//! Building the client's requests and Send indications (RFC 8656 sections 7.1, 8, 9.1,
//! 11.1, 12.1).

use std::net::SocketAddr;

use strata_stun::{
    AddressFamily as StunFamily, Attribute, BuildError, Class, MessageBuilder, MessageType, Method,
    Rng, TransactionId,
};

use super::{AddressFamily, Client, CommandError, Kind, RequestError};

/// REQUESTED-TRANSPORT value for UDP (the IANA protocol number).
const UDP: u8 = 17;

fn build_error(_: BuildError) -> RequestError {
    RequestError::MalformedResponse("request too long for STUN")
}

impl Client {
    /// The request for `kind`, signed with the long-term key when `authenticated`.
    pub(super) fn build_request(
        &mut self,
        kind: Kind,
        authenticated: bool,
    ) -> Result<Vec<u8>, RequestError> {
        let tid = TransactionId::random(&mut *self.rng);
        let mut b = MessageBuilder::new(MessageType::new(kind.method(), Class::Request), tid);
        match kind {
            Kind::Allocate => {
                b.add(&Attribute::RequestedTransport(UDP))
                    .map_err(build_error)?;
                if self.config.address_family == AddressFamily::Ipv6 {
                    b.add(&Attribute::RequestedAddressFamily(StunFamily::IPV6))
                        .map_err(build_error)?;
                }
                if let Some(lifetime) = self.requested_lifetime_secs() {
                    b.add(&Attribute::Lifetime(lifetime)).map_err(build_error)?;
                }
                if let Some(software) = &self.config.software {
                    b.add(&Attribute::Software(software)).map_err(build_error)?;
                }
            }
            Kind::Refresh { lifetime } => {
                if let Some(lifetime) = lifetime {
                    b.add(&Attribute::Lifetime(lifetime)).map_err(build_error)?;
                }
            }
            Kind::CreatePermission(ip) => {
                b.add(&Attribute::XorPeerAddress(SocketAddr::new(ip, 0)))
                    .map_err(build_error)?;
            }
            Kind::ChannelBind { channel, peer } => {
                b.add(&Attribute::ChannelNumber(channel.0))
                    .map_err(build_error)?;
                b.add(&Attribute::XorPeerAddress(peer))
                    .map_err(build_error)?;
            }
        }
        if authenticated && let Some(auth) = &self.auth {
            b.add(&Attribute::Username(&self.config.username))
                .map_err(build_error)?;
            b.add(&Attribute::Realm(&auth.realm)).map_err(build_error)?;
            b.add(&Attribute::Nonce(&auth.nonce)).map_err(build_error)?;
            b.add_message_integrity(&auth.key).map_err(build_error)?;
        }
        Ok(b.finish())
    }
}

/// Append a Send indication carrying `data` for `peer` to `out` (section 11.1).
pub(super) fn send_indication(
    rng: &mut dyn Rng,
    peer: SocketAddr,
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CommandError> {
    let start = out.len();
    let tid = TransactionId::random(rng);
    let mut b =
        MessageBuilder::append_to(out, MessageType::new(Method::SEND, Class::Indication), tid);
    let result = b
        .add(&Attribute::XorPeerAddress(peer))
        .and_then(|()| b.add(&Attribute::Data(data)));
    if result.is_err() {
        out.truncate(start);
        return Err(CommandError::TooLong(data.len()));
    }
    Ok(())
}
