//! Adapters that let code written for other Redis client libraries run against an embedded
//! store.

pub mod pubsub;
pub mod redis_rs;
