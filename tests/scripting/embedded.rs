//! The typed API, atomicity, WATCH and notifications, and the log: a script's effects are
//! logged, never the script, and replay (which never runs Lua) rebuilds the same store.

use emu::{Redis, Value};

use crate::common::persist::dump_jsonl;
use crate::common::{err, ok, redis, T0};

#[test]
fn eval_evalsha_and_script_commands() {
    let r = redis();
    let n: i64 = r
        .eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", "n", 5)
        .unwrap();
    assert_eq!(n, 5);
    let sha = r.script_load("return {KEYS[1], ARGV[1], ARGV[2]}").unwrap();
    assert_eq!(sha.len(), 40);
    let v: Vec<String> = r.evalsha(&sha, "k", ("a", 2)).unwrap();
    assert_eq!(v, ["k", "a", "2"]);
    assert_eq!(
        r.script_exists((&sha, "0000000000000000000000000000000000000000"))
            .unwrap(),
        [true, false]
    );
    let s: String = r.eval("return 'hi'", (), ()).unwrap();
    assert_eq!(s, "hi");
    r.script_flush().unwrap();
    assert_eq!(r.script_exists(&sha).unwrap(), [false]);
    let e = r.evalsha::<Value>(&sha, (), ()).unwrap_err();
    assert_eq!(e.message(), "NOSCRIPT No matching script. Please use EVAL.");
    // Read-only forms.
    let e = r
        .eval_ro::<Value>("return redis.call('SET', 'x', 1)", (), ())
        .unwrap_err();
    assert!(
        e.message()
            .starts_with("ERR Write commands are not allowed from read-only scripts."),
        "{e}"
    );
    let n: i64 = r
        .eval_ro("return redis.call('GET', KEYS[1])", "n", ())
        .unwrap();
    assert_eq!(n, 5);
    let sha = r.script_load("return 7").unwrap();
    assert_eq!(r.evalsha_ro::<i64>(&sha, (), ()).unwrap(), 7);
}

#[test]
fn register_script_reloads_after_flush() {
    let r = redis();
    let incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    assert_eq!(incr.sha(), emu::Script::new(incr.body()).sha());
    // Never loaded: the first call gets NOSCRIPT and loads it.
    assert_eq!(incr.call::<i64>(&r, "n", 2).unwrap(), 2);
    assert_eq!(incr.call::<i64>(&r, "n", 3).unwrap(), 5);
    r.script_flush().unwrap();
    assert_eq!(incr.call::<i64>(&r, "n", 1).unwrap(), 6);
    // Another handle on the same store, and a script error surfaces as is.
    let other = r.with_db(1);
    assert_eq!(incr.call::<i64>(&other, "n", 1).unwrap(), 1);
    let bad = r.register_script("return redis.call('INCR', KEYS[1])");
    ok(&r, &["SET", "s", "x"]);
    let e = bad.call::<i64>(&r, "s", ()).unwrap_err();
    assert!(
        e.message().starts_with("ERR value is not an integer"),
        "{e}"
    );
}

#[test]
fn the_lock_keeps_working() {
    let r = redis();
    let opts = emu::LockOptions::default().timeout(std::time::Duration::from_secs(10));
    let mut lock = r.lock("res", opts);
    assert!(lock.acquire().unwrap());
    assert!(lock.owned().unwrap());
    assert!(lock
        .extend(std::time::Duration::from_secs(5), false)
        .unwrap());
    lock.release().unwrap();
    assert!(!lock.locked().unwrap());
}

#[test]
fn a_script_write_invalidates_watch() {
    let r = redis();
    let other = r.with_db(0);
    ok(&r, &["SET", "k", "1"]);
    ok(&r, &["WATCH", "k"]);
    other
        .eval::<Value>("return redis.call('SET', KEYS[1], '1')", "k", ())
        .unwrap();
    ok(&r, &["MULTI"]);
    ok(&r, &["INCR", "k"]);
    assert_eq!(ok(&r, &["EXEC"]), Value::NilArray);
}

#[test]
fn eval_inside_multi_runs_at_exec() {
    let r = redis();
    ok(&r, &["MULTI"]);
    ok(
        &r,
        &["EVAL", "return redis.call('INCR', KEYS[1])", "1", "c"],
    );
    ok(
        &r,
        &["EVAL", "return redis.call('INCR', KEYS[1])", "1", "c"],
    );
    assert_eq!(
        ok(&r, &["EXEC"]),
        Value::Array(vec![Value::Int(1), Value::Int(2)])
    );
}

