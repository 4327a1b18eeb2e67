//! The SRTP/SRTCP cryptographic context of one direction (RFC 3711 §3.2) and its per-SSRC
//! state: rollover counter and replay list for SRTP (§3.3.1, §3.3.2, Appendix A), SRTCP index
//! and replay list for SRTCP (§3.4).
//!
//! Leaves out: MKI, key derivation rates other than 0, re-keying within a context (build a new
//! one), and the NULL cipher / NULL auth profiles.

use crate::replay::{MAX_REPLAY_WINDOW, ReplayWindow};
use crate::transform::Transform;
use crate::{Error, MasterKey, ProtectionProfile};

/// Default replay window size in packets (RFC 3711 §3.3.2 asks for at least 64).
pub const DEFAULT_REPLAY_WINDOW: u32 = 64;

/// Default number of SSRCs one context tracks.
pub const DEFAULT_MAX_SSRCS: usize = 64;

/// Limits and policy of a [`Context`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Replay window size in packets, 1..=32768 (default 64). Applies to SRTP and SRTCP.
    pub replay_window: u32,
    /// Most SSRCs the context keeps state for (default 64). A packet from a further SSRC is
    /// refused with [`Error::TooManySsrcs`]; inbound, state is only created for a packet that
    /// authenticates, so forged packets cannot fill the table.
    pub max_ssrcs: usize,
    /// Create per-SSRC state when a packet of a new SSRC arrives (default `true`). When
    /// `false`, only SSRCs registered with [`Context::add_stream`] are accepted and others get
    /// [`Error::UnknownSsrc`].
    pub create_streams_on_demand: bool,
    /// Let protect accept an RTP packet index it has already protected (default `false`):
    /// a second, different packet under the same index reuses the keystream, so this is only
    /// safe for byte-identical retransmissions.
    pub allow_repeat_tx: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            replay_window: DEFAULT_REPLAY_WINDOW,
            max_ssrcs: DEFAULT_MAX_SSRCS,
            create_streams_on_demand: true,
            allow_repeat_tx: false,
        }
    }
}

impl Config {
    /// Sets [`replay_window`](Self::replay_window).
    #[must_use]
    pub fn with_replay_window(mut self, packets: u32) -> Self {
        self.replay_window = packets;
        self
    }

    /// Sets [`max_ssrcs`](Self::max_ssrcs).
    #[must_use]
    pub fn with_max_ssrcs(mut self, max: usize) -> Self {
        self.max_ssrcs = max;
        self
    }

    /// Sets [`create_streams_on_demand`](Self::create_streams_on_demand).
    #[must_use]
    pub fn with_streams_on_demand(mut self, on: bool) -> Self {
        self.create_streams_on_demand = on;
        self
    }

    /// Sets [`allow_repeat_tx`](Self::allow_repeat_tx).
    #[must_use]
    pub fn with_allow_repeat_tx(mut self, allow: bool) -> Self {
        self.allow_repeat_tx = allow;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if self.replay_window == 0 || self.replay_window > MAX_REPLAY_WINDOW {
            return Err(Error::InvalidConfig("replay_window must be 1..=32768"));
        }
        if self.max_ssrcs == 0 {
            return Err(Error::InvalidConfig("max_ssrcs must be at least 1"));
        }
        Ok(())
    }
}

/// Per-SSRC state.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    /// SRTP replay window; its highest index is `ROC * 65536 + s_l`.
    pub(crate) rtp: ReplayWindow,
    /// ROC to assume before the first packet.
    pub(crate) initial_roc: u32,
    /// SRTCP index of the next packet protect sends.
    pub(crate) rtcp_next_index: u32,
    /// SRTCP replay window.
    pub(crate) rtcp: ReplayWindow,
}

impl Stream {
    fn new(config: &Config, initial_roc: u32) -> Self {
        Self {
            rtp: ReplayWindow::new(config.replay_window),
            initial_roc,
            rtcp_next_index: 0,
            rtcp: ReplayWindow::new(config.replay_window),
        }
    }

    /// The packet index of `seq` (RFC 3711 Appendix A): the ROC guess `v` is the one that puts
    /// the index closest to the highest index seen.
    #[inline]
    pub(crate) fn rtp_index(&self, seq: u16) -> Result<u64, Error> {
        rtp_index(self.rtp.highest(), self.initial_roc, seq)
    }
}

