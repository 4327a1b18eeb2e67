//! Splitting a handshake message into fragments that fit a datagram (RFC 6347 section
//! 4.2.3).
//!
//! Each fragment becomes one record: a 13-byte record header, a 12-byte handshake header
//! and up to `max_fragment_len` body bytes; [`max_fragment_len`] computes that budget from
//! the path MTU and the record protection overhead. Left out: packing several fragments
//! or records into one datagram and choosing the MTU (the handshake's job).

use crate::codes::HandshakeType;
use crate::handshake::{self, HandshakeFragment};
use crate::record;

/// The body bytes per fragment that keep one record (header, handshake header, fragment
/// and `record_overhead` bytes of protection, e.g. 8 explicit nonce + 16 tag for AES-GCM)
/// within `mtu`. At least 1, so fragmentation always progresses.
#[inline]
pub const fn max_fragment_len(mtu: usize, record_overhead: usize) -> usize {
    let fixed = record::HEADER_LEN + handshake::HEADER_LEN + record_overhead;
    if mtu > fixed { mtu - fixed } else { 1 }
}

/// Iterator over the fragments of one handshake message, in order.
///
/// An empty body yields one empty fragment (ServerHelloDone is sent that way).
#[derive(Debug, Clone)]
pub struct Fragments<'a> {
    msg_type: HandshakeType,
    message_seq: u16,
    body: &'a [u8],
    max_len: usize,
    offset: usize,
    done: bool,
}

impl<'a> Fragments<'a> {
    /// Fragments `body` into pieces of at most `max_fragment_len` bytes (0 counts as 1).
    /// The body must be shorter than 2^24 bytes for the fragments to be emittable.
    #[inline]
    pub fn new(
        msg_type: HandshakeType,
        message_seq: u16,
        body: &'a [u8],
        max_fragment_len: usize,
    ) -> Self {
        Self {
            msg_type,
            message_seq,
            body,
            max_len: max_fragment_len.max(1),
            offset: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Fragments<'a> {
    type Item = HandshakeFragment<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.body.get(self.offset..).unwrap_or_default();
        let n = rest.len().min(self.max_len);
        let fragment = rest.get(..n).unwrap_or_default();
        let item = HandshakeFragment {
            msg_type: self.msg_type,
            length: self.body.len() as u32,
            message_seq: self.message_seq,
            fragment_offset: self.offset as u32,
            fragment,
        };
        self.offset += n;
        self.done = self.offset >= self.body.len();
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let left = self.body.len() - self.offset.min(self.body.len());
        let n = left.div_ceil(self.max_len).max(1);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Fragments<'_> {}
impl core::iter::FusedIterator for Fragments<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reassembly::Reassembler;
    use proptest::prelude::*;

    #[test]
    fn budget() {
        assert_eq!(max_fragment_len(1200, 0), 1175);
        assert_eq!(max_fragment_len(1200, 24), 1151);
        assert_eq!(max_fragment_len(10, 0), 1);
    }

    #[test]
    fn splits_and_covers() {
        let body: Vec<u8> = (0..=255).collect();
        let f: Vec<_> = Fragments::new(HandshakeType::CERTIFICATE, 2, &body, 100).collect();
        assert_eq!(f.len(), 3);
        assert_eq!(
            f.iter().map(|x| x.fragment_offset).collect::<Vec<_>>(),
            [0, 100, 200]
        );
        assert_eq!(f[2].fragment.len(), 56);
        assert!(f.iter().all(|x| x.length == 256 && x.message_seq == 2));
        let empty: Vec<_> = Fragments::new(HandshakeType::SERVER_HELLO_DONE, 3, &[], 100).collect();
        assert_eq!(empty.len(), 1);
        assert!(empty[0].is_whole());
        assert_eq!(
            Fragments::new(HandshakeType::FINISHED, 0, &body, 0).len(),
            256
        );
    }

    proptest! {
        #[test]
        fn fragments_fit_and_reassemble(
            body in proptest::collection::vec(any::<u8>(), 0..5000),
            mtu in 30usize..1500,
        ) {
            let max = max_fragment_len(mtu, 0);
            let frags = Fragments::new(HandshakeType::CERTIFICATE, 0, &body, max);
            prop_assert_eq!(frags.len(), body.len().div_ceil(max).max(1));
            let mut r = Reassembler::default();
            for f in frags {
                prop_assert!(record::HEADER_LEN + f.buffer_len() <= mtu.max(26));
                let mut buf = vec![0u8; f.buffer_len()];
                f.emit(&mut buf).unwrap();
                r.push(&f).unwrap();
            }
            prop_assert_eq!(r.pop().unwrap().body, body);
        }
    }
}
