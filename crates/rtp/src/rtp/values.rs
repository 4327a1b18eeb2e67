//! Typed values for the header extensions Chromium offers.
//!
//! Each type parses from an element's data and writes itself back:
//! - [`AudioLevel`]: RFC 6464 `ssrc-audio-level` (V bit + level in -dBov);
//! - [`AbsSendTime`]: `abs-send-time`, 24-bit 6.18 fixed-point seconds;
//! - [`TransportSequenceNumber`]: draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2;
//! - [`SdesMid`], [`RtpStreamId`], [`RepairedRtpStreamId`]: RFC 8843 section 15 and
//!   RFC 8852 sections 3.1/3.2, token text;
//! - [`PlayoutDelay`]: `playout-delay`, two 12-bit values in 10 ms units;
//! - [`VideoOrientation`]: 3GPP CVO as used by RFC 7742 (C, F, R bits);
//! - [`TransmissionTimeOffset`]: RFC 5450 `toffset`, 24-bit signed.
//!
//! Left out: the transport-wide-cc-02 feedback request and the audio-level CSRC list
//! (RFC 6465).

use crate::bytes::sign_extend_24;
use crate::{EmitError, ParseError};

/// A typed header extension value.
pub trait ExtensionValue<'a>: Sized {
    /// The `a=extmap` URI naming this extension.
    const URI: &'static str;
    /// Parses an element's data.
    fn parse(data: &'a [u8]) -> Result<Self, ParseError>;
    /// Writes the element data into `buf` and returns its length.
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError>;
}

#[inline]
fn fixed<const L: usize>(data: &[u8]) -> Result<[u8; L], ParseError> {
    data.try_into()
        .map_err(|_| ParseError::InvalidExtensionValue)
}

#[inline]
fn put(buf: &mut [u8], bytes: &[u8]) -> Result<usize, EmitError> {
    let available = buf.len();
    buf.get_mut(..bytes.len())
        .ok_or(EmitError::BufferTooSmall {
            needed: bytes.len(),
            available,
        })?
        .copy_from_slice(bytes);
    Ok(bytes.len())
}

/// RFC 6464 client-to-mixer audio level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AudioLevel {
    /// The V bit: the encoder believes the packet contains voice activity.
    pub voice_activity: bool,
    /// The level in -dBov, 0..=127 (127 is silence).
    pub level: u8,
}

impl ExtensionValue<'_> for AudioLevel {
    const URI: &'static str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    #[inline]
    fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let [b] = fixed::<1>(data)?;
        Ok(Self {
            voice_activity: b & 0x80 != 0,
            level: b & 0x7f,
        })
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.level > 127 {
            return Err(EmitError::ValueOutOfRange("level"));
        }
        put(buf, &[u8::from(self.voice_activity) << 7 | self.level])
    }
}

/// Absolute send time: 24 bits, 6.18 fixed-point seconds (the middle bits of NTP time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbsSendTime(pub u32);

impl AbsSendTime {
    /// Takes bits 14..38 of a 64-bit NTP timestamp (32.32 seconds).
    #[inline]
    pub const fn from_ntp(ntp: u64) -> Self {
        Self(((ntp >> 14) & 0x00ff_ffff) as u32)
    }

    /// The value in microseconds within its 64-second wrap.
    #[inline]
    pub const fn as_micros(self) -> u64 {
        ((self.0 & 0x00ff_ffff) as u64 * 1_000_000) >> 18
    }
}

impl ExtensionValue<'_> for AbsSendTime {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    #[inline]
    fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let [a, b, c] = fixed::<3>(data)?;
        Ok(Self(u32::from_be_bytes([0, a, b, c])))
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.0 > 0x00ff_ffff {
            return Err(EmitError::ValueOutOfRange("abs_send_time"));
        }
        put(buf, &self.0.to_be_bytes()[1..])
    }
}

/// Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransportSequenceNumber(pub u16);

impl ExtensionValue<'_> for TransportSequenceNumber {
    const URI: &'static str =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    #[inline]
    fn parse(data: &[u8]) -> Result<Self, ParseError> {
        Ok(Self(u16::from_be_bytes(fixed::<2>(data)?)))
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        put(buf, &self.0.to_be_bytes())
    }
}

