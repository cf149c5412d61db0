//! MULTI / EXEC / DISCARD / WATCH / UNWATCH through the engine, with several sessions on one
//! store (RESP2 sessions, as a server's clients), exact replies and error texts.

use emu::config::Config;
use emu::engine::Store;
use emu::engine::{execute, Session};
use emu::keyspace::Clock;
use emu::Value;

const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

struct T {
    store: Store,
}

impl T {
    fn new() -> T {
        T {
            store: Store::new(Config::default(), Clock::Manual(1_000_000), 0),
        }
    }

    fn session(id: u64) -> Session {
        Session {
            id,
            ..Session::default()
        }
    }

    fn run(&mut self, s: &mut Session, line: &str) -> Result<Value, String> {
        let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        execute(&mut self.store, s, &argv).map_err(|e| e.message().to_string())
    }

    fn ok(&mut self, s: &mut Session, line: &str) -> Value {
        self.run(s, line)
            .unwrap_or_else(|e| panic!("{line}: unexpected error {e}"))
    }

    fn advance(&mut self, ms: u64) {
        let now = self.store.clock.now_ms();
        self.store.clock = Clock::Manual(now + ms);
    }
}

fn queued() -> Value {
    Value::Simple("QUEUED".into())
}

#[test]
fn queue_and_exec() {
    let mut t = T::new();
    let mut a = T::session(1);
    assert_eq!(t.ok(&mut a, "MULTI"), Value::ok());
    assert_eq!(t.ok(&mut a, "SET k 1"), queued());
    assert_eq!(t.ok(&mut a, "INCR k"), queued());
    assert_eq!(t.ok(&mut a, "GET k"), queued());
    // Nothing ran yet.
    let mut b = T::session(2);
    assert_eq!(t.ok(&mut b, "GET k"), Value::Nil);
    assert_eq!(
        t.ok(&mut a, "EXEC"),
        Value::Array(vec![Value::ok(), Value::Int(2), Value::bulk("2")])
    );
    assert_eq!(t.ok(&mut b, "GET k"), Value::bulk("2"));
    // Empty transaction.
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    // Lowercase names work the same.
    t.ok(&mut a, "multi");
    assert_eq!(t.ok(&mut a, "ping"), queued());
    assert_eq!(
        t.ok(&mut a, "exec"),
        Value::Array(vec![Value::Simple("PONG".into())])
    );
}

#[test]
fn state_errors() {
    let mut t = T::new();
    let mut a = T::session(1);
    assert_eq!(t.run(&mut a, "EXEC").unwrap_err(), "ERR EXEC without MULTI");
    assert_eq!(
        t.run(&mut a, "DISCARD").unwrap_err(),
        "ERR DISCARD without MULTI"
    );
    assert_eq!(
        t.run(&mut a, "MULTI x").unwrap_err(),
        "ERR wrong number of arguments for 'multi' command"
    );
    assert_eq!(
        t.run(&mut a, "WATCH").unwrap_err(),
        "ERR wrong number of arguments for 'watch' command"
    );
    t.ok(&mut a, "MULTI");
    assert_eq!(
        t.run(&mut a, "MULTI").unwrap_err(),
        "ERR MULTI calls can not be nested"
    );
    assert_eq!(
        t.run(&mut a, "WATCH k").unwrap_err(),
        "ERR WATCH inside MULTI is not allowed"
    );
    t.ok(&mut a, "SET k v");
    // Neither error flags the transaction (they are replies, not rejections).
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![Value::ok()]));
    // DISCARD drops the queue and leaves MULTI.
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET k other");
    assert_eq!(t.ok(&mut a, "DISCARD"), Value::ok());
    assert_eq!(t.ok(&mut a, "GET k"), Value::bulk("v"));
    assert_eq!(t.run(&mut a, "EXEC").unwrap_err(), "ERR EXEC without MULTI");
}

