//! The typed API: every command method at least once, with its options, through the real
//! engine (the embedded handle speaks RESP3), plus pipelines and SCAN iterators — on three
//! backends: each `backends!(name)` test runs as `name::embedded`, `name::server` (a real
//! `redis-server` through the remote backend, feature `remote`) and `name::cluster` (a real
//! three-master Redis Cluster, feature `cluster`); see `tests/backends/mod.rs`. The async
//! surface (`AsyncRedis`) runs on the same three backends (`asynchronous`).
//!
//! # Exemptions
//!
//! A test that cannot run on a backend is marked in its `backends!` line, which makes that
//! backend's test `#[ignore]`d with the reason (cargo lists it as ignored). The tests that
//! are plain `#[test]`s run embedded only, because they test something only the embedded
//! store has:
//!
//! | test | backends | why |
//! |---|---|---|
//! | `strings::set_expiry_options`, `strings::getset_getdel_getex`, `strings::setnx_setex_psetex` | server, cluster | move emu's manual clock (`advance_time`); a server's clock cannot be moved |
//! | `keys::expiry_family` | embedded only | the manual clock: TTLs checked at exact times |
//! | `keys::databases` | cluster | `SELECT`/`MOVE`/`SWAPDB` to other databases: a cluster has only database 0 (its SELECT error is checked in tests/remote) |
//! | `hashes::hrandfield_forms`, `sets::random_members_are_seeded` | embedded only | `Builder::seed`: a server's RNG cannot be seeded |
//! | `shapes::*` | embedded only | compare RESP2 and RESP3 sessions of one embedded store |
//! | `pipeline::runs_on_the_handles_database` | cluster | `with_db(1)`: a cluster has only database 0 |
//! | `keys::{delete_unlink_exists_touch_type, keys_scan_randomkey, rename_copy_move}`, `lists::lmove_rpoplpush_lmpop`, `pipeline::{basic_pipeline_returns_every_reply, batch_loading, errors_stay_in_their_slot, ignore_and_mixed_types, pipeline_is_a_transaction_batch_is_not, watch_multi_execute_and_watch_error}`, `sets::smove_and_algebra`, `strings::mget_mset_msetnx`, `zsets::{algebra, ranges, removals_and_pops}` | cluster | multi-key commands or transactions over keys of several slots: a cluster answers CROSSSLOT (tests/remote checks that error, and the same operations with hash-tagged keys, on the cluster) |

// Arguments are passed as `&[..]` on purpose in places: the borrowed-slice form of `ToArg`
// is part of what these tests cover.
#![allow(clippy::needless_borrows_for_generic_args)]

#[path = "../backends/mod.rs"]
#[cfg(feature = "remote")]
mod backends;

/// One test body, three tests: `$name::embedded`, `$name::server`, `$name::cluster`
/// (see the module docs). `server: "why"` / `cluster: "why"` exempt a backend.
#[macro_export]
macro_rules! backends {
    ($name:ident) => {
        $crate::backends!(@gen $name [] []);
    };
    ($name:ident; cluster: $why:literal) => {
        $crate::backends!(@gen $name [] [#[ignore = $why]]);
    };
    ($name:ident; remote: $why:literal) => {
        $crate::backends!(@gen $name [#[ignore = $why]] [#[ignore = $why]]);
    };
    (@gen $name:ident [$(#[$sa:meta])*] [$(#[$ca:meta])*]) => {
        mod $name {
            #[test]
            fn embedded() {
                super::$name($crate::redis());
            }

            #[test]
            #[cfg(feature = "remote")]
            $(#[$sa])*
            fn server() {
                let Some(url) = $crate::backends::server_url() else { return };
                let _serial = $crate::backends::serial();
                super::$name($crate::backends::fresh(&url));
            }

            #[test]
            #[cfg(feature = "cluster")]
            $(#[$ca])*
            fn cluster() {
                let Some(url) = $crate::backends::cluster_url() else { return };
                let _serial = $crate::backends::serial();
                super::$name($crate::backends::fresh(&url));
            }
        }
    };
}

mod asynchronous;
mod hashes;
mod keys;
mod lists;
mod pipeline;
mod sets;
mod shapes;
mod strings;
mod zsets;

/// A store with a manual clock at Unix time 1 000 000 s, so TTLs are exact.
pub fn redis() -> emu::Redis {
    emu::Redis::builder().manual_clock(1_000_000_000).build()
}

/// Asserts that `result` is an error with exactly this message.
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(result: emu::Result<T>, message: &str) {
    match result {
        Err(e) => assert_eq!(e.message(), message),
        Ok(v) => panic!("expected error {message:?}, got Ok({v:?})"),
    }
}

/// Redis's WRONGTYPE text.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