/// RFC 4566 `token-char`: visible ASCII except separators.
#[inline]
fn is_token(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter().all(|&c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'{'
                        | b'|'
                        | b'}'
                        | b'~'
                )
        })
}

#[inline]
fn parse_token(data: &[u8]) -> Result<&[u8], ParseError> {
    if !is_token(data) {
        return Err(ParseError::InvalidExtensionValue);
    }
    Ok(data)
}

#[inline]
fn write_token(s: &[u8], buf: &mut [u8]) -> Result<usize, EmitError> {
    if !is_token(s) || s.len() > 255 {
        return Err(EmitError::InvalidToken);
    }
    put(buf, s)
}

macro_rules! token_value {
    ($(#[$doc:meta])* $name:ident, $uri:literal) => {
        $(#[$doc])*
        ///
        /// Holds the token bytes (checked on parse and on write; token characters are ASCII).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name<'a>(pub &'a [u8]);

        impl<'a> $name<'a> {
            /// The value as text, `None` if it is not UTF-8 (never for a parsed value).
            #[inline]
            pub fn as_str(&self) -> Option<&'a str> {
                core::str::from_utf8(self.0).ok()
            }
        }

        impl<'a> From<&'a str> for $name<'a> {
            #[inline]
            fn from(s: &'a str) -> Self {
                Self(s.as_bytes())
            }
        }

        impl<'a> ExtensionValue<'a> for $name<'a> {
            const URI: &'static str = $uri;
            #[inline]
            fn parse(data: &'a [u8]) -> Result<Self, ParseError> {
                parse_token(data).map(Self)
            }
            #[inline]
            fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
                write_token(self.0, buf)
            }
        }
    };
}

token_value!(
    /// The media identification (MID) of the RTP stream (RFC 8843 section 15).
    SdesMid,
    "urn:ietf:params:rtp-hdrext:sdes:mid"
);
token_value!(
    /// The RTP stream identifier, RID (RFC 8852 section 3.1).
    RtpStreamId,
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
);
token_value!(
    /// The RID of the stream this one repairs (RFC 8852 section 3.2).
    RepairedRtpStreamId,
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
);

/// Playout delay limits, each 12 bits in units of 10 ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlayoutDelay {
    /// Minimum delay, 0..=4095 (x 10 ms).
    pub min: u16,
    /// Maximum delay, 0..=4095 (x 10 ms).
    pub max: u16,
}

impl ExtensionValue<'_> for PlayoutDelay {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
    #[inline]
    fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let [a, b, c] = fixed::<3>(data)?;
        Ok(Self {
            min: u16::from(a) << 4 | u16::from(b >> 4),
            max: u16::from(b & 0x0f) << 8 | u16::from(c),
        })
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.min > 0x0fff || self.max > 0x0fff {
            return Err(EmitError::ValueOutOfRange("playout_delay"));
        }
        let v = u32::from(self.min) << 12 | u32::from(self.max);
        put(buf, &v.to_be_bytes()[1..])
    }
}

/// Coordination of video orientation (3GPP TS 26.114, RFC 7742 section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoOrientation {
    /// C: true for the back-facing camera.
    pub camera: bool,
    /// F: true if the picture is flipped horizontally.
    pub flip: bool,
    /// R: clockwise rotation in units of 90 degrees, 0..=3.
    pub rotation: u8,
}

impl VideoOrientation {
    /// The rotation in degrees (0, 90, 180 or 270).
    #[inline]
    pub const fn rotation_degrees(self) -> u16 {
        (self.rotation & 3) as u16 * 90
    }
}

impl ExtensionValue<'_> for VideoOrientation {
    const URI: &'static str = "urn:3gpp:video-orientation";
    #[inline]
    fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let [b] = fixed::<1>(data)?;
        Ok(Self {
            camera: b & 0x08 != 0,
            flip: b & 0x04 != 0,
            rotation: b & 0x03,
        })
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.rotation > 3 {
            return Err(EmitError::ValueOutOfRange("rotation"));
        }
        put(
            buf,
            &[u8::from(self.camera) << 3 | u8::from(self.flip) << 2 | self.rotation],
        )
    }
}

