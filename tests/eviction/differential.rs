//! Against a real redis-server: the same commands, replies compared byte for byte; the same
//! eviction workload, outcomes compared within tolerances (sampling differs).

use crate::server_util::*;

const OOM: &[u8] = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n";

/// An emu server and a real Redis, or None when redis-server is missing.
fn pair(why: &str) -> Option<(emu::Redis, emu::server::Running, RealRedis)> {
    let real = start_real_redis(why)?;
    let (redis, running) = start();
    Some((redis, running, real))
}

fn emu_addr(running: &emu::server::Running) -> std::net::SocketAddr {
    running.addr().expect("tcp")
}

fn info_field(c: &mut Raw, name: &str) -> u64 {
    let reply = c.cmds("INFO everything");
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name}"))
        .trim()
        .parse()
        .unwrap()
}

fn int_reply(b: &[u8]) -> i64 {
    std::str::from_utf8(&b[1..b.len() - 2])
        .unwrap()
        .parse()
        .unwrap()
}

/// The same script of commands on both; every reply identical.
fn same_replies(emu: &mut Raw, real: &mut Raw, script: &[&[&[u8]]]) {
    for argv in script {
        let a = emu.cmd(argv);
        let b = real.cmd(argv);
        // OBJECT IDLETIME reads the clock's second: the two servers are asked one after the
        // other, so a second may tick in between.
        if argv.len() == 3 && argv[1].eq_ignore_ascii_case(b"IDLETIME") && a[0] == b':' {
            let (x, y) = (int_reply(&a), int_reply(&b));
            assert!((x - y).abs() <= 1, "OBJECT IDLETIME: emu {x}, redis {y}");
            continue;
        }
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "{:?}",
            argv.iter()
                .map(|a| String::from_utf8_lossy(a))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn oom_multi_and_script_replies_match_redis() {
    let Some((_r, running, real)) = pair("OOM replies") else {
        return;
    };
    let mut e = Raw::connect(emu_addr(&running));
    let mut x = Raw::connect(real.addr);
    let ev: &[&[&[u8]]] = &[
        &[b"SET", b"seed", b"v"],
        &[b"CONFIG", b"SET", b"maxmemory-policy", b"noeviction"],
        &[b"CONFIG", b"SET", b"maxmemory", b"1"],
        &[b"SET", b"a", b"b"],
        &[b"LPUSH", b"l", b"x"],
        &[b"GET", b"seed"],
        &[b"DEL", b"nothing"],
        &[b"MULTI"],
        &[b"GET", b"seed"],
        &[b"SET", b"a", b"b"],
        &[b"EXEC"],
        &[b"MULTI"],
        &[b"DISCARD"],
        // XGROUP's denyoom subcommands (CREATE, CREATECONSUMER) and a plain write one.
        &[b"XGROUP", b"CREATE", b"s", b"g", b"$", b"MKSTREAM"],
        &[b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"c"],
        &[b"XGROUP", b"DESTROY", b"s", b"g"],
        &[b"EVAL", b"return redis.call('set','x','y')", b"0"],
        &[b"EVAL", b"return redis.pcall('set','x','y')", b"0"],
        &[b"EVAL", b"return redis.call('get','seed')", b"0"],
        &[b"EVAL", b"#!lua\nreturn redis.call('set','x','y')", b"0"],
        &[
            b"EVAL",
            b"#!lua flags=allow-oom\nreturn redis.call('set','x','y')",
            b"0",
        ],
        &[
            b"EVAL",
            b"#!lua flags=no-writes\nreturn redis.call('get','x')",
            b"0",
        ],
        &[b"OBJECT", b"FREQ", b"seed"],
        &[b"CONFIG", b"SET", b"maxmemory", b"0"],
        &[b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lfu"],
        &[b"SET", b"f", b"v"],
        &[b"OBJECT", b"FREQ", b"f"],
        &[b"GET", b"f"],
        &[b"OBJECT", b"FREQ", b"f"],
        &[b"OBJECT", b"IDLETIME", b"f"],
        &[b"OBJECT", b"FREQ", b"missing"],
        &[b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lru"],
        &[b"OBJECT", b"FREQ", b"f"],
        &[b"OBJECT", b"IDLETIME", b"f"],
        &[b"CONFIG", b"GET", b"maxmemory-policy"],
    ];
    same_replies(&mut e, &mut x, ev);
    // And the refusal is Redis's shared error, exactly.
    e.cmds("CONFIG SET maxmemory-policy noeviction");
    e.cmds("CONFIG SET maxmemory 1");
    assert_eq!(e.cmds("SET a b"), OOM);
}

/// An empty server is over `maxmemory 1` (its own structures count, as Redis's
/// `used_memory` counts them): under every policy a denyoom command is refused with the OOM
/// error, scripts that write and FUNCTION LOAD too, while reads still run (Redis's suite:
/// "Script - disallow write on OOM", "FUNCTION - verify OOM on function load").
#[test]
fn empty_server_is_over_one_byte() {
    let Some((_r, running, real)) = pair("maxmemory 1 on an empty server") else {
        return;
    };
    let mut e = Raw::connect(emu_addr(&running));
    let mut x = Raw::connect(real.addr);
    for policy in [&b"noeviction"[..], b"allkeys-lru", b"volatile-ttl"] {
        let ev: &[&[&[u8]]] = &[
            &[b"FLUSHALL"],
            &[b"CONFIG", b"SET", b"maxmemory-policy", policy],
            &[b"CONFIG", b"SET", b"maxmemory", b"1"],
            &[b"SET", b"a", b"b"],
            &[b"GET", b"a"],
            &[b"DBSIZE"],
            &[b"EVAL", b"return redis.call('set','x','y')", b"0"],
            &[b"EVAL", b"#!lua\nreturn redis.call('set','x','y')", b"0"],
            &[
                b"FUNCTION",
                b"LOAD",
                b"#!lua name=oomlib\nredis.register_function('f', function() return 1 end)",
            ],
            &[b"CONFIG", b"SET", b"maxmemory", b"0"],
            &[b"SET", b"a", b"b"],
            &[b"DBSIZE"],
        ];
        same_replies(&mut e, &mut x, ev);
    }
    let used = info_field(&mut e, "used_memory");
    let startup = info_field(&mut e, "used_memory_startup");
    assert!(startup > 500_000 && used > startup, "{used} {startup}");
}

/// Client buffers count in `used_memory` (Redis's suite: "eviction due to output buffers
/// of pubsub"): with 2 MB of data and `maxmemory` 3 MB over the empty server, subscribers
/// that do not read make both servers evict keys as their backlogs grow (the data alone
/// never would), and emu's `mem_clients_normal` shows the backlog.
#[test]
fn subscriber_backlogs_make_keys_evicted() {
    let Some((_r, running, real)) = pair("client buffers and eviction") else {
        return;
    };
    for addr in [emu_addr(&running), real.addr] {
        let mut c = Raw::connect(addr);
        let empty = info_field(&mut c, "used_memory");
        c.cmds("CONFIG SET maxmemory-policy allkeys-lru");
        c.cmd(&[
            b"CONFIG",
            b"SET",
            b"maxmemory",
            (empty + (3 << 20)).to_string().as_bytes(),
        ]);
        let value = vec![b'v'; 100_000];
        for i in 0..20 {
            c.cmd(&[b"SET", i.to_string().as_bytes(), &value]);
        }
        assert_eq!(int_reply(&c.cmds("DBSIZE")), 20);
        assert_eq!(info_field(&mut c, "evicted_keys"), 0);
        let mut subs: Vec<Raw> = (0..10).map(|_| Raw::connect(addr)).collect();
        for s in &mut subs {
            s.cmds("SUBSCRIBE bla");
        }
        let big = vec![b'x'; 100_000];
        let mut evicted = 0;
        for _ in 0..2000 {
            c.cmd(&[b"PUBLISH", b"bla", &big]);
            evicted = info_field(&mut c, "evicted_keys");
            if evicted > 0 {
                break;
            }
        }
        assert!(evicted > 0, "{addr}: no key evicted");
        // (Redis refreshes its figure in clientsCron, so it may still read 0 here.)
        if addr == emu_addr(&running) {
            let clients = info_field(&mut c, "mem_clients_normal");
            assert!(clients > 1 << 20, "mem_clients_normal {clients}");
        }
        drop(subs);
    }
}

/// Every command both servers know carries `denyoom` in emu iff it does in Redis 7.0
/// (COMMAND INFO's own flags; a container's subcommands, e.g. XGROUP CREATE's denyoom, are
/// not in emu's table: the dispatcher's `denyoom` knows them, tested in
/// `oom_multi_and_script_replies_match_redis`).
#[test]
fn denyoom_flags_match_redis() {
    let Some((_r, running, real)) = pair("denyoom flags") else {
        return;
    };
    let mut e = Raw::connect(emu_addr(&running));
    let mut x = Raw::connect(real.addr);
    let names = String::from_utf8(e.cmds("COMMAND LIST")).unwrap();
    let names: Vec<String> = names
        .split("\r\n")
        .filter(|l| !l.starts_with('*') && !l.starts_with('$') && !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(names.len() > 100);
    let mut differ = Vec::new();
    for n in &names {
        let ours = e.cmd(&[b"COMMAND", b"INFO", n.as_bytes()]);
        let theirs = x.cmd(&[b"COMMAND", b"INFO", n.as_bytes()]);
        if theirs.starts_with(b"*1\r\n*-1") || theirs.starts_with(b"*1\r\n$-1") {
            continue; // not a Redis 7.0 command
        }
        // The command's own flags: a container's reply goes on with its subcommands
        // (`xgroup|create` …), whose flags emu's container-level table does not carry.
        let top = |b: &[u8]| -> Vec<u8> {
            match b.iter().position(|&c| c == b'|') {
                Some(i) => b[..i].to_vec(),
                None => b.to_vec(),
            }
        };
        let has = |b: &[u8]| top(b).windows(9).any(|w| w == b"+denyoom\r");
        if has(&ours) != has(&theirs) {
            differ.push(n.clone());
        }
    }
    assert!(differ.is_empty(), "denyoom differs for {differ:?}");
}

/// The issue's workload: maxmemory over the data set, allkeys-lru, 20,000 SETs of 1 KB.
/// Both start with ~0.9 MB of their own (`used_memory_startup` and the clients): each gets
/// its own empty figure more than the data budget (2 MB).
/// Tolerances: emu's used_memory per key from 25% below Redis's (emu's entry for a 1 KB
/// value is smaller: one 1,040-byte block and a 72-byte table slot, where Redis's sds
/// takes jemalloc's 1,280-byte class besides its dictEntry and robj) to 15% above, and the
/// key count likewise from 15% below to 35% above.
/// Then LRU: the 50 oldest survivors are read (a second apart from the rest, as the LRU
/// clock has seconds resolution) and 1,000 more keys written; they survive on both.
#[test]
fn same_workload_same_outcome_allkeys_lru() {
    let Some((_r, running, real)) = pair("eviction workload") else {
        return;
    };
    let mut e = Raw::connect(emu_addr(&running));
    let mut x = Raw::connect(real.addr);
    let startup = info_field(&mut x, "used_memory");
    let startup_e = info_field(&mut e, "used_memory");
    let budget: u64 = 2 << 20;
    e.cmd(&[
        b"CONFIG",
        b"SET",
        b"maxmemory",
        (budget + startup_e).to_string().as_bytes(),
    ]);
    x.cmd(&[
        b"CONFIG",
        b"SET",
        b"maxmemory",
        (budget + startup).to_string().as_bytes(),
    ]);
    for c in [&mut e, &mut x] {
        c.cmds("CONFIG SET maxmemory-policy allkeys-lru");
    }
    let value = vec![b'x'; 1024];
    let write = |c: &mut Raw, range: std::ops::Range<u32>| {
        let mut out = Vec::new();
        for i in range.clone() {
            emu::resp::encode_request(&mut out, &[b"SET", format!("key:{i}").as_bytes(), &value]);
        }
        c.send(&out);
        for _ in range {
            let r = c.reply();
            assert_eq!(r, b"+OK\r\n", "{}", String::from_utf8_lossy(&r));
        }
    };
    for chunk in 0..20 {
        write(&mut e, chunk * 1000..(chunk + 1) * 1000);
        write(&mut x, chunk * 1000..(chunk + 1) * 1000);
    }
    let (ne, nx) = (int_reply(&e.cmds("DBSIZE")), int_reply(&x.cmds("DBSIZE")));
    let (ue, ux) = (
        info_field(&mut e, "used_memory") - startup_e,
        info_field(&mut x, "used_memory") - startup,
    );
    let (ee, ex) = (
        info_field(&mut e, "evicted_keys"),
        info_field(&mut x, "evicted_keys"),
    );
    eprintln!(
        "emu: {ne} keys, {ue} B, {ee} evicted; redis: {nx} keys, {ux} B (+{startup} startup), {ex} evicted"
    );
    assert!(ue <= budget, "emu over budget: {ue}");
    assert_eq!(ne as u64 + ee, 20_000);
    let ratio = ne as f64 / nx as f64;
    assert!(
        (0.85..=1.35).contains(&ratio),
        "dbsize emu {ne} vs redis {nx}"
    );
    let per_key = (ue as f64 / ne as f64) / (ux as f64 / nx as f64);
    assert!(
        (0.75..=1.15).contains(&per_key),
        "bytes per key ratio {per_key}"
    );

    // The 50 oldest keys present on both.
    let mut hot = Vec::new();
    for i in 15_000..20_000u32 {
        let k = format!("key:{i}");
        let on_e = e.cmd(&[b"EXISTS", k.as_bytes()]) == b":1\r\n";
        let on_x = x.cmd(&[b"EXISTS", k.as_bytes()]) == b":1\r\n";
        if on_e && on_x {
            hot.push(k);
            if hot.len() == 50 {
                break;
            }
        }
    }
    assert_eq!(hot.len(), 50);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for k in &hot {
        // Redis's used_memory moves with its buffers, so it may evict before a read too.
        x.cmd(&[b"GET", k.as_bytes()]);
        assert_ne!(e.cmd(&[b"GET", k.as_bytes()]), b"$-1\r\n");
    }
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write(&mut e, 20_000..21_000);
    write(&mut x, 20_000..21_000);
    let mut lost = [0usize; 2];
    for (n, c) in [&mut e, &mut x].into_iter().enumerate() {
        lost[n] = hot
            .iter()
            .filter(|k| c.cmd(&[b"EXISTS", k.as_bytes()]) != b":1\r\n")
            .count();
    }
    eprintln!(
        "recently read keys evicted: emu {}, redis {}",
        lost[0], lost[1]
    );
    // Sampling is an approximation, and the pool keeps idle times measured before the
    // reads: Redis loses up to ~10 of the 50 here. Without the reads these are the oldest
    // keys and would all go.
    assert!(lost[0] <= 10, "emu evicted {} recently read keys", lost[0]);
}