#[test]
fn keyspace_notifications_fire_from_scripts() {
    let r = redis();
    ok(&r, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    r.with_store(|s| s.notifications.clear()).unwrap();
    r.eval::<Value>(
        "redis.call('SET', KEYS[1], 'v'); redis.call('DEL', KEYS[1])",
        "nk",
        (),
    )
    .unwrap();
    let events: Vec<String> = r
        .with_store(|s| {
            s.notifications
                .iter()
                .filter(|(ch, _)| ch.starts_with(b"__keyspace@0__:nk"))
                .map(|(_, ev)| String::from_utf8_lossy(ev).into_owned())
                .collect()
        })
        .unwrap();
    assert_eq!(events, ["set", "del"]);
}

#[test]
fn blocking_commands_are_refused_and_time_is_frozen() {
    let r = redis();
    let e = err(&r, &["EVAL", "return redis.call('BLPOP', 'l', 0)", "0"]);
    assert!(
        e.starts_with("ERR This Redis command is not allowed from script"),
        "{e}"
    );
    // Time inside a script is the script's start: a key expiring "during" it stays.
    ok(&r, &["SET", "t", "v", "PX", "5"]);
    let v: Vec<Value> = r
        .eval(
            "local a = redis.call('TIME'); local b = redis.call('TIME'); return {a[1], b[1], redis.call('GET', KEYS[1])}",
            "t",
            (),
        )
        .unwrap();
    assert_eq!(v[0], v[1]);
    assert_eq!(v[2], Value::bulk("v"));
    assert_eq!(v[0], Value::bulk((T0 / 1000).to_string()));
}

/// The effects of a script, as a log would get them.
fn effects_of(r: &Redis, script: &str, keys: &[&str]) -> Vec<Vec<String>> {
    r.with_store(|s| {
        s.set_record_effects(true);
        s.clear_effects();
    })
    .unwrap();
    r.eval::<Value>(script, keys, ()).unwrap();
    r.with_store(|s| {
        let out = s
            .effects()
            .into_iter()
            .map(|e| {
                e.argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .collect();
        s.clear_effects();
        out
    })
    .unwrap()
}

#[test]
fn the_log_gets_effects_never_the_script() {
    let r = redis();
    ok(&r, &["SADD", "s", "a", "b", "c"]);
    let fx = effects_of(
        &r,
        "redis.call('SET', KEYS[1], math.random(1000)); redis.call('EXPIRE', KEYS[1], 100); redis.call('GET', KEYS[1]); return redis.call('SPOP', KEYS[2])",
        &["k", "s"],
    );
    assert_eq!(fx.len(), 3, "{fx:?}");
    assert_eq!(fx[0][0], "SET");
    assert_eq!(fx[0][2], "397", "math.random as Redis's first draw");
    assert_eq!(fx[1][0].to_ascii_uppercase(), "PEXPIREAT", "{fx:?}");
    assert_eq!(fx[2][0].to_ascii_uppercase(), "SREM", "{fx:?}");
    assert!(fx.iter().all(|e| !e[0].eq_ignore_ascii_case("eval")));
    // A script that only reads logs nothing.
    assert!(effects_of(&r, "return redis.call('GET', KEYS[1])", &["k"]).is_empty());
}

/// Scripts whose writes depend on randomness, time and the RNG.
const SCRIPTED: &[(&str, &[&str])] = &[
    (
        "for i = 1, 20 do redis.call('SADD', KEYS[1], 'm' .. math.random(100)) end return redis.call('SCARD', KEYS[1])",
        &["set"],
    ),
    ("return redis.call('SPOP', KEYS[1], 3)", &["set"]),
    (
        "redis.call('SET', KEYS[1], 'v', 'EX', 100); return redis.call('EXPIRE', KEYS[2], 50)",
        &["str", "set"],
    ),
    (
        "local r = redis.call('SRANDMEMBER', KEYS[1]); if r then redis.call('RPUSH', KEYS[2], r) end return r",
        &["set", "list"],
    ),
    (
        "redis.call('INCRBYFLOAT', KEYS[1], math.random()); return redis.call('GET', KEYS[1])",
        &["flt"],
    ),
    (
        "redis.call('SELECT', 2); redis.call('SET', KEYS[1], math.random(10)); return 1",
        &["indb2"],
    ),
];

#[test]
fn replay_rebuilds_what_scripts_did() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let r = Redis::builder()
            .manual_clock(T0)
            .seed(3)
            .open(dir.path())
            .unwrap();
        for (script, keys) in SCRIPTED {
            r.eval::<Value>(*script, *keys, ()).unwrap();
            r.advance_time(std::time::Duration::from_millis(700))
                .unwrap();
        }
        r.with_store(|s| dump_jsonl(s)).unwrap()
    };
    // Reopening replays the log (no Lua runs: the log holds commands only).
    let r = Redis::builder()
        .manual_clock(T0 + 3_600_000)
        .open(dir.path())
        .unwrap();
    let after = r.with_store(|s| dump_jsonl(s)).unwrap();
    assert_eq!(before, after);
}

#[test]
fn the_same_scripts_on_the_same_store_give_the_same_bytes() {
    let run = || {
        let r = Redis::builder().manual_clock(T0).seed(11).build();
        r.with_store(|s| s.set_record_effects(true)).unwrap();
        let mut replies = Vec::new();
        for (script, keys) in SCRIPTED {
            replies.push(r.eval::<Value>(*script, *keys, ()).unwrap());
        }
        let effects = r.with_store(|s| s.effects()).unwrap();
        (replies, effects, r.with_store(|s| dump_jsonl(s)).unwrap())
    };
    assert_eq!(run(), run());
}

#[test]
fn function_api_on_redis_and_pipelines() {
    let r = redis();
    let lib = "#!lua name=mylib
redis.register_function('hset_get', function(keys, args)
  redis.call('HSET', keys[1], args[1], args[2])
  return redis.call('HGET', keys[1], args[1])
end)
redis.register_function{function_name='count', callback=function(keys) return redis.call('HLEN', keys[1]) end, flags={'no-writes'}, description='fields of a hash'}";
    assert_eq!(r.function_load(lib, false).unwrap(), "mylib");
    let e = r.function_load(lib, false).unwrap_err();
    assert_eq!(e.message(), "ERR Library 'mylib' already exists");
    assert_eq!(r.function_load(lib, true).unwrap(), "mylib");
    let v: String = r.fcall("hset_get", "h", ("f", "v")).unwrap();
    assert_eq!(v, "v");
    assert_eq!(r.fcall_ro::<_, _, _, i64>("count", "h", ()).unwrap(), 1);
    let e = r
        .fcall_ro::<_, _, _, Value>("hset_get", "h", ("f", "w"))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "ERR Can not execute a script with write flag using *_ro command."
    );
    let libs = r.function_list(true).unwrap();
    assert_eq!(libs.len(), 1);
    assert_eq!(libs[0].name, "mylib");
    assert_eq!(libs[0].engine, "LUA");
    assert_eq!(libs[0].code.as_deref(), Some(lib.as_bytes()));
    let count = &libs[0].functions[0];
    assert_eq!(
        (count.name.as_str(), count.description.as_deref()),
        ("count", Some("fields of a hash"))
    );
    assert_eq!(count.flags, ["no-writes"]);
    assert_eq!(libs[0].functions[1].description, None);
    assert!(r.function_list(false).unwrap()[0].code.is_none());
    assert_eq!(r.function_list_matching("MY*", false).unwrap().len(), 1);
    assert!(r.function_list_matching("x*", false).unwrap().is_empty());

    // The same commands queued in a pipeline, replies in order.
    let mut p = r.pipeline();
    p.fcall("hset_get", "h", ("g", "1"))
        .fcall_ro("count", "h", ())
        .function_delete("mylib")
        .fcall("count", "h", ())
        .function_load(lib, false)
        .function_flush()
        .function_list(false);
    let replies = p.execute().unwrap();
    assert_eq!(
        replies,
        vec![
            Value::bulk("1"),
            Value::Int(2),
            Value::ok(),
            Value::Error("ERR Function not found".into()),
            Value::bulk("mylib"),
            Value::ok(),
            Value::Array(vec![]),
        ]
    );
    let e = r.function_delete("mylib").unwrap_err();
    assert_eq!(e.message(), "ERR Library not found");
    // FCALL writes are seen by WATCH like any write, and run inside MULTI at EXEC.
    r.function_load(lib, false).unwrap();
    let effects = r
        .with_store(|s| {
            s.set_record_effects(true);
            s.clear_effects();
            0
        })
        .unwrap();
    assert_eq!(effects, 0);
    let _: String = r.fcall("hset_get", "h2", ("a", "b")).unwrap();
    let logged: Vec<String> = r
        .with_store(|s| {
            s.effects()
                .into_iter()
                .map(|e| String::from_utf8_lossy(&e.argv[0]).to_ascii_uppercase())
                .collect()
        })
        .unwrap();
    assert_eq!(logged, ["HSET"], "the function's effects, never FCALL");
}

/// Each run gets fresh KEYS and ARGV tables, as in Redis: a table a script managed to keep
/// (through the string metatable, which emu does not protect) still holds its own run's
/// keys after the next run.
#[test]
fn kept_keys_are_not_refilled_by_the_next_run() {
    let r = redis();
    let stashed: i64 = r
        .eval(
            "return pcall(function() getmetatable('').stash = {KEYS, ARGV} end) and 1 or 0",
            "first",
            "a1",
        )
        .unwrap();
    if stashed == 0 {
        return; // The sandbox refused: nothing can be kept.
    }
    let v: Vec<String> = r
        .eval(
            "local s = getmetatable('').stash return {KEYS[1], ARGV[1], s[1][1], s[2][1], tostring(#s[1]), tostring(#s[2])}",
            ("second", "other"),
            ("b1", "b2"),
        )
        .unwrap();
    assert_eq!(v, ["second", "b1", "first", "a1", "1", "1"]);
}
