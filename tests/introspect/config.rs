//! CONFIG against redis-server 7.0: the names `CONFIG GET *` lists, and CONFIG SET / GET of
//! the parameters emu stores without acting on them (replication, cluster, defrag, …) with
//! Redis's validation errors.

use std::collections::BTreeSet;

use crate::util::{refs, words, Pair, R};

/// Redis 7.0 parameters emu does not list (TLS: emu has no TLS listener; maxmemory-clients:
/// no client eviction).
const NOT_IN_EMU: &[&str] = &["maxmemory-clients"];

fn names(reply: &[u8]) -> BTreeSet<String> {
    R::parse(reply)
        .items()
        .chunks(2)
        .map(|c| match &c[0] {
            R::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// Every parameter set to the value emu shows for it (Redis's suite does this in "CONFIG
/// sanity"): the same reply as redis-server's, so the same ones are immutable. `port` and
/// `bind` are left out (each server's own address), and the ones whose value differs by
/// design (paths of the server's own files) are set on both to emu's value all the same.
#[test]
fn config_set_to_own_value_as_redis() {
    let Some(mut p) = Pair::start("CONFIG SET of every parameter") else {
        return;
    };
    let (e, _) = p.both(&[b"CONFIG", b"GET", b"*"]);
    let all = R::parse(&e);
    for kv in all.items().chunks(2) {
        let (R::Bulk(k), R::Bulk(v)) = (&kv[0], &kv[1]) else {
            panic!("{kv:?}")
        };
        if k.as_slice() == b"port" || k.as_slice() == b"bind" || k.starts_with(b"tls-") {
            continue;
        }
        let (a, b) = p.both(&[b"CONFIG", b"SET", k.as_slice(), v.as_slice()]);
        // Only immutability is compared: a value emu shows may be one Redis refuses (a
        // path, a default that differs), which is not what this checks.
        let immutable = |r: &[u8]| String::from_utf8_lossy(r).contains("can't set immutable");
        assert_eq!(
            immutable(&a),
            immutable(&b),
            "{}: emu {:?}, redis {:?}",
            String::from_utf8_lossy(k.as_slice()),
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
}

#[test]
fn config_get_star_names_as_redis() {
    let Some(mut p) = Pair::start("CONFIG GET *") else {
        return;
    };
    let (e, r) = p.both(&[b"CONFIG", b"GET", b"*"]);
    let (e, r) = (names(&e), names(&r));
    let extra: Vec<&String> = e.difference(&r).collect();
    assert!(
        extra.is_empty(),
        "emu lists parameters Redis does not: {extra:?}"
    );
    let missing: Vec<&String> = r
        .difference(&e)
        .filter(|n| !n.starts_with("tls-") && !NOT_IN_EMU.contains(&n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "Redis parameters emu lacks: {missing:?}"
    );
}

#[test]
fn stored_parameters_set_and_get_as_redis() {
    let Some(mut p) = Pair::start("CONFIG SET stored") else {
        return;
    };
    for line in [
        "CONFIG SET repl-timeout 0",
        "CONFIG SET repl-timeout 30",
        "CONFIG GET repl-timeout",
        "CONFIG SET repl-backlog-size 2mb",
        "CONFIG GET repl-backlog-size",
        "CONFIG SET repl-backlog-size 0",
        "CONFIG SET replica-priority 5",
        "CONFIG GET slave-priority",
        "CONFIG SET slave-serve-stale-data no",
        "CONFIG GET replica-serve-stale-data",
        "CONFIG SET replica-serve-stale-data maybe",
        "CONFIG SET acl-pubsub-default foo",
        "CONFIG SET acl-pubsub-default ALLCHANNELS",
        "CONFIG GET acl-pubsub-default",
        "CONFIG SET shutdown-on-sigint bad",
        "CONFIG SET replicaof 127.0.0.1",
        "CONFIG SET slaveof 127.0.0.1",
        "CONFIG SET cluster-node-timeout 5000",
        "CONFIG GET cluster-node-timeout",
        "CONFIG SET cluster-port 1",
        "CONFIG SET masteruser bob",
        "CONFIG GET masteruser",
        "CONFIG SET active-defrag-cycle-max 100",
        "CONFIG SET tracking-table-max-keys -1",
        "CONFIG SET tracking-table-max-keys 10",
        "CONFIG GET tracking-table-max-keys",
        "CONFIG SET unixsocketperm 1",
        "CONFIG SET min-slaves-to-write 2",
        "CONFIG GET min-replicas-to-write",
        "CONFIG SET repl-diskless-load swapdb",
        "CONFIG GET repl-diskless-load",
        "CONFIG SET min-replicas-to-write 0",
    ] {
        p.same(&refs(&words(line)));
    }
    // Several words for a multi-choice parameter.
    p.same(&[b"CONFIG", b"SET", b"shutdown-on-sigint", b"save now"]);
    p.same(&[b"CONFIG", b"GET", b"shutdown-on-sigint"]);
    p.same(&[b"CONFIG", b"SET", b"masterauth", b"secret"]);
}
