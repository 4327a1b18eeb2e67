//! The TURN server core (RFC 8656): being written.
