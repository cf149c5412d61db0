//! The typed stream methods.