#[test]
fn a_rejected_exec_discards_the_transaction() {
    let mut t = T::new();
    let mut a = T::session(1);
    t.ok(&mut a, "WATCH k");
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET k 1");
    assert_eq!(
        t.run(&mut a, "EXEC x").unwrap_err(),
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
    );
    assert!(t.store.watches().is_empty());
    assert_eq!(t.run(&mut a, "EXEC").unwrap_err(), "ERR EXEC without MULTI");
    assert_eq!(t.ok(&mut a, "EXISTS k"), Value::Int(0));
    // Outside MULTI too (Redis answers the same).
    assert_eq!(
        t.run(&mut a, "EXEC x").unwrap_err(),
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
    );
}

#[test]
fn queueing_errors_abort_everything() {
    let mut t = T::new();
    let mut a = T::session(1);
    // Unknown command.
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET a 1");
    assert_eq!(
        t.run(&mut a, "NOSUCH x").unwrap_err(),
        "ERR unknown command 'NOSUCH', with args beginning with: 'x' "
    );
    t.ok(&mut a, "SET b 1");
    assert_eq!(t.run(&mut a, "EXEC").unwrap_err(), EXECABORT);
    assert_eq!(t.ok(&mut a, "EXISTS a b"), Value::Int(0));
    // Wrong arity.
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET a 1");
    assert_eq!(
        t.run(&mut a, "GET").unwrap_err(),
        "ERR wrong number of arguments for 'get' command"
    );
    let err = {
        let argv: [&[u8]; 1] = [b"EXEC"];
        execute(&mut t.store, &mut a, &argv).unwrap_err()
    };
    assert_eq!(err.kind(), emu::ErrorKind::ExecAbort);
    assert_eq!(err.message(), EXECABORT);
    assert_eq!(t.ok(&mut a, "EXISTS a"), Value::Int(0));
    // A NO_MULTI command.
    t.ok(&mut a, "MULTI");
    assert_eq!(
        t.run(&mut a, "SAVE").unwrap_err(),
        "ERR Command not allowed inside a transaction"
    );
    assert_eq!(t.run(&mut a, "EXEC").unwrap_err(), EXECABORT);
    // The session left MULTI.
    assert_eq!(t.ok(&mut a, "PING"), Value::Simple("PONG".into()));
}

#[test]
fn runtime_errors_do_not_roll_back() {
    let mut t = T::new();
    let mut a = T::session(1);
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET a 1");
    t.ok(&mut a, "LPUSH a x");
    t.ok(&mut a, "INCR a");
    t.ok(&mut a, "INCRBY a notanumber");
    assert_eq!(
        t.ok(&mut a, "EXEC"),
        Value::Array(vec![
            Value::ok(),
            Value::Error(
                "WRONGTYPE Operation against a key holding the wrong kind of value".into()
            ),
            Value::Int(2),
            Value::Error("ERR value is not an integer or out of range".into()),
        ])
    );
    assert_eq!(t.ok(&mut a, "GET a"), Value::bulk("2"));
}

#[test]
fn watch_invalidated_by_any_write_even_same_value() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    t.ok(&mut b, "SET k v");
    assert_eq!(t.ok(&mut a, "WATCH k"), Value::ok());
    t.ok(&mut b, "SET k v");
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET k mine");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    assert_eq!(t.ok(&mut b, "GET k"), Value::bulk("v"));
    // EXEC dropped the watch: the next transaction runs.
    t.ok(&mut b, "SET k v2");
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET k mine");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![Value::ok()]));
}

#[test]
fn watch_not_invalidated_by_reads_noops_or_other_dbs() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    t.ok(&mut a, "SADD s m");
    t.ok(&mut a, "WATCH s missing k");
    t.ok(&mut b, "SMEMBERS s");
    t.ok(&mut b, "SADD s m"); // no change
    t.ok(&mut b, "SREM s zz"); // no change
    t.ok(&mut b, "DEL missing"); // nothing deleted
    t.ok(&mut b, "SET other 1");
    t.ok(&mut b, "SELECT 1");
    t.ok(&mut b, "SET k v"); // same name, other db
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "PING");
    assert_eq!(
        t.ok(&mut a, "EXEC"),
        Value::Array(vec![Value::Simple("PONG".into())])
    );
}

