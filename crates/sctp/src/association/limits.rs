//! The peer's maximum message size (RFC 8841 section 6: the SDP `a=max-message-size`
//! attribute, whose absence means 64 KiB and whose value 0 means no limit; RFC 8831
//! section 6.6: a sender must not send messages larger than the peer can take).

use super::{Association, Error};

/// The largest message the peer accepts, as its SDP announced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteMaxMessageSize {
    /// `a=max-message-size:0`: any size (subject to our own `max_message_size`).
    Unlimited,
    /// At most this many bytes.
    Bytes(usize),
}

impl RemoteMaxMessageSize {
    /// The limit when the SDP carries no `a=max-message-size` (RFC 8841 section 6.1).
    pub const DEFAULT_BYTES: usize = 65_536;

    /// From the attribute's value in the peer's SDP: `None` (absent) is 64 KiB, 0 is
    /// unlimited, anything else is that many bytes.
    pub fn from_sdp(attribute: Option<u64>) -> Self {
        match attribute {
            None => Self::Bytes(Self::DEFAULT_BYTES),
            Some(0) => Self::Unlimited,
            Some(n) => Self::Bytes(usize::try_from(n).unwrap_or(usize::MAX)),
        }
    }

    /// The limit in bytes, `None` when unlimited.
    pub fn limit(self) -> Option<usize> {
        match self {
            Self::Unlimited => None,
            Self::Bytes(n) => Some(n),
        }
    }
}

impl Association {
    /// Sets the peer's maximum message size (from its SDP, see
    /// [`RemoteMaxMessageSize::from_sdp`]): [`Association::send`] then refuses larger
    /// messages with [`Error::PeerMessageTooLarge`]. Until it is set, only our own
    /// `max_message_size` applies.
    pub fn set_remote_max_message_size(&mut self, limit: RemoteMaxMessageSize) {
        self.remote_max_message_size = limit.limit();
    }

    /// The largest message [`Association::send`] accepts: our `max_message_size`, or the
    /// peer's limit when it is lower.
    pub fn max_sendable_message_size(&self) -> usize {
        let ours = self.config.max_message_size;
        self.remote_max_message_size.map_or(ours, |p| p.min(ours))
    }

    /// Checks `len` against both limits.
    pub(super) fn check_message_size(&self, len: usize) -> Result<(), Error> {
        if len > self.config.max_message_size {
            return Err(Error::MessageTooLarge {
                len,
                max: self.config.max_message_size,
            });
        }
        match self.remote_max_message_size {
            Some(max) if len > max => Err(Error::PeerMessageTooLarge { len, max }),
            _ => Ok(()),
        }
    }
}
