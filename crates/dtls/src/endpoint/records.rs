//! The record layer of one connection: epochs, sequence numbers, record protection and the
//! anti-replay window (RFC 6347 §4.1, §4.1.2.6).

use crate::codes::{ContentType, ProtocolVersion};
use crate::crypto::record::RecordCipher;
use crate::record::{HEADER_LEN as RECORD_HEADER_LEN, MAX_SEQUENCE_NUMBER as MAX_SEQ};

/// A sliding anti-replay window over 48-bit record sequence numbers (RFC 6347 §4.1.2.6),
/// as a bitmap of `SIZE` bits.
#[derive(Debug, Clone)]
pub(crate) struct ReplayWindow {
    /// The highest sequence number accepted so far, if any.
    top: Option<u64>,
    /// Bit i set: `top - i` was received.
    bits: Vec<u64>,
}

impl ReplayWindow {
    pub(crate) fn new(size: usize) -> ReplayWindow {
        ReplayWindow {
            top: None,
            bits: vec![0; size.div_ceil(64).max(1)],
        }
    }

    fn size(&self) -> u64 {
        self.bits.len() as u64 * 64
    }

    /// Whether `seq` may be accepted (not seen, not too old). Does not record it.
    pub(crate) fn check(&self, seq: u64) -> bool {
        match self.top {
            None => true,
            Some(top) if seq > top => true,
            Some(top) => {
                let back = top - seq;
                back < self.size() && self.bits[(back / 64) as usize] & (1 << (back % 64)) == 0
            }
        }
    }

    /// Record `seq` as received: call only after the record authenticated.
    pub(crate) fn mark(&mut self, seq: u64) {
        match self.top {
            Some(top) if seq <= top => {
                let back = top - seq;
                if back < self.size() {
                    self.bits[(back / 64) as usize] |= 1 << (back % 64);
                }
            }
            _ => {
                let shift = self.top.map_or(u64::MAX, |top| seq - top);
                self.shift(shift);
                self.top = Some(seq);
                self.bits[0] |= 1;
            }
        }
    }

    fn shift(&mut self, by: u64) {
        if by >= self.size() {
            self.bits.fill(0);
            return;
        }
        let words = (by / 64) as usize;
        let bits = (by % 64) as u32;
        let n = self.bits.len();
        for i in (0..n).rev() {
            let src = i.checked_sub(words);
            let lo = src.map_or(0, |s| self.bits[s]);
            let carry = src.and_then(|s| s.checked_sub(1)).map_or(0, |s| {
                if bits == 0 {
                    0
                } else {
                    self.bits[s] >> (64 - bits)
                }
            });
            self.bits[i] = if bits == 0 { lo } else { (lo << bits) | carry };
        }
    }
}

/// Keys and counters for both directions.
#[derive(Debug)]
pub(crate) struct RecordLayer {
    /// The epoch we write new records in.
    pub(crate) write_epoch: u16,
    /// Next sequence number per write epoch (0 and 1: renegotiation is refused).
    next_seq: [u64; 2],
    /// Epoch 1 write keys, once derived.
    write_cipher: Option<RecordCipher>,
    /// Epoch 1 read keys, once derived.
    read_cipher: Option<RecordCipher>,
    /// Replay window for epoch 1.
    replay: ReplayWindow,
}

/// A record that could not be written: sequence numbers ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SequenceExhausted;

impl RecordLayer {
    pub(crate) fn new(replay_window: usize) -> RecordLayer {
        RecordLayer {
            write_epoch: 0,
            next_seq: [0; 2],
            write_cipher: None,
            read_cipher: None,
            replay: ReplayWindow::new(replay_window),
        }
    }

    pub(crate) fn set_ciphers(&mut self, write: RecordCipher, read: RecordCipher) {
        self.write_cipher = Some(write);
        self.read_cipher = Some(read);
    }

    pub(crate) fn has_read_keys(&self) -> bool {
        self.read_cipher.is_some()
    }

    /// Bytes a record in `epoch` adds around its plaintext.
    pub(crate) fn overhead(&self, epoch: u16) -> usize {
        RECORD_HEADER_LEN
            + if epoch == 0 {
                0
            } else {
                self.write_cipher.as_ref().map_or(0, RecordCipher::overhead)
            }
    }

    /// Append one record to `out`.
    pub(crate) fn write(
        &mut self,
        epoch: u16,
        content_type: ContentType,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SequenceExhausted> {
        let slot = usize::from(epoch.min(1));
        let seq = self.next_seq[slot];
        if seq > MAX_SEQ {
            return Err(SequenceExhausted);
        }
        self.next_seq[slot] += 1;
        let start = out.len();
        out.push(content_type.0);
        out.extend_from_slice(&ProtocolVersion::DTLS_1_2.0.to_be_bytes());
        out.extend_from_slice(&epoch.to_be_bytes());
        out.extend_from_slice(&seq.to_be_bytes()[2..]);
        out.extend_from_slice(&[0, 0]);
        match (epoch, &self.write_cipher) {
            (0, _) | (_, None) => out.extend_from_slice(payload),
            (_, Some(c)) => c.seal(
                epoch,
                seq,
                content_type.0,
                ProtocolVersion::DTLS_1_2.0,
                payload,
                out,
            ),
        }
        let len = (out.len() - start - RECORD_HEADER_LEN) as u16;
        out[start + 11..start + 13].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    /// Authenticate and decrypt an epoch-1 record in place; `None` if it fails or replays.
    /// Epoch-0 records are returned as they are.
    pub(crate) fn open<'a>(
        &mut self,
        epoch: u16,
        seq: u64,
        content_type: ContentType,
        version: ProtocolVersion,
        fragment: &'a mut [u8],
    ) -> Option<&'a mut [u8]> {
        match epoch {
            0 => Some(fragment),
            1 => {
                let cipher = self.read_cipher.as_ref()?;
                if !self.replay.check(seq) {
                    return None;
                }
                let plain = cipher
                    .open(epoch, seq, content_type.0, version.0, fragment)
                    .ok()?;
                self.replay.mark(seq);
                Some(plain)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_window_accepts_once_and_forgets_the_distant_past() {
        let mut w = ReplayWindow::new(64);
        for seq in [5u64, 3, 4, 10, 70] {
            assert!(w.check(seq), "{seq}");
            w.mark(seq);
            assert!(!w.check(seq), "{seq} replayed");
        }
        assert!(!w.check(6), "more than 64 behind the top (70) is too old");
        assert!(w.check(7));
        assert!(w.check(69));
        w.mark(69);
        assert!(!w.check(69));
        assert!(!w.check(10));
    }

    #[test]
    fn replay_window_of_1024_tracks_far_back() {
        let mut w = ReplayWindow::new(1024);
        w.mark(2000);
        assert!(w.check(1000));
        w.mark(1000);
        assert!(!w.check(1000));
        assert!(!w.check(976));
        w.mark(2100);
        assert!(!w.check(1000));
        assert!(!w.check(2000));
        assert!(w.check(1999));
    }
}