/// See [`Stream::rtp_index`]; `highest` is `None` before the first packet.
#[inline]
pub(crate) fn rtp_index(highest: Option<u64>, initial_roc: u32, seq: u16) -> Result<u64, Error> {
    let Some(highest) = highest else {
        return Ok(u64::from(initial_roc) << 16 | u64::from(seq));
    };
    let roc = (highest >> 16) as u32;
    let s_l = highest as u16;
    let v = if s_l < 0x8000 {
        if seq > s_l && seq - s_l > 0x8000 {
            // From before the last wrap.
            roc.checked_sub(1).ok_or(Error::TooOld {
                index: u64::from(seq),
            })?
        } else {
            roc
        }
    } else if s_l - 0x8000 > seq {
        // The sequence number wrapped.
        roc.checked_add(1).ok_or(Error::IndexExhausted)?
    } else {
        roc
    };
    Ok(u64::from(v) << 16 | u64::from(seq))
}

/// The cryptographic context of one direction of an SRTP session: build one with the local
/// [`MasterKey`] to protect what we send, and another with the remote one to unprotect what we
/// receive.
///
/// Operations, all in place and allocation-free once the buffer has room for the trailer:
/// [`protect_rtp`](Self::protect_rtp) / [`unprotect_rtp`](Self::unprotect_rtp) and
/// [`protect_rtcp`](Self::protect_rtcp) / [`unprotect_rtcp`](Self::unprotect_rtcp) on a `Vec`,
/// and the `*_in_place` variants on a caller's slice.
pub struct Context {
    pub(crate) profile: ProtectionProfile,
    pub(crate) srtp: Transform,
    pub(crate) srtcp: Transform,
    pub(crate) config: Config,
    /// SSRCs, parallel to `streams`, kept apart so the lookup scans one dense array.
    pub(crate) ssrcs: Vec<u32>,
    pub(crate) streams: Vec<Stream>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("profile", &self.profile)
            .field("config", &self.config)
            .field("ssrcs", &self.ssrcs)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Derives the SRTP and SRTCP session keys from `master` (RFC 3711 §4.3, key derivation
    /// rate 0) and keys the ciphers once.
    pub fn new(master: &MasterKey, config: Config) -> Result<Self, Error> {
        config.validate()?;
        Ok(Self {
            profile: master.profile(),
            srtp: Transform::new(master, false),
            srtcp: Transform::new(master, true),
            config,
            ssrcs: Vec::new(),
            streams: Vec::new(),
        })
    }

    /// Builds a context straight from session keys, skipping key derivation (for the RFC 7714
    /// test vectors, which give session keys).
    #[cfg(test)]
    pub(crate) fn from_transforms(
        profile: ProtectionProfile,
        srtp: Transform,
        srtcp: Transform,
    ) -> Self {
        Self {
            profile,
            srtp,
            srtcp,
            config: Config::default(),
            ssrcs: Vec::new(),
            streams: Vec::new(),
        }
    }

    /// The protection profile.
    #[must_use]
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Registers `ssrc` with the rollover counter to assume for its first packet (0 for a new
    /// stream; RFC 3711 §3.3.1). Replaces any state kept for it.
    pub fn add_stream(&mut self, ssrc: u32, initial_roc: u32) -> Result<(), Error> {
        let stream = Stream::new(&self.config, initial_roc);
        if let Some(i) = self.find(ssrc) {
            if let Some(slot) = self.streams.get_mut(i) {
                *slot = stream;
            }
            return Ok(());
        }
        if self.ssrcs.len() >= self.config.max_ssrcs {
            return Err(Error::TooManySsrcs {
                max: self.config.max_ssrcs,
            });
        }
        self.ssrcs.push(ssrc);
        self.streams.push(stream);
        Ok(())
    }

    /// Forgets `ssrc`; returns whether it was known.
    pub fn remove_stream(&mut self, ssrc: u32) -> bool {
        match self.find(ssrc) {
            Some(i) => {
                self.ssrcs.swap_remove(i);
                self.streams.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Number of SSRCs with state.
    #[must_use]
    pub fn stream_count(&self) -> usize {
        self.ssrcs.len()
    }

    /// The rollover counter of `ssrc` (of its highest packet index so far), if known.
    #[must_use]
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        let s = self.streams.get(self.find(ssrc)?)?;
        Some(match s.rtp.highest() {
            Some(h) => (h >> 16) as u32,
            None => s.initial_roc,
        })
    }

    /// The SRTCP index the next protected RTCP packet of `ssrc` will carry, if known.
    #[must_use]
    pub fn next_srtcp_index(&self, ssrc: u32) -> Option<u32> {
        Some(self.streams.get(self.find(ssrc)?)?.rtcp_next_index)
    }

    #[inline]
    pub(crate) fn find(&self, ssrc: u32) -> Option<usize> {
        self.ssrcs.iter().position(|&s| s == ssrc)
    }

    /// The stream for an outbound packet, created if the policy allows.
    #[inline]
    pub(crate) fn outbound_stream(&mut self, ssrc: u32) -> Result<usize, Error> {
        if let Some(i) = self.find(ssrc) {
            return Ok(i);
        }
        if !self.config.create_streams_on_demand {
            return Err(Error::UnknownSsrc(ssrc));
        }
        self.add_stream(ssrc, 0)?;
        Ok(self.ssrcs.len() - 1)
    }

    /// The stream of an inbound packet: `Some(i)` if known, `None` if it may be created once the
    /// packet authenticates.
    #[inline]
    pub(crate) fn inbound_stream(&self, ssrc: u32) -> Result<Option<usize>, Error> {
        if let Some(i) = self.find(ssrc) {
            return Ok(Some(i));
        }
        if !self.config.create_streams_on_demand {
            return Err(Error::UnknownSsrc(ssrc));
        }
        if self.ssrcs.len() >= self.config.max_ssrcs {
            return Err(Error::TooManySsrcs {
                max: self.config.max_ssrcs,
            });
        }
        Ok(None)
    }

    /// The stream `inbound_stream` found, or a new one for `ssrc`.
    #[inline]
    pub(crate) fn stream_after_auth(&mut self, found: Option<usize>, ssrc: u32) -> &mut Stream {
        let i = match found {
            Some(i) => i,
            None => {
                self.ssrcs.push(ssrc);
                self.streams.push(Stream::new(&self.config, 0));
                self.streams.len() - 1
            }
        };
        &mut self.streams[i]
    }

    /// Protects the RTP packet in `packet` in place: encrypts the payload and appends the
    /// authentication tag ([`ProtectionProfile::rtp_trailer_len`] bytes). Reserve that much
    /// capacity to avoid a reallocation. On error `packet` is unchanged.
    pub fn protect_rtp(&mut self, packet: &mut Vec<u8>) -> Result<(), Error> {
        let len = packet.len();
        packet.resize(len + self.profile.rtp_trailer_len(), 0);
        let result = self.protect_rtp_in_place(packet, len);
        finish_vec(packet, len, result)
    }

    /// Unprotects the SRTP packet in `packet` in place: checks replay and the tag, decrypts, and
    /// strips the tag. On error the state is unchanged; the packet bytes are unspecified after
    /// an AES-GCM authentication failure and unchanged otherwise.
    pub fn unprotect_rtp(&mut self, packet: &mut Vec<u8>) -> Result<(), Error> {
        let len = self.unprotect_rtp_in_place(packet)?;
        packet.truncate(len);
        Ok(())
    }

    /// Protects the RTCP compound packet in `packet` in place: encrypts everything after the
    /// first 8 bytes and appends the E-bit/SRTCP index word and the tag
    /// ([`ProtectionProfile::rtcp_trailer_len`] bytes). On error `packet` is unchanged.
    pub fn protect_rtcp(&mut self, packet: &mut Vec<u8>) -> Result<(), Error> {
        let len = packet.len();
        packet.resize(len + self.profile.rtcp_trailer_len(), 0);
        let result = self.protect_rtcp_in_place(packet, len);
        finish_vec(packet, len, result)
    }

    /// Unprotects the SRTCP packet in `packet` in place and strips the trailer.
    pub fn unprotect_rtcp(&mut self, packet: &mut Vec<u8>) -> Result<(), Error> {
        let len = self.unprotect_rtcp_in_place(packet)?;
        packet.truncate(len);
        Ok(())
    }
}

fn finish_vec(packet: &mut Vec<u8>, len: usize, result: Result<usize, Error>) -> Result<(), Error> {
    match result {
        Ok(n) => {
            packet.truncate(n);
            Ok(())
        }
        Err(e) => {
            packet.truncate(len);
            Err(e)
        }
    }
}
