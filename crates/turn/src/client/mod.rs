//! The TURN client (RFC 8656): being written.