/// RFC 5450 transmission time offset: signed 24-bit, in RTP timestamp units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransmissionTimeOffset(pub i32);

impl ExtensionValue<'_> for TransmissionTimeOffset {
    const URI: &'static str = "urn:ietf:params:rtp-hdrext:toffset";
    #[inline]
    fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let [a, b, c] = fixed::<3>(data)?;
        Ok(Self(sign_extend_24(u32::from_be_bytes([0, a, b, c]))))
    }
    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if !(-(1 << 23)..(1 << 23)).contains(&self.0) {
            return Err(EmitError::ValueOutOfRange("toffset"));
        }
        put(buf, &self.0.to_be_bytes()[1..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt<'a, V: ExtensionValue<'a> + PartialEq + core::fmt::Debug>(v: &V, buf: &'a mut [u8]) {
        let n = v.write(buf).unwrap();
        assert_eq!(&V::parse(&buf[..n]).unwrap(), v);
    }

    #[test]
    fn audio_level_bits() {
        // RFC 6464 section 3: V in the top bit, level in the low 7.
        assert_eq!(
            AudioLevel::parse(&[0x80 | 30]),
            Ok(AudioLevel {
                voice_activity: true,
                level: 30
            })
        );
        assert_eq!(
            AudioLevel::parse(&[1, 2]),
            Err(ParseError::InvalidExtensionValue)
        );
        let mut b = [0; 1];
        assert_eq!(
            AudioLevel {
                voice_activity: false,
                level: 128
            }
            .write(&mut b),
            Err(EmitError::ValueOutOfRange("level"))
        );
    }

    #[test]
    fn abs_send_time_from_ntp() {
        // 1.5 s in NTP 32.32 is 0x1_8000_0000; in 6.18 that is 1.5 * 2^18 = 0x60000.
        let t = AbsSendTime::from_ntp(0x1_8000_0000);
        assert_eq!(t, AbsSendTime(0x06_0000));
        assert_eq!(t.as_micros(), 1_500_000);
        rt(&t, &mut [0; 3]);
    }

    #[test]
    fn playout_delay_packs_12_bit_fields() {
        let mut b = [0; 3];
        let n = PlayoutDelay {
            min: 0x123,
            max: 0x456,
        }
        .write(&mut b)
        .unwrap();
        assert_eq!(&b[..n], &[0x12, 0x34, 0x56]);
        assert!(
            PlayoutDelay {
                min: 0x1000,
                max: 0
            }
            .write(&mut b)
            .is_err()
        );
    }

    #[test]
    fn video_orientation_bits() {
        let v = VideoOrientation::parse(&[0b0000_1101]).unwrap();
        assert!(v.camera && v.flip);
        assert_eq!(v.rotation_degrees(), 90);
        rt(&v, &mut [0; 1]);
    }

    #[test]
    fn toffset_is_signed() {
        assert_eq!(
            TransmissionTimeOffset::parse(&[0xff, 0xff, 0xfe]),
            Ok(TransmissionTimeOffset(-2))
        );
        rt(&TransmissionTimeOffset(-(1 << 23)), &mut [0; 3]);
        assert!(TransmissionTimeOffset(1 << 23).write(&mut [0; 3]).is_err());
    }

    #[test]
    fn tokens() {
        assert_eq!(SdesMid::parse(b"audio0"), Ok(SdesMid(b"audio0")));
        assert_eq!(SdesMid::parse(b"audio0").unwrap().as_str(), Some("audio0"));
        assert_eq!(SdesMid::from("v"), SdesMid(b"v"));
        assert!(SdesMid::parse(b"a b").is_err());
        assert!(RtpStreamId::parse(b"").is_err());
        assert_eq!(
            RtpStreamId(b"hi").write(&mut [0; 1]).map_err(|_| ()),
            Err(())
        );
        rt(&RepairedRtpStreamId(b"r-1"), &mut [0; 8]);
        rt(&TransportSequenceNumber(0xbeef), &mut [0; 2]);
    }
}
