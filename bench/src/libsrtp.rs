//! libsrtp 2 through the C shim in `c/libsrtp_shim.c` (built and linked by `build.rs`).
//!
//! The only `unsafe` code of the bench crate: a session handle owned by [`Session`], and
//! buffer pointers whose lengths are checked on the Rust side before each call.

#![allow(unsafe_code)]

use std::ffi::c_int;
use std::ptr::NonNull;

/// An opaque `srtp_ctx_t`.
#[repr(C)]
struct SrtpCtx {
    _opaque: [u8; 0],
}

unsafe extern "C" {
    fn shim_init() -> c_int;
    fn shim_new(profile: c_int, key: *const u8, inbound: c_int) -> *mut SrtpCtx;
    fn shim_free(session: *mut SrtpCtx);
    fn shim_protect(session: *mut SrtpCtx, buf: *mut u8, len: c_int) -> c_int;
    fn shim_unprotect(session: *mut SrtpCtx, buf: *mut u8, len: c_int) -> c_int;
    fn shim_max_trailer_len() -> c_int;
}

/// `SRTP_MAX_TRAILER_LEN`: the room libsrtp may write past the packet on protect.
pub fn max_trailer_len() -> usize {
    // SAFETY: a pure function returning a constant.
    let n = unsafe { shim_max_trailer_len() };
    usize::try_from(n).expect("non-negative constant")
}

/// One libsrtp session (one direction), replay window 64, repeated transmissions refused.
pub struct Session(NonNull<SrtpCtx>);

impl Session {
    /// A session for the DTLS-SRTP profile `profile_id` (1, 2, 7 or 8) keyed with the master
    /// key followed by the master salt. `inbound`: receiver (`ssrc_any_inbound`), otherwise
    /// sender (`ssrc_any_outbound`).
    pub fn new(profile_id: u16, key_and_salt: &[u8], inbound: bool) -> Session {
        let expected = match profile_id {
            1 | 2 => 16 + 14,
            7 => 16 + 12,
            8 => 32 + 12,
            other => panic!("profile {other} not wired into the shim"),
        };
        assert_eq!(key_and_salt.len(), expected, "key || salt length");
        // srtp_init is not thread-safe (the tests create sessions from several threads).
        static INIT: std::sync::Once = std::sync::Once::new();
        INIT.call_once(|| {
            // SAFETY: called once, before any other libsrtp call.
            let status = unsafe { shim_init() };
            assert_eq!(status, 0, "srtp_init failed");
        });
        // SAFETY: `key_and_salt` is valid for the length libsrtp reads for this profile
        // (checked above); libsrtp copies the key during srtp_create.
        let raw = unsafe {
            shim_new(
                c_int::from(profile_id),
                key_and_salt.as_ptr(),
                c_int::from(inbound),
            )
        };
        Session(NonNull::new(raw).expect("libsrtp accepted the policy"))
    }

    /// Protects the `len`-byte RTP packet at the start of `buf` in place; returns the
    /// protected length or libsrtp's error code.
    #[inline]
    pub fn protect(&mut self, buf: &mut [u8], len: usize) -> Result<usize, i32> {
        assert!(len + max_trailer_len() <= buf.len(), "room for the trailer");
        let len = c_int::try_from(len).expect("packet length fits an int");
        // SAFETY: the session is live; `buf` holds `len` bytes plus SRTP_MAX_TRAILER_LEN.
        let n = unsafe { shim_protect(self.0.as_ptr(), buf.as_mut_ptr(), len) };
        usize::try_from(n).map_err(|_| -n)
    }

    /// Unprotects the SRTP packet `buf` in place; returns the RTP length or libsrtp's error
    /// code.
    #[inline]
    pub fn unprotect(&mut self, buf: &mut [u8]) -> Result<usize, i32> {
        let len = c_int::try_from(buf.len()).expect("packet length fits an int");
        // SAFETY: the session is live; libsrtp reads and writes within `len` bytes.
        let n = unsafe { shim_unprotect(self.0.as_ptr(), buf.as_mut_ptr(), len) };
        usize::try_from(n).map_err(|_| -n)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: created by shim_new, freed once.
        unsafe { shim_free(self.0.as_ptr()) }
    }
}