#[test]
fn own_writes_invalidate_and_unwatch_clears() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    t.ok(&mut a, "WATCH k");
    t.ok(&mut a, "SET k v");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    // UNWATCH after an invalidation clears the dirty flag.
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SET k w");
    assert_eq!(t.ok(&mut a, "UNWATCH"), Value::ok());
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    // DISCARD drops watches too.
    t.ok(&mut a, "WATCH k k");
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "DISCARD");
    t.ok(&mut b, "SET k x");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    assert!(t.store.watches().is_empty());
    assert!(t.store.watches().dirty_clients().is_empty());
}

#[test]
fn watch_in_the_selected_db() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    t.ok(&mut a, "SELECT 3");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SET k v"); // db 0
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SELECT 3");
    t.ok(&mut b, "SET k v");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
}

#[test]
fn watched_key_expiring_before_exec_fails_the_transaction() {
    let mut t = T::new();
    let mut a = T::session(1);
    t.ok(&mut a, "SET k v PX 100");
    t.ok(&mut a, "WATCH k");
    t.advance(200);
    // Not accessed: still in the dict, logically expired at EXEC.
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "GET x");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);

    // Expired after WATCH and deleted on access by another client.
    let mut b = T::session(2);
    t.ok(&mut a, "SET k v PX 100");
    t.ok(&mut a, "WATCH k");
    t.advance(200);
    assert_eq!(t.ok(&mut b, "GET k"), Value::Nil);
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);

    // Still live at EXEC: fine.
    t.ok(&mut a, "SET k v PX 100");
    t.ok(&mut a, "WATCH k");
    t.advance(50);
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
}

#[test]
fn key_already_expired_at_watch_time() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    // Expired (not yet reclaimed) when watched: its expiry is no change.
    t.ok(&mut a, "SET k v PX 50");
    t.advance(100);
    t.ok(&mut a, "WATCH k");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    // ... nor its lazy deletion by someone's access or DEL.
    t.ok(&mut a, "SET k v PX 50");
    t.advance(100);
    t.ok(&mut a, "WATCH k");
    assert_eq!(t.ok(&mut b, "DEL k"), Value::Int(0));
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    // ... but writing it is.
    t.ok(&mut a, "SET k v PX 50");
    t.advance(100);
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SET k z");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    // ... and FLUSHDB deleting it is no change.
    t.ok(&mut a, "SET k v PX 50");
    t.advance(100);
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "FLUSHDB");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
}

#[test]
fn flushdb_flushall_invalidate_only_existing_watched_keys() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    // Missing watched key: FLUSHDB is no change for it.
    t.ok(&mut b, "SET z v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "FLUSHDB");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    // Existing watched key.
    t.ok(&mut b, "SET k v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "FLUSHDB");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    // FLUSHDB of another db.
    t.ok(&mut b, "SET k v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SELECT 1");
    t.ok(&mut b, "FLUSHDB");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    // FLUSHALL from another db.
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "FLUSHALL");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    // A queued FLUSHDB in one's own transaction runs (watches dropped before the queue).
    t.ok(&mut a, "SET k v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "FLUSHDB");
    t.ok(&mut a, "GET k");
    assert_eq!(
        t.ok(&mut a, "EXEC"),
        Value::Array(vec![Value::ok(), Value::Nil])
    );
}

#[test]
fn swapdb_invalidates_when_the_key_exists_on_either_side() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    t.ok(&mut b, "SELECT 1");
    // Missing in db 0, present in db 1.
    t.ok(&mut b, "SET k v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SWAPDB 0 1");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    t.ok(&mut a, "FLUSHALL");
    // Missing on both sides.
    t.ok(&mut b, "SET j v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SWAPDB 0 1");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    t.ok(&mut a, "FLUSHALL");
    // Missing in db 0 and replaced by an expired key: no change, even once reclaimed.
    t.ok(&mut b, "SET k v PX 50");
    t.advance(100);
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SWAPDB 0 1");
    t.ok(&mut b, "SELECT 0");
    assert_eq!(t.ok(&mut b, "GET k"), Value::Nil);
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
    t.ok(&mut a, "FLUSHALL");
    // Expired at WATCH, replaced by a live key.
    t.ok(&mut b, "SELECT 1");
    t.ok(&mut b, "SET k v");
    t.ok(&mut a, "SET k v PX 50");
    t.advance(100);
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SWAPDB 0 1");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::NilArray);
    // SWAPDB of a db with itself changes nothing.
    t.ok(&mut a, "SET k v");
    t.ok(&mut a, "WATCH k");
    t.ok(&mut b, "SWAPDB 0 0");
    t.ok(&mut a, "MULTI");
    assert_eq!(t.ok(&mut a, "EXEC"), Value::Array(vec![]));
}

