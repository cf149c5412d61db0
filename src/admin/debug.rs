//! DEBUG: the subcommands Redis's own tests and client libraries' test suites use, where
//! they mean something for emu (see [`debug`]'s HELP text for which are no-ops and why).
//! Network clients may run DEBUG only as `enable-debug-command` allows (checked by the
//! dispatcher).

use crate::engine::Ctx;
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::Object;
use crate::value::Value;

/// C `strtod(s, NULL)` (C locale): leading white space, a sign, then the longest prefix
/// that is a decimal float, a hexadecimal float (`0x1.8p3`), `inf`/`infinity` or `nan`;
/// 0 when there is none. DEBUG SLEEP parses its argument this way.
fn strtod(a: &[u8]) -> f64 {
    let mut i = a
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let neg = match a.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = &a[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    let v = if starts(b"inf") {
        f64::INFINITY
    } else if starts(b"nan") {
        f64::NAN
    } else if (starts(b"0x") || starts(b"0X"))
        && rest.get(2).is_some_and(|b| {
            b.is_ascii_hexdigit() || (*b == b'.' && rest.get(3).is_some_and(u8::is_ascii_hexdigit))
        })
    {
        hex_float(&rest[2..])
    } else {
        let digits = |from: usize| {
            rest[from.min(rest.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let int = digits(0);
        let mut end = int;
        let mut frac = 0;
        if rest.get(end) == Some(&b'.') {
            frac = digits(end + 1);
            if int + frac > 0 {
                end += 1 + frac;
            }
        }
        if int + frac == 0 {
            return 0.0;
        }
        if matches!(rest.get(end), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(rest.get(end + 1), Some(b'+' | b'-')));
            let exp = digits(end + 1 + sign);
            if exp > 0 {
                end += 1 + sign + exp;
            }
        }
        std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    if neg {
        -v
    } else {
        v
    }
}

/// The value of a hexadecimal float's digits after `0x` (`1.8p3`): close enough for a
/// sleep duration (digits beyond f64 precision are rounded by the accumulation).
fn hex_float(h: &[u8]) -> f64 {
    let mut v = 0.0f64;
    let mut scale = 0i32;
    let mut i = 0;
    while let Some(d) = h.get(i).and_then(|b| (*b as char).to_digit(16)) {
        v = v * 16.0 + f64::from(d);
        i += 1;
    }
    if h.get(i) == Some(&b'.') {
        i += 1;
        while let Some(d) = h.get(i).and_then(|b| (*b as char).to_digit(16)) {
            v = v * 16.0 + f64::from(d);
            scale -= 4;
            i += 1;
        }
    }
    if matches!(h.get(i), Some(b'p' | b'P')) {
        let mut j = i + 1;
        let neg = match h.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let mut e: i32 = 0;
        let mut any = false;
        while let Some(d) = h.get(j).filter(|b| b.is_ascii_digit()) {
            e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
            any = true;
            j += 1;
        }
        if any {
            scale = scale.saturating_add(if neg { -e } else { e });
        }
    }
    v * 2f64.powi(scale)
}

/// How long DEBUG SLEEP sleeps, as Redis's `debugCommand` computes it: `long long utime =
/// strtod(arg) * 1000000`, then `nanosleep`. The conversion of a NaN or out-of-range double
/// gives LLONG_MIN on x86-64, and nanosleep refuses a negative time at once, so `1e20`,
/// `9223372036854775807`, `inf`, `nan` and negative values return at once, as in Redis.
fn debug_sleep_duration(arg: &[u8]) -> Option<std::time::Duration> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let us = strtod(arg) * 1_000_000.0;
    let utime = if us.is_nan() || !(-TWO_63..TWO_63).contains(&us) {
        i64::MIN
    } else {
        us as i64
    };
    (utime > 0).then(|| std::time::Duration::from_micros(utime as u64))
}

/// The DEBUG HELP text: Redis 7.0's subcommands that emu implements, and the ones it
/// accepts as no-ops (with why).
const HELP: &[&str] = &[
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance (INFO replication master_replid).",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message.",
    "LOADAOF",
    "    Rebuild the dataset from the data directory's snapshot and log, as a restart",
    "    would (emu's log is its AOF); an error without a data directory.",
    "LOG <message>",
    "    No-op: emu keeps no server log. Replies OK.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value. serializedlength is an",
    "    estimate of the value's RDB size (emu writes no RDB); `Value at` is not an address.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the dataset on disk and reload it back to memory (a snapshot round trip).",
    "    By default it will save the dataset and empty it before loading. Options:",
    "    * MERGE: merge the loaded keys and libraries into the dataset (replacing).",
    "    * NOFLUSH: do not empty the dataset before loading.",
    "    * NOSAVE: load the last saved snapshot instead of saving first.",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Checked as Redis checks it, then a no-op: emu's lists are not quicklists, so",
    "    there are no plain or packed nodes.",
    "LISTPACK <key>",
    "    No-op for a listpack-encoded value (Redis prints the listpack on its stdout);",
    "    'Not a listpack encoded object.' otherwise.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    No-op: emu's DUMP/RESTORE payloads are always checked.",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys (a stream's is",
    "    emu's own: from its contents, not from listpack bytes).",
    "STRINGMATCH-LEN, JMAP, HTSTATS, SDSLEN, crash and allocator",
    "    subcommands (ASSERT, PANIC, SEGFAULT, OOM, MALLCTL, ...) are not implemented.",
];

/// `DEBUG PROTOCOL <type>` replies (Redis `debugCommand`), byte-identical in RESP2 and RESP3.
fn protocol(ctx: &mut Ctx, name: &[u8]) -> Result<Value> {
    let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
    let ints = || (0..3).map(Value::Int).collect::<Vec<_>>();
    Ok(if is("string") {
        Value::bulk("Hello World")
    } else if is("integer") {
        Value::Int(12345)
    } else if is("double") {
        // Redis's literal, not π.
        #[allow(clippy::approx_constant)]
        Value::Double(3.141)
    } else if is("bignum") {
        Value::BigNumber("1234567999999999999999999999999999999".into())
    } else if is("null") {
        Value::Nil
    } else if is("array") {
        Value::Array(ints())
    } else if is("set") {
        Value::Set(ints())
    } else if is("map") {
        Value::Map(
            (0..3)
                .map(|j| (Value::Int(j), Value::Bool(j == 1)))
                .collect(),
        )
    } else if is("attrib") {
        Value::Attribute(
            vec![(
                Value::bulk("key-popularity"),
                Value::Array(vec![Value::bulk("key:123"), Value::Int(90)]),
            )],
            Box::new(Value::bulk("Some real reply following the attribute")),
        )
    } else if is("push") {
        if ctx.resp() < 3 {
            return Err(Error::err("RESP2 is not supported by this command"));
        }
        // The push goes out before the reply (through the client's push queue).
        let push = Value::Push(vec![Value::bulk("server-cpu-usage"), Value::Int(42)]);
        if let Some(mb) = &ctx.session.pubsub {
            mb.push_encoded(crate::resp::to_bytes(&push, 3));
        }
        Value::bulk("Some real reply following the push reply")
    } else if is("verbatim") {
        Value::Verbatim("txt".into(), b"This is a verbatim\nstring".to_vec())
    } else if is("true") {
        Value::Bool(true)
    } else if is("false") {
        Value::Bool(false)
    } else {
        return Err(Error::err(
            "Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    })
}

/// An estimate of a value's RDB size (DEBUG OBJECT `serializedlength`): a length prefix per
/// string, integers in their short encodings, small aggregates as one listpack-like blob.
fn serialized_length(obj: &Object) -> usize {
    fn string(b: &[u8]) -> usize {
        if let Some(n) = crate::util::parse_i64(b) {
            if (-(1 << 7)..1 << 7).contains(&n) {
                return 2;
            } else if (-(1 << 15)..1 << 15).contains(&n) {
                return 3;
            } else if (-(1 << 31)..1 << 31).contains(&n) {
                return 5;
            }
        }
        let prefix = if b.len() < 64 {
            1
        } else if b.len() < 16384 {
            2
        } else {
            5
        };
        prefix + b.len()
    }
    match obj {
        Object::Str(s) => string(s),
        Object::List(l) => 2 + l.iter().map(string).sum::<usize>(),
        Object::Hash(h) => 1 + h.iter().map(|(f, v)| string(f) + string(v)).sum::<usize>(),
        Object::Set(s) => 1 + s.iter().map(|m| string(&m)).sum::<usize>(),
        Object::ZSet(z) => 1 + z.iter().map(|(m, _)| string(m) + 9).sum::<usize>(),
        Object::Stream(st) => st.heap_bytes() / 2,
    }
}

/// `DEBUG OBJECT key` (Redis's line; see HELP for what is estimated).
fn object(ctx: &mut Ctx, key: &[u8]) -> Result<Value> {
    ctx.no_touch();
    let now = ctx.store.clock.now_ms();
    let cfg = ctx.store.config.clone();
    // The raw keyspace, as Redis's `dictFind`: a key past its TTL that nothing reclaimed
    // yet is still described (and not deleted by looking).
    let db = ctx.session.db;
    let dict = &ctx.store.dbs[db].dict;
    let Some(e) = dict.find_slot(key).map(|i| dict.at(i)) else {
        return Err(Error::err("no such key"));
    };
    let enc = e.encoding(&cfg);
    let lru = e.lru() & crate::keyspace::memory::LRU_CLOCK_MAX;
    let idle = crate::keyspace::memory::idle_ms(e.lru(), now) / 1000;
    let addr = 0x7f00_0000_0000usize + (e as *const _ as usize & 0xff_ffff_fff0);
    let mut line = format!(
        "Value at:{addr:#x} refcount:1 encoding:{enc} serializedlength:{} lru:{lru} lru_seconds_idle:{idle}",
        serialized_length(&e.obj)
    );
    if let Object::List(l) = &e.obj {
        let bytes: usize = l.iter().map(|v| v.len() + 1).sum::<usize>() + 7;
        line.push_str(&format!(
            " ql_nodes:1 ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:0 ql_uncompressed_size:{bytes}",
            l.len() as f64,
            cfg.list_max_listpack_size
        ));
    }
    Ok(Value::Simple(line))
}

/// `DEBUG POPULATE count [prefix] [size]` (Redis `debugCommand`): `prefix:N` = `value:N`,
/// padded with zero bytes or cut to `size`; existing keys are left alone.
fn populate(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    // getPositiveLongFromObjectOrReply: one error for a negative or non-numeric value.
    let positive = |a: &[u8]| {
        crate::util::parse_i64(a)
            .filter(|n| *n >= 0)
            .ok_or_else(|| Error::err("value is out of range, must be positive"))
    };
    let count = positive(argv[2])?;
    let prefix: &[u8] = argv.get(3).copied().unwrap_or(b"key");
    let size = match argv.get(4) {
        Some(a) => Some(positive(a)? as usize),
        None => None,
    };
    for j in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{j}").as_bytes());
        if ctx.exists(&key) {
            continue;
        }
        let mut val = format!("value:{j}").into_bytes();
        if let Some(n) = size {
            val.resize(n, 0);
        }
        // Not logged, as Redis does not propagate it.
        ctx.insert(&key, Object::string(val));
        ctx.modified_silently(&key);
    }
    Ok(Value::ok())
}

/// # Format
/// `DEBUG <subcommand> [arg …]` — see DEBUG HELP (the module's `HELP` table).
///
/// DEBUG SLEEP blocks the whole server for the duration, as in Redis (it holds the store),
/// but ends early when a shutdown is requested (`util::shutdown`).
pub fn debug(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let sub = argv[1];
    let is = |n: &str| sub.eq_ignore_ascii_case(n.as_bytes());
    let n = argv.len();
    if is("help") && n == 2 {
        return Ok(crate::engine::spec::help_reply("debug", HELP));
    }
    if is("reload") {
        let mut opts = crate::engine::ReloadOptions {
            save: true,
            flush: true,
            merge: false,
        };
        for opt in &argv[2..] {
            if opt.eq_ignore_ascii_case(b"merge") {
                opts.merge = true;
            } else if opt.eq_ignore_ascii_case(b"noflush") {
                opts.flush = false;
            } else if opt.eq_ignore_ascii_case(b"nosave") {
                opts.save = false;
            } else {
                return Err(Error::err(
                    "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                ));
            }
        }
        return (ctx.store.services().reload)(ctx.store, opts).map(|()| Value::ok());
    }
    if is("loadaof") && n == 2 {
        return (ctx.store.services().load_log)(ctx.store).map(|()| Value::ok());
    }
    if is("sleep") && n == 3 {
        if let Some(d) = debug_sleep_duration(argv[2]) {
            crate::util::shutdown::sleep_unless_requested(d);
        }
        return Ok(Value::ok());
    }
    if is("set-disable-deny-scripts") && n == 3 {
        // atoi(), as Redis: anything not a number is 0.
        ctx.store.disable_deny_script = atoi(argv[2]) != 0;
        return Ok(Value::ok());
    }
    if is("pause-cron") && n == 3 {
        // atoi(), as Redis: anything not a number is 0.
        ctx.store.cron_paused = atoi(argv[2]) != 0;
        return Ok(Value::ok());
    }
    if is("set-active-expire") && n == 3 {
        // atoi(): anything not a number is 0.
        ctx.store.config.active_expire_enabled = atoi(argv[2]) != 0;
        return Ok(Value::ok());
    }
    if is("protocol") && n == 3 {
        return protocol(ctx, argv[2]);
    }
    if is("object") && n == 3 {
        return object(ctx, argv[2]);
    }
    if is("error") && n == 3 {
        return Err(Error::new(
            ErrorKind::Other,
            crate::engine::sanitize(&String::from_utf8_lossy(argv[2])),
        ));
    }
    if is("log") && n == 3 {
        return Ok(Value::ok());
    }
    if is("change-repl-id") && n == 2 {
        if let Some(l) = &ctx.session.link {
            l.server.change_repl_id();
        }
        return Ok(Value::ok());
    }
    if is("populate") && (3..=5).contains(&n) {
        return populate(ctx, argv);
    }
    if is("quicklist-packed-threshold") && n == 3 {
        let ok = crate::config::memtoull(argv[2]).is_some_and(|v| v <= 1 << 32);
        if !ok {
            return Err(Error::err(
                "argument must be a memory value bigger than 1 and smaller than 4gb",
            ));
        }
        return Ok(Value::ok());
    }
    if is("listpack") && n == 3 {
        ctx.no_touch();
        let cfg = ctx.store.config.clone();
        let Some(e) = ctx.entry(argv[2]) else {
            return Err(Error::err("no such key"));
        };
        if e.encoding(&cfg) != "listpack" {
            return Err(Error::err("Not a listpack encoded object."));
        }
        return Ok(Value::Simple("Listpack structure printed on stdout".into()));
    }
    if is("digest") && n == 2 {
        return Ok(Value::Simple(super::digest::dataset_digest(&ctx.store.dbs)));
    }
    if is("digest-value") {
        // Logically expired keys count too (no expiry on lookup, as Redis's dictFind).
        let db = &ctx.store.dbs[ctx.session.db];
        let out = argv[2..]
            .iter()
            .map(|k| Value::Simple(super::digest::value_digest(db.dict.get(k))))
            .collect();
        return Ok(Value::Array(out));
    }
    if is("set-skip-checksum-validation") && n == 3 {
        return Ok(Value::ok());
    }
    Err(Error::new(
        ErrorKind::UnknownCommand,
        crate::engine::sanitize(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(sub)
        )),
    ))
}

/// C `atoi`: optional white space and sign, then digits; 0 when there are none.
fn atoi(a: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(a);
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let d: String = digits.chars().take_while(char::is_ascii_digit).collect();
    let v = d.parse::<i64>().unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::{debug_sleep_duration, strtod};
    use std::time::Duration;

    #[test]
    fn strtod_like_c() {
        assert_eq!(strtod(b"1.5"), 1.5);
        assert_eq!(strtod(b"0.5"), 0.5);
        assert_eq!(strtod(b"2x"), 2.0);
        assert_eq!(strtod(b""), 0.0);
        assert_eq!(strtod(b"  -2e3xyz"), -2000.0);
        assert_eq!(strtod(b"1e"), 1.0);
        assert_eq!(strtod(b".5"), 0.5);
        assert_eq!(strtod(b"5."), 5.0);
        assert_eq!(strtod(b"."), 0.0);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(strtod(b"0x10"), 16.0);
        assert_eq!(strtod(b"0x1.8p1"), 3.0);
        assert_eq!(strtod(b"0xg"), 0.0);
        assert_eq!(strtod(b"Infinity"), f64::INFINITY);
        assert!(strtod(b"nan").is_nan());
    }

    #[test]
    fn debug_sleep_values_as_redis() {
        let d = |s: &str| debug_sleep_duration(s.as_bytes());
        assert_eq!(d("0.2"), Some(Duration::from_millis(200)));
        assert_eq!(d("0"), None);
        assert_eq!(d("abc"), None);
        assert_eq!(d("-1"), None);
        // Overflowing `long long` gives LLONG_MIN: Redis returns at once.
        for s in ["1e20", "9223372036854775807", "inf", "nan", "-inf", "1e300"] {
            assert_eq!(d(s), None, "{s}");
        }
        // Just below the overflow it really sleeps (for ~292,000 years).
        assert!(d("9223372036854").is_some());
    }
}
