use super::*;

fn spec(name: &str) -> &'static ConfigSpec {
    lookup(name.as_bytes()).unwrap().0
}

fn get(cfg: &Config, name: &str) -> String {
    spec(name).get(cfg)
}

fn set(cfg: &mut Config, name: &str, v: &str) -> Result<(), Reason> {
    spec(name).set(cfg, v.as_bytes())
}

#[test]
fn every_default_parses_and_reads_back_through_get() {
    let cfg = Config::default();
    for s in TABLE {
        let shown = s.get(&cfg);
        assert_eq!(shown, s.default, "{}: default is not canonical", s.name);
        let mut again = Config::blank();
        assert_eq!(
            s.set(&mut again, s.default.as_bytes()),
            Ok(()),
            "{}",
            s.name
        );
        assert_eq!(s.get(&again), shown, "{}", s.name);
        // GET's text is accepted by SET and gives itself back.
        let mut round = cfg.clone();
        assert_eq!(s.set(&mut round, shown.as_bytes()), Ok(()), "{}", s.name);
        assert_eq!(s.get(&round), shown, "{}", s.name);
    }
}

#[test]
fn names_are_unique_and_lowercase() {
    let names: Vec<&str> = entries().map(|(_, n)| n).collect();
    for (i, n) in names.iter().enumerate() {
        assert_eq!(*n, n.to_ascii_lowercase());
        assert!(!names[..i].contains(n), "{n} twice");
    }
    assert_eq!(names.len(), 172);
}

#[test]
fn defaults_are_redis_7_0s_and_emus() {
    let c = Config::default();
    assert_eq!(c.databases, 16);
    assert_eq!(c.hash_max_listpack_entries, 512);
    assert_eq!(c.hash_max_listpack_value, 64);
    assert_eq!(c.set_max_intset_entries, 512);
    assert_eq!(c.zset_max_listpack_entries, 128);
    assert_eq!(c.zset_max_listpack_value, 64);
    assert_eq!(c.hll_sparse_max_bytes, 3000);
    assert_eq!(c.list_max_listpack_size, -2);
    assert_eq!(c.notify_keyspace_events, 0);
    assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(c.requirepass(), None);
    assert_eq!(c.timeout, 0);
    assert_eq!(c.maxmemory_policy, MaxmemoryPolicy::Noeviction);
    assert_eq!(
        c.client_output_buffer_limit.pubsub,
        ObufLimit {
            hard: 32 << 20,
            soft: 8 << 20,
            soft_secs: 60
        }
    );
    assert!(c.save.is_empty());
    // Text defaults are borrowed: cloning a default config allocates nothing for them.
    assert!(matches!(c.dbfilename, Text::Borrowed(_)));
    assert!(matches!(c.bind, Text::Borrowed(_)));
}

#[test]
fn aliases_reach_the_same_field() {
    let mut c = Config::default();
    set(&mut c, "HASH-MAX-ZIPLIST-ENTRIES", "7").unwrap();
    assert_eq!(c.hash_max_listpack_entries, 7);
    assert_eq!(get(&c, "hash-max-listpack-entries"), "7");
    let (s, matched) = lookup(b"Lua-Time-Limit").unwrap();
    assert_eq!(
        (s.name, matched),
        ("busy-reply-threshold", "lua-time-limit")
    );
    assert!(lookup(b"nosuch").is_none());
}

