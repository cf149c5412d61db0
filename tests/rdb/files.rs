//! RDB files (filled below).
