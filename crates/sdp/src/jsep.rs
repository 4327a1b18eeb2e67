//! The W3C `RTCSessionDescriptionInit` form of a session description (RFC 8829 section 4.1.8
//! types), as exchanged over signaling: `{"type":"offer","sdp":"v=0\r\n..."}`.
//!
//! With the `serde` feature, both types (de)serialize to exactly the browser's JSON form.

use std::fmt;
use std::str::FromStr;

/// The type of a session description (RFC 8829 section 4.1.8, W3C `RTCSdpType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum SdpType {
    /// `offer`.
    Offer,
    /// `pranswer`, a provisional answer.
    Pranswer,
    /// `answer`.
    Answer,
    /// `rollback`: return to the last stable state (carries no SDP).
    Rollback,
}

impl SdpType {
    /// The W3C name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offer => "offer",
            Self::Pranswer => "pranswer",
            Self::Answer => "answer",
            Self::Rollback => "rollback",
        }
    }
}

impl fmt::Display for SdpType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`SdpType::from_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown session description type")]
pub struct UnknownSdpType;

impl FromStr for SdpType {
    type Err = UnknownSdpType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "offer" => Self::Offer,
            "pranswer" => Self::Pranswer,
            "answer" => Self::Answer,
            "rollback" => Self::Rollback,
            _ => return Err(UnknownSdpType),
        })
    }
}

/// `RTCSessionDescriptionInit`: a type and the SDP text (empty for `rollback`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SessionDescriptionInit {
    /// The description type.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub sdp_type: SdpType,
    /// The SDP text.
    #[cfg_attr(feature = "serde", serde(default))]
    pub sdp: String,
}

impl SessionDescriptionInit {
    /// A description of type `sdp_type` with text `sdp`.
    #[must_use]
    pub fn new(sdp_type: SdpType, sdp: impl Into<String>) -> Self {
        Self {
            sdp_type,
            sdp: sdp.into(),
        }
    }

    /// Parses the SDP text.
    pub fn parse(&self) -> Result<crate::SessionDescription<'_>, crate::ParseError> {
        crate::SessionDescription::parse(&self.sdp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdp_type_names() {
        for t in [
            SdpType::Offer,
            SdpType::Pranswer,
            SdpType::Answer,
            SdpType::Rollback,
        ] {
            assert_eq!(t.as_str().parse::<SdpType>(), Ok(t));
        }
        assert_eq!("Offer".parse::<SdpType>(), Err(UnknownSdpType));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_form() {
        let init = SessionDescriptionInit::new(SdpType::Offer, "v=0\r\n");
        let json = serde_json::to_string(&init).unwrap();
        assert_eq!(json, r#"{"type":"offer","sdp":"v=0\r\n"}"#);
        let back: SessionDescriptionInit = serde_json::from_str(&json).unwrap();
        assert_eq!(back, init);
        let rb: SessionDescriptionInit = serde_json::from_str(r#"{"type":"rollback"}"#).unwrap();
        assert_eq!(rb, SessionDescriptionInit::new(SdpType::Rollback, ""));
        assert!(
            serde_json::from_str::<SessionDescriptionInit>(r#"{"type":"bogus","sdp":""}"#).is_err()
        );
    }
}