#[test]
fn reset_leaves_multi_and_drops_watches() {
    let mut t = T::new();
    let (mut a, mut b) = (T::session(1), T::session(2));
    t.ok(&mut a, "WATCH k");
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET k 1");
    assert_eq!(t.ok(&mut a, "RESET"), Value::Simple("RESET".into()));
    assert_eq!(t.run(&mut a, "EXEC").unwrap_err(), "ERR EXEC without MULTI");
    assert!(t.store.watches().is_empty());
    t.ok(&mut b, "SET k 2");
    assert_eq!(t.ok(&mut b, "GET k"), Value::bulk("2"));
}

#[test]
fn dropped_sessions_leave_no_watches() {
    let mut t = T::new();
    let mut keep = T::session(1);
    t.ok(&mut keep, "WATCH kept");
    for id in 10..20 {
        let mut s = T::session(id);
        t.ok(&mut s, "WATCH a b c");
        if id % 2 == 0 {
            t.ok(&mut s, "MULTI");
            t.ok(&mut s, "SET a 1");
        }
        // A clone of the session does not release the watches when it is dropped.
        drop(s.clone());
    }
    assert_eq!(t.store.watches().watched_keys(), 4);
    // Any command reaps the dropped sessions.
    t.ok(&mut keep, "PING");
    assert_eq!(t.store.watches().watched_keys(), 1);
    assert!(t.store.watches().is_watched(0, b"kept"));
    assert_eq!(t.store.watches().clients(), 1);
    // The remaining watcher still works.
    let mut b = T::session(2);
    t.ok(&mut b, "SET kept 1");
    t.ok(&mut keep, "MULTI");
    assert_eq!(t.ok(&mut keep, "EXEC"), Value::NilArray);
    assert!(t.store.watches().is_empty());
}

#[test]
fn exec_effects_are_logged_in_order() {
    let mut t = T::new();
    t.store.set_record_effects(true);
    let mut a = T::session(1);
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET a 1");
    t.ok(&mut a, "GET a");
    t.ok(&mut a, "EXPIRE a 100");
    t.ok(&mut a, "LPUSH a x"); // WRONGTYPE: nothing logged
    t.ok(&mut a, "INCR a");
    assert!(t.store.effects().is_empty(), "queueing logs nothing");
    t.ok(&mut a, "EXEC");
    let logged: Vec<String> = t
        .store
        .effects()
        .iter()
        .map(|e| crate::common::argv_text(&e.argv))
        .collect();
    assert_eq!(
        logged,
        vec![
            "SET a 1".to_string(),
            "PEXPIREAT a 1100000".to_string(),
            "INCR a".to_string()
        ]
    );
}

#[test]
fn queued_commands_do_not_run_until_exec_and_see_exec_time() {
    let mut t = T::new();
    let mut a = T::session(1);
    t.ok(&mut a, "MULTI");
    t.ok(&mut a, "SET k v PX 100");
    t.advance(1000);
    t.ok(&mut a, "PTTL k");
    // Queued at an earlier time, run at EXEC's: the TTL is full.
    assert_eq!(
        t.ok(&mut a, "EXEC"),
        Value::Array(vec![Value::ok(), Value::Int(100)])
    );
}
