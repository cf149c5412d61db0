//! The typed API (filled in below).
