//! The typed API: every command method at least once, with its options, through the real
//! engine (the embedded handle speaks RESP3), plus pipelines and SCAN iterators — on four
//! backends: each `backends!(name)` test runs as `name::embedded`, `name::server` (a real
//! `redis-server` 7.0 through the remote backend, feature `remote`), `name::cluster` (a real
//! three-master Redis Cluster, feature `cluster`) and `name::valkey` (a real `valkey-server`
//! 8 through the remote backend, feature `remote`); see `tests/backends/mod.rs`. The async
//! surface (`AsyncRedis`) runs on the same four backends (`asynchronous`).
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
//! | `strings::set_expiry_options`, `strings::getset_getdel_getex`, `strings::setnx_setex_psetex` | server, cluster, valkey | move emu's manual clock (`advance_time`); a server's clock cannot be moved |
//! | `keys::expiry_family` | embedded only | the manual clock: TTLs checked at exact times |
//! | `keys::databases` | cluster | `SELECT`/`MOVE`/`SWAPDB` to other databases: a cluster has only database 0 (its SELECT error is checked in tests/remote) |
//! | `hashes::hrandfield_forms`, `sets::random_members_are_seeded` | embedded only | `Builder::seed`: a server's RNG cannot be seeded |
//! | `shapes::*` | embedded only | compare RESP2 and RESP3 sessions of one embedded store |
//! | `pipeline::runs_on_the_handles_database` | cluster | `with_db(1)`: a cluster has only database 0 |
//! | `keys::{delete_unlink_exists_touch_type, keys_scan_randomkey, rename_copy_move}`, `lists::lmove_rpoplpush_lmpop`, `pipeline::{basic_pipeline_returns_every_reply, batch_loading, errors_stay_in_their_slot, ignore_and_mixed_types, pipeline_is_a_transaction_batch_is_not, watch_multi_execute_and_watch_error}`, `sets::smove_and_algebra`, `strings::mget_mset_msetnx`, `zsets::{algebra, ranges, removals_and_pops}` | cluster | multi-key commands or transactions over keys of several slots: a cluster answers CROSSSLOT (tests/remote checks that error, and the same operations with hash-tagged keys, on the cluster) |
//! | `keys::object_encoding_of_a_small_list` | valkey | Valkey 8 (like Redis 7.2) encodes a small list as `listpack`; Redis 7.0 and emu answer `quicklist` |
//! | `asynchronous::async_pubsub_unsubscribe_with_nothing_subscribed` | valkey | Valkey 8 answers UNSUBSCRIBE / PUNSUBSCRIBE outside subscribed mode with `NOSUB 'unsubscribe' command executed not in subscribed mode`; Redis 7.0 and emu with a confirmation of no channel and count 0 |
//!
//! Each Valkey difference is checked on both servers by `valkey::valkey_differences`, which
//! fails once Valkey stops differing (then the exemption goes).

// Arguments are passed as `&[..]` on purpose in places: the borrowed-slice form of `ToArg`
// is part of what these tests cover.
#![allow(clippy::needless_borrows_for_generic_args)]

#[path = "../backends/mod.rs"]
#[cfg(feature = "remote")]
mod backends;

/// One test body, four tests: `$name::embedded`, `$name::server`, `$name::cluster`,
/// `$name::valkey` (see the module docs). `server: "why"`, `cluster: "why"`, `valkey: "why"`
/// (any of them, comma-separated) exempt a backend; `remote: "why"` exempts all three remote
/// ones.
#[macro_export]
macro_rules! backends {
    (@gen $name:ident [$($s:tt)*] [$($c:tt)*] [$($v:tt)*] server: $why:literal $(, $($rest:tt)*)?) => {
        $crate::backends!(@gen $name [$($s)* #[ignore = $why]] [$($c)*] [$($v)*] $($($rest)*)?);
    };
    (@gen $name:ident [$($s:tt)*] [$($c:tt)*] [$($v:tt)*] cluster: $why:literal $(, $($rest:tt)*)?) => {
        $crate::backends!(@gen $name [$($s)*] [$($c)* #[ignore = $why]] [$($v)*] $($($rest)*)?);
    };
    (@gen $name:ident [$($s:tt)*] [$($c:tt)*] [$($v:tt)*] valkey: $why:literal $(, $($rest:tt)*)?) => {
        $crate::backends!(@gen $name [$($s)*] [$($c)*] [$($v)* #[ignore = $why]] $($($rest)*)?);
    };
    (@gen $name:ident [$($s:tt)*] [$($c:tt)*] [$($v:tt)*] remote: $why:literal $(, $($rest:tt)*)?) => {
        $crate::backends!(@gen $name
            [$($s)* #[ignore = $why]] [$($c)* #[ignore = $why]] [$($v)* #[ignore = $why]]
            $($($rest)*)?);
    };
    (@gen $name:ident [$($s:tt)*] [$($c:tt)*] [$($v:tt)*]) => {
        mod $name {
            #[test]
            fn embedded() {
                super::$name($crate::redis());
            }

            #[test]
            #[cfg(feature = "remote")]
            $($s)*
            fn server() {
                $crate::on_remote($crate::backends::server_url(), super::$name);
            }

            #[test]
            #[cfg(feature = "cluster")]
            $($c)*
            fn cluster() {
                $crate::on_remote($crate::backends::cluster_url(), super::$name);
            }

            #[test]
            #[cfg(feature = "remote")]
            $($v)*
            fn valkey() {
                $crate::on_remote($crate::backends::valkey_url(), super::$name);
            }
        }
    };
    ($name:ident $(; $($exempt:tt)*)?) => {
        $crate::backends!(@gen $name [] [] [] $($($exempt)*)?);
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
#[cfg(feature = "remote")]
mod valkey;
mod zsets;

/// Runs `test` on the shared server or cluster at `url` (None: skipped, as reported by
/// `tests/backends`), from an empty dataset, one remote test at a time.
#[cfg(feature = "remote")]
pub fn on_remote(url: Option<String>, test: fn(emu::Redis)) {
    let Some(url) = url else { return };
    let _serial = backends::serial();
    test(backends::fresh(&url));
}

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
