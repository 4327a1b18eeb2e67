/*
 * A thin C shim over libsrtp 2 for the benches: one session per direction, the profile and
 * the concatenated master key || salt given by the caller. Called through FFI from
 * bench/src/libsrtp.rs.
 */
#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>

/* Profiles, numbered as the DTLS use_srtp ids (RFC 5764, RFC 7714). */
#define SHIM_AES_CM_128_HMAC_SHA1_80 1
#define SHIM_AES_CM_128_HMAC_SHA1_32 2
#define SHIM_AEAD_AES_128_GCM 7
#define SHIM_AEAD_AES_256_GCM 8

static int shim_initialised = 0;

/* Returns 0 on success, a libsrtp error code otherwise. Not thread-safe: the Rust side
 * calls it once, before any session is created. */
int shim_init(void)
{
    if (shim_initialised) {
        return 0;
    }
    srtp_err_status_t status = srtp_init();
    if (status == srtp_err_status_ok) {
        shim_initialised = 1;
    }
    return (int)status;
}

/*
 * A session for `profile` keyed with `key` (master key followed by master salt, as libsrtp
 * wants it). `inbound` selects ssrc_any_inbound (receiver) or ssrc_any_outbound (sender).
 * Replay window 64 packets, repeated transmissions refused. NULL on failure.
 */
srtp_t shim_new(int profile, const unsigned char *key, int inbound)
{
    srtp_policy_t policy;
    srtp_t session = NULL;

    memset(&policy, 0, sizeof(policy));
    switch (profile) {
    case SHIM_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
    case SHIM_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
    case SHIM_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
        break;
    case SHIM_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
        break;
    default:
        return NULL;
    }
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.ssrc.value = 0;
    policy.key = (unsigned char *)key;
    policy.window_size = 64;
    policy.allow_repeat_tx = 0;
    policy.next = NULL;
    if (srtp_create(&session, &policy) != srtp_err_status_ok) {
        return NULL;
    }
    return session;
}

void shim_free(srtp_t session)
{
    if (session != NULL) {
        srtp_dealloc(session);
    }
}

/*
 * Protects the `len`-byte RTP packet in `buf` in place (`buf` has room for
 * SRTP_MAX_TRAILER_LEN more bytes). Returns the protected length, or minus the libsrtp
 * error code.
 */
int shim_protect(srtp_t session, unsigned char *buf, int len)
{
    int n = len;
    srtp_err_status_t status = srtp_protect(session, buf, &n);
    return status == srtp_err_status_ok ? n : -(int)status;
}

/* Unprotects in place; returns the RTP length or minus the libsrtp error code. */
int shim_unprotect(srtp_t session, unsigned char *buf, int len)
{
    int n = len;
    srtp_err_status_t status = srtp_unprotect(session, buf, &n);
    return status == srtp_err_status_ok ? n : -(int)status;
}

/* SRTP_MAX_TRAILER_LEN, for the Rust side to size its buffers. */
int shim_max_trailer_len(void)
{
    return SRTP_MAX_TRAILER_LEN;
}
