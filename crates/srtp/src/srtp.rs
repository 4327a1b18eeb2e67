//! SRTP packet processing (RFC 3711 §3.1, §3.3; RFC 7714 §5, §8).
//!
//! Protected packet: `RTP header | encrypted payload | authentication tag`. The RTP header
//! (with CSRCs and the header extension) stays in the clear and is authenticated: for AES-CM the
//! tag is HMAC-SHA1 over `header | encrypted payload | ROC`; for AES-GCM the header is the AAD.
//! Header extension encryption (RFC 6904, cryptex RFC 9335) is not implemented.

use crate::transform::{GCM_TAG_LEN, Transform};
use crate::{Context, Error};

/// The fields of an RTP header (RFC 3550 §5.1) that SRTP needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    /// Length of the fixed header, CSRC list and header extension.
    pub(crate) len: usize,
    pub(crate) seq: u16,
    pub(crate) ssrc: u32,
}

/// Minimum RTP header length.
const RTP_HEADER_LEN: usize = 12;

impl RtpHeader {
    /// Parses the header of `packet`, which must hold the whole header.
    #[inline]
    pub(crate) fn parse(packet: &[u8]) -> Result<Self, Error> {
        let Some(fixed) = packet.first_chunk::<RTP_HEADER_LEN>() else {
            return Err(Error::PacketTooShort {
                len: packet.len(),
                min: RTP_HEADER_LEN,
            });
        };
        if fixed[0] >> 6 != 2 {
            return Err(Error::BadVersion);
        }
        let seq = u16::from_be_bytes([fixed[2], fixed[3]]);
        let ssrc = u32::from_be_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]);
        let mut len = RTP_HEADER_LEN + 4 * usize::from(fixed[0] & 0x0f);
        if fixed[0] & 0x10 != 0 {
            // Extension header: 16-bit profile, 16-bit length in 32-bit words.
            let ext_len = match packet.get(len + 2..len + 4) {
                Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
                _ => {
                    return Err(Error::PacketTooShort {
                        len: packet.len(),
                        min: len + 4,
                    });
                }
            };
            len += 4 + 4 * ext_len;
        }
        if len > packet.len() {
            return Err(Error::PacketTooShort {
                len: packet.len(),
                min: len,
            });
        }
        Ok(Self { len, seq, ssrc })
    }
}

impl Context {
    /// Protects the RTP packet `buf[..len]` in place and returns the SRTP packet length
    /// (`len` plus [`ProtectionProfile::rtp_trailer_len`](crate::ProtectionProfile::rtp_trailer_len));
    /// `buf` must have room for the tag. On error `buf` is unchanged.
    pub fn protect_rtp_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        let tag_len = self.profile.rtp_auth_tag_len();
        let needed = len + tag_len;
        if buf.len() < needed {
            return Err(Error::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let (packet, trailer) = buf.split_at_mut(len);
        let header = RtpHeader::parse(packet)?;
        let i = self.outbound_stream(header.ssrc)?;
        let stream = &mut self.streams[i];
        let index = stream.rtp_index(header.seq)?;
        if !self.config.allow_repeat_tx {
            stream.rtp.check(index)?;
        }
        let roc = (index >> 16) as u32;
        let (head, payload) = packet.split_at_mut(header.len);
        match &self.srtp {
            Transform::AesCm(cm) => {
                cm.apply_keystream(header.ssrc, index, payload);
                let tag = cm.tag(packet, &roc.to_be_bytes());
                trailer[..tag_len].copy_from_slice(&tag[..tag_len]);
            }
            Transform::Gcm(gcm) => {
                let nonce = gcm.rtp_nonce(header.ssrc, roc, header.seq);
                let tag = gcm.seal(nonce, head, payload);
                trailer[..GCM_TAG_LEN].copy_from_slice(&tag);
            }
        }
        stream.rtp.accept(index);
        Ok(needed)
    }

    /// Unprotects the SRTP packet filling `buf` in place and returns the RTP packet length.
    ///
    /// Checks, in order: length and header, SSRC policy, replay window, authentication tag;
    /// only then decrypts and records the index (and, for a new SSRC, creates its state).
    pub fn unprotect_rtp_in_place(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let tag_len = self.profile.rtp_auth_tag_len();
        let min = RTP_HEADER_LEN + tag_len;
        if buf.len() < min {
            return Err(Error::PacketTooShort {
                len: buf.len(),
                min,
            });
        }
        let body_len = buf.len() - tag_len;
        let header = RtpHeader::parse(&buf[..body_len])?;
        let found = self.inbound_stream(header.ssrc)?;
        let index = match found.and_then(|i| self.streams.get(i)) {
            Some(stream) => {
                let index = stream.rtp_index(header.seq)?;
                stream.rtp.check(index)?;
                index
            }
            None => u64::from(header.seq),
        };
        let roc = (index >> 16) as u32;
        match &self.srtp {
            Transform::AesCm(cm) => {
                let (packet, tag) = buf.split_at_mut(body_len);
                if !cm.verify(packet, &roc.to_be_bytes(), tag) {
                    return Err(Error::AuthenticationFailed);
                }
                cm.apply_keystream(header.ssrc, index, &mut packet[header.len..]);
            }
            Transform::Gcm(gcm) => {
                let nonce = gcm.rtp_nonce(header.ssrc, roc, header.seq);
                let (head, sealed) = buf.split_at_mut(header.len);
                if !gcm.open(nonce, head, sealed) {
                    return Err(Error::AuthenticationFailed);
                }
            }
        }
        self.stream_after_auth(found, header.ssrc).rtp.accept(index);
        Ok(body_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lengths() {
        let mut p = vec![
            0x80, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2,
        ];
        let h = RtpHeader::parse(&p).unwrap();
        assert_eq!((h.len, h.seq, h.ssrc), (12, 0x1234, 0xdead_beef));
        // Two CSRCs.
        p[0] = 0x82;
        assert!(matches!(
            RtpHeader::parse(&p),
            Err(Error::PacketTooShort { min: 20, .. })
        ));
        p.extend_from_slice(&[0; 8]);
        assert_eq!(RtpHeader::parse(&p).unwrap().len, 20);
        // Extension of one word after the CSRCs.
        p[0] = 0x92;
        p.truncate(20);
        assert!(matches!(
            RtpHeader::parse(&p),
            Err(Error::PacketTooShort { min: 24, .. })
        ));
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 9, 9, 9, 9]);
        assert_eq!(RtpHeader::parse(&p).unwrap().len, 28);
        p[0] = 0x40;
        assert_eq!(RtpHeader::parse(&p), Err(Error::BadVersion));
        assert!(RtpHeader::parse(&p[..11]).is_err());
    }
}
