//! SRTCP packet processing (RFC 3711 §3.4; RFC 7714 §9).
//!
//! AES-CM layout: `first 8 bytes | encrypted rest | E+index | tag`, the tag (always 80 bits,
//! RFC 5764 §4.1.2) covering everything before it.
//! AES-GCM layout: `first 8 bytes | encrypted rest | tag | E+index`, with AAD
//! `first 8 bytes | E+index` (RFC 7714 §9.2); with E = 0 the whole packet is AAD (§9.3).
//!
//! Protect always encrypts (E = 1); unprotect also accepts E = 0 packets (authenticated only).
//! The SRTCP index of the first packet of an SSRC is 0.

use crate::transform::{GCM_TAG_LEN, Transform};
use crate::{Context, Error};

/// The RTCP header part that stays in the clear (RFC 3711 §3.4).
const RTCP_HEADER_LEN: usize = 8;
/// The E flag in the E+index word.
const E_FLAG: u32 = 0x8000_0000;
/// Largest SRTCP index.
const MAX_INDEX: u32 = 0x7fff_ffff;

/// Version and SSRC of the first RTCP packet.
#[inline]
fn rtcp_ssrc(packet: &[u8]) -> Result<u32, Error> {
    let Some(h) = packet.first_chunk::<RTCP_HEADER_LEN>() else {
        return Err(Error::PacketTooShort {
            len: packet.len(),
            min: RTCP_HEADER_LEN,
        });
    };
    if h[0] >> 6 != 2 {
        return Err(Error::BadVersion);
    }
    Ok(u32::from_be_bytes([h[4], h[5], h[6], h[7]]))
}

/// `first 8 bytes | E+index word`, the AES-GCM AAD of an encrypted SRTCP packet.
#[inline]
fn gcm_aad(packet: &[u8], word: [u8; 4]) -> [u8; 12] {
    let mut aad = [0u8; 12];
    aad[..RTCP_HEADER_LEN].copy_from_slice(&packet[..RTCP_HEADER_LEN]);
    aad[RTCP_HEADER_LEN..].copy_from_slice(&word);
    aad
}

impl Context {
    /// Protects the RTCP compound packet `buf[..len]` in place and returns the SRTCP length
    /// (`len` plus [`ProtectionProfile::rtcp_trailer_len`](crate::ProtectionProfile::rtcp_trailer_len)).
    /// On error `buf` is unchanged.
    pub fn protect_rtcp_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        let tag_len = self.profile.rtcp_auth_tag_len();
        let needed = len + 4 + tag_len;
        if buf.len() < needed {
            return Err(Error::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let ssrc = rtcp_ssrc(&buf[..len])?;
        let i = self.outbound_stream(ssrc)?;
        let stream = &mut self.streams[i];
        let index = stream.rtcp_next_index;
        if index > MAX_INDEX {
            return Err(Error::IndexExhausted);
        }
        let word = (E_FLAG | index).to_be_bytes();
        match &self.srtcp {
            Transform::AesCm(cm) => {
                cm.apply_keystream(ssrc, u64::from(index), &mut buf[RTCP_HEADER_LEN..len]);
                buf[len..len + 4].copy_from_slice(&word);
                let tag = cm.tag(&buf[..len + 4], &[]);
                buf[len + 4..needed].copy_from_slice(&tag[..tag_len]);
            }
            Transform::Gcm(gcm) => {
                let aad = gcm_aad(buf, word);
                let nonce = gcm.rtcp_nonce(ssrc, index);
                let tag = gcm.seal(nonce, &aad, &mut buf[RTCP_HEADER_LEN..len]);
                buf[len..len + GCM_TAG_LEN].copy_from_slice(&tag);
                buf[len + GCM_TAG_LEN..needed].copy_from_slice(&word);
            }
        }
        stream.rtcp_next_index = index + 1;
        Ok(needed)
    }

    /// Unprotects the SRTCP packet filling `buf` in place and returns the RTCP length.
    ///
    /// Checks length, SSRC policy, replay window and tag before decrypting and recording the
    /// SRTCP index.
    pub fn unprotect_rtcp_in_place(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let tag_len = self.profile.rtcp_auth_tag_len();
        let min = RTCP_HEADER_LEN + 4 + tag_len;
        let len = buf.len();
        if len < min {
            return Err(Error::PacketTooShort { len, min });
        }
        let ssrc = rtcp_ssrc(buf)?;
        let body_len = len - 4 - tag_len;
        let word_at = match self.srtcp {
            Transform::AesCm(_) => body_len,
            Transform::Gcm(_) => len - 4,
        };
        let word = [
            buf[word_at],
            buf[word_at + 1],
            buf[word_at + 2],
            buf[word_at + 3],
        ];
        let e_index = u32::from_be_bytes(word);
        let encrypted = e_index & E_FLAG != 0;
        let index = e_index & MAX_INDEX;
        let found = self.inbound_stream(ssrc)?;
        if let Some(stream) = found.and_then(|i| self.streams.get(i)) {
            stream.rtcp.check(u64::from(index))?;
        }
        match &self.srtcp {
            Transform::AesCm(cm) => {
                let (authenticated, tag) = buf.split_at_mut(len - tag_len);
                if !cm.verify(authenticated, &[], tag) {
                    return Err(Error::AuthenticationFailed);
                }
                if encrypted {
                    cm.apply_keystream(
                        ssrc,
                        u64::from(index),
                        &mut authenticated[RTCP_HEADER_LEN..body_len],
                    );
                }
            }
            Transform::Gcm(gcm) => {
                let nonce = gcm.rtcp_nonce(ssrc, index);
                if encrypted {
                    let aad = gcm_aad(buf, word);
                    if !gcm.open(nonce, &aad, &mut buf[RTCP_HEADER_LEN..len - 4]) {
                        return Err(Error::AuthenticationFailed);
                    }
                } else {
                    // AAD is `packet | E+index`: move the word next to the packet, the tag out.
                    let mut tag = [0u8; GCM_TAG_LEN];
                    tag.copy_from_slice(&buf[body_len..body_len + GCM_TAG_LEN]);
                    buf.copy_within(len - 4..len, body_len);
                    if !gcm.open(nonce, &buf[..body_len + 4], &mut tag) {
                        return Err(Error::AuthenticationFailed);
                    }
                }
            }
        }
        self.stream_after_auth(found, ssrc)
            .rtcp
            .accept(u64::from(index));
        Ok(body_len)
    }
}