/// Invalid values get Redis 7.0.15's reason texts (checked against redis-server).
#[test]
fn invalid_values_get_redis_texts() {
    let cases: &[(&str, &str, &str)] = &[
        ("timeout", "abc", "argument couldn't be parsed into an integer"),
        ("timeout", "+5", "argument couldn't be parsed into an integer"),
        ("timeout", "", "argument couldn't be parsed into an integer"),
        ("timeout", "-1", "argument must be between 0 and 2147483647 inclusive"),
        ("maxmemory-samples", "0", "argument must be between 1 and 2147483647 inclusive"),
        ("maxclients", "-1", "argument must be between 1 and 4294967295 inclusive"),
        ("hash-max-listpack-entries", "-1", "argument must be between 0 and 9223372036854775807 inclusive"),
        ("maxmemory", "-1", "argument must be a memory value"),
        ("maxmemory", "1.5gb", "argument must be a memory value"),
        ("hash-max-listpack-value", " 5", "argument must be a memory value"),
        ("hash-max-listpack-value", "99999999999999999999", "argument must be between 0 and 9223372036854775807 inclusive"),
        ("proto-max-bulk-len", "100", "argument must be between 1048576 and 9223372036854775807 inclusive"),
        ("proto-max-bulk-len", "", "argument must be between 1048576 and 9223372036854775807 inclusive"),
        ("proto-max-bulk-len", "99999999999999999999", "argument must be between 1048576 and 9223372036854775807 inclusive"),
        ("slowlog-log-slower-than", "-2", "argument must be between -1 and 9223372036854775807 inclusive"),
        ("list-max-listpack-size", "-3000000000", "argument must be between -2147483648 and 2147483647 inclusive"),
        ("appendonly", "maybe", "argument must be 'yes' or 'no'"),
        ("appendfsync", "sometimes", "argument(s) must be one of the following: everysec, always, no"),
        ("maxmemory-policy", "foo", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
        ("notify-keyspace-events", "Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        ("save", "100", "Invalid save parameters"),
        ("save", "0 0", "Invalid save parameters"),
        ("save", "100 -1", "Invalid save parameters"),
        ("save", "100 2 ", "Invalid save parameters"),
        ("save", " 100 2", "Invalid save parameters"),
        ("client-output-buffer-limit", "pubsub 1 2", "Wrong number of arguments in buffer limit configuration."),
        ("client-output-buffer-limit", "pubsub  1 2 3", "Wrong number of arguments in buffer limit configuration."),
        ("client-output-buffer-limit", "master 1 2 3", "Invalid client class specified in buffer limit configuration."),
        ("client-output-buffer-limit", "foo 1 2 3 pubsub 1 x 3", "Invalid client class specified in buffer limit configuration."),
        ("client-output-buffer-limit", "pubsub 1 x 3 foo 1 2 3", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
        ("client-output-buffer-limit", "pubsub -1 2 3", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
        ("client-output-buffer-limit", "pubsub 1 2 3x", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
    ];
    for &(name, value, reason) in cases {
        let mut c = Config::default();
        let before = get(&c, name);
        assert_eq!(
            set(&mut c, name, value).unwrap_err(),
            reason,
            "{name} {value:?}"
        );
        assert_eq!(get(&c, name), before, "{name} changed by a refused value");
    }
}

/// Accepted values read back as redis-server shows them.
#[test]
fn accepted_values_read_back_as_redis_shows_them() {
    let cases: &[(&str, &str, &str)] = &[
        ("maxmemory", "10mb", "10485760"),
        ("maxmemory", "1Kb", "1024"),
        ("maxmemory", "", "0"),
        ("maxmemory", "kb", "0"),
        ("maxmemory", "99999999999999999999", "18446744073709551615"),
        ("maxmemory", "99999999999999999gb", "1685049947004600320"),
        ("hash-max-listpack-value", "1kb", "1024"),
        ("stream-node-max-bytes", "", "0"),
        ("appendonly", "YES", "yes"),
        ("loglevel", "Warning", "warning"),
        ("maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"),
        ("hz", "0", "1"),
        ("hz", "600", "500"),
        ("save", "", ""),
        ("save", "100 2 50 3", "100 2 50 3"),
        ("save", "100 ", "100 0"),
        ("save", "+100 -0", "100 0"),
        ("save", "100 99999999999", "100 1215752191"),
        ("save", "99999999999999999999 1", "9223372036854775807 1"),
        ("notify-keyspace-events", "KEA", "AKE"),
        ("notify-keyspace-events", "Kx$lg", "g$lxK"),
        ("notify-keyspace-events", "A$", "A"),
        (
            "client-output-buffer-limit",
            "",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        (
            "client-output-buffer-limit",
            "PUBSUB 1kb 2MB 3",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1024 2097152 3",
        ),
        (
            "client-output-buffer-limit",
            "replica 1 2 3 normal 4 5 6",
            "normal 4 5 6 slave 1 2 3 pubsub 33554432 8388608 60",
        ),
        (
            "client-output-buffer-limit",
            "pubsub 1 2 3 pubsub 4 5 +6",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 4 5 6",
        ),
        (
            "client-output-buffer-limit",
            "pubsub 1 2 ",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1 2 0",
        ),
        (
            "client-output-buffer-limit",
            "pubsub 1 2 99999999999",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1 2 1215752191",
        ),
    ];
    for &(name, value, shown) in cases {
        let mut c = Config::default();
        assert_eq!(set(&mut c, name, value), Ok(()), "{name} {value:?}");
        assert_eq!(get(&c, name), shown, "{name} {value:?}");
    }
}

#[test]
fn typed_fields_hold_the_parsed_value() {
    let mut c = Config::default();
    set(&mut c, "client-output-buffer-limit", "pubsub 100kb 0 0").unwrap();
    assert_eq!(
        c.client_output_buffer_limit.pubsub,
        ObufLimit {
            hard: 102400,
            soft: 0,
            soft_secs: 0
        }
    );
    set(&mut c, "requirepass", "s3cret").unwrap();
    assert_eq!(c.requirepass(), Some("s3cret"));
    set(&mut c, "requirepass", "").unwrap();
    assert_eq!(c.requirepass(), None);
    set(&mut c, "timeout", "30").unwrap();
    assert_eq!(c.timeout, 30);
    set(&mut c, "proto-max-bulk-len", "1mb").unwrap();
    assert_eq!(c.proto_max_bulk_len, 1 << 20);
    set(&mut c, "notify-keyspace-events", "Elg").unwrap();
    assert_eq!(
        c.notify_keyspace_events,
        notify::KEYEVENT | notify::LIST | notify::GENERIC
    );
}

#[test]
fn set_initial_takes_immutable_parameters() {
    let mut c = Config::default();
    assert!(spec("databases").is_immutable());
    c.set_initial("databases", b"7").unwrap();
    assert_eq!((c.databases, get(&c, "databases").as_str()), (7, "7"));
    c.set_initial("dir", b"/data").unwrap();
    assert_eq!(&*c.dir, "/data");
    assert_eq!(
        c.set_initial("port", b"70000").unwrap_err(),
        "argument must be between 0 and 65535 inclusive"
    );
    assert_eq!(
        c.set_initial("nosuch", b"1").unwrap_err(),
        "unknown parameter 'nosuch'"
    );
}
