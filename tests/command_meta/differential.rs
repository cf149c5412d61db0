//! COMMAND against a real redis-server, byte for byte.

use std::collections::BTreeSet;

use super::server_util::{start, start_real_redis, Raw};

fn conn(addr: std::net::SocketAddr, resp: u8) -> Raw {
    let mut c = Raw::connect(addr);
    if resp == 3 {
        c.cmds("HELLO 3");
    }
    c
}

/// Names to ask about: every emu command and every subcommand of its containers.
fn names() -> Vec<String> {
    let mut out = Vec::new();
    for spec in emu::commands::table().all() {
        if spec.name == "sentinel" {
            continue; // not in a Redis server outside sentinel mode
        }
        out.push(spec.name.to_string());
        if let Some(m) = emu::admin::command_meta::lookup(spec.name.as_bytes()) {
            out.extend(m.subcommands.iter().cloned());
        }
    }
    out
}

#[test]
fn command_info_and_docs_are_byte_identical() {
    let Some(real) = start_real_redis("COMMAND INFO/DOCS conformance") else {
        return;
    };
    let (_r, running) = start();
    let addr = running.addr().expect("tcp");
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for resp in [2u8, 3] {
        let mut a = conn(real.addr, resp);
        let mut b = conn(addr, resp);
        for name in names() {
            for sub in ["INFO", "DOCS"] {
                let argv: [&[u8]; 3] = [b"COMMAND", sub.as_bytes(), name.as_bytes()];
                let (x, y) = (a.cmd(&argv), b.cmd(&argv));
                compared += 1;
                if normalized(&x) != normalized(&y) {
                    mismatches.push(format!(
                        "RESP{resp} COMMAND {sub} {name}:\n redis {}\n emu   {}",
                        String::from_utf8_lossy(&x),
                        String::from_utf8_lossy(&y)
                    ));
                }
            }
        }
        // Several names at once, unknown ones included, mixed case.
        for line in [
            "COMMAND INFO get nosuch SET client|list client|nosuch",
            "COMMAND DOCS get nosuch SET CLIENT|LIST",
            "COMMAND INFO get|x",
            "COMMAND DOCS",
            "COMMAND INFO ",
        ] {
            if line == "COMMAND DOCS" || line == "COMMAND INFO " {
                continue; // all commands: emu has fewer, in another order
            }
            let (x, y) = (a.cmds(line), b.cmds(line));
            compared += 1;
            if normalized(&x) != normalized(&y) {
                mismatches.push(format!(
                    "RESP{resp} {line}:\n redis {}\n emu   {}",
                    String::from_utf8_lossy(&x),
                    String::from_utf8_lossy(&y)
                ));
            }
        }
    }
    assert!(compared > 400, "{compared}");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// A reply tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum T {
    Line(u8, Vec<u8>),
    Agg(u8, Vec<T>),
}

fn parse(b: &[u8], at: &mut usize) -> T {
    let tag = b[*at];
    let end = *at + b[*at..].windows(2).position(|w| w == b"\r\n").unwrap();
    let head = b[*at + 1..end].to_vec();
    *at = end + 2;
    let n: i64 = std::str::from_utf8(&head)
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    match tag {
        b'$' if n >= 0 => {
            let data = b[*at..*at + n as usize].to_vec();
            *at += n as usize + 2;
            T::Line(tag, data)
        }
        b'*' | b'~' | b'%' if n >= 0 => {
            let items = if tag == b'%' { 2 * n } else { n };
            T::Agg(tag, (0..items).map(|_| parse(b, at)).collect())
        }
        _ => T::Line(tag, head),
    }
}

/// Redis keeps subcommands in a dict seeded randomly at start: their order differs from
/// run to run. Sorts every subcommand list (COMMAND INFO element 9, RESP2 and RESP3) and
/// every DOCS `subcommands` map; everything else keeps its order.
fn normalize(t: &mut T) {
    let T::Agg(tag, items) = t else { return };
    for it in items.iter_mut() {
        normalize(it);
    }
    // An INFO entry: 10 elements, element 0 a name, element 1 an integer.
    if *tag == b'*' && items.len() == 10 && matches!(items[1], T::Line(b':', _)) {
        if let T::Agg(_, subs) = &mut items[9] {
            subs.sort();
        }
    }
    // A DOCS entry: a map (or RESP2 flat array) with a "subcommands" key.
    let n = items.len();
    let mut i = 0;
    while i + 1 < n {
        if items[i] == T::Line(b'$', b"subcommands".to_vec()) {
            if let T::Agg(_, pairs) = &mut items[i + 1] {
                let mut ps: Vec<(T, T)> = pairs
                    .chunks(2)
                    .map(|c| (c[0].clone(), c[1].clone()))
                    .collect();
                ps.sort();
                *pairs = ps.into_iter().flat_map(|(k, v)| [k, v]).collect();
            }
        }
        i += 2;
    }
}

fn normalized(b: &[u8]) -> T {
    let mut t = parse(b, &mut 0);
    normalize(&mut t);
    t
}

/// Splits a flat RESP2 array of bulk strings into its elements.
fn bulks(b: &[u8]) -> BTreeSet<String> {
    let s = String::from_utf8_lossy(b);
    let mut lines = s.split("\r\n");
    lines.next();
    let mut out = BTreeSet::new();
    while let (Some(_len), Some(v)) = (lines.next(), lines.next()) {
        out.insert(v.to_string());
    }
    out
}

#[test]
fn command_list_and_getkeys_agree() {
    let Some(real) = start_real_redis("COMMAND LIST/GETKEYS conformance") else {
        return;
    };
    let (_r, running) = start();
    let addr = running.addr().expect("tcp");
    // SENTINEL exists only in a sentinel-mode Redis.
    let emu_names: BTreeSet<String> = names().into_iter().filter(|n| n != "sentinel").collect();
    for resp in [2u8, 3] {
        let mut a = conn(real.addr, resp);
        let mut b = conn(addr, resp);
        // LIST: emu lists exactly the emu commands and subcommands Redis lists.
        for line in [
            "COMMAND LIST",
            "COMMAND LIST FILTERBY PATTERN client*",
            "COMMAND LIST FILTERBY PATTERN *|*",
            "COMMAND LIST FILTERBY ACLCAT hash",
            "COMMAND LIST FILTERBY ACLCAT dangerous",
            "COMMAND LIST FILTERBY ACLCAT nosuch",
            "COMMAND LIST FILTERBY MODULE nosuch",
        ] {
            let x: BTreeSet<String> = bulks(&a.cmds(line))
                .into_iter()
                .filter(|n| emu_names.contains(n))
                .collect();
            let y: BTreeSet<String> = bulks(&b.cmds(line))
                .into_iter()
                .filter(|n| n != "sentinel")
                .collect();
            assert_eq!(x, y, "RESP{resp} {line}");
        }
        let lines = [
            "COMMAND LIST x",
            "COMMAND LIST FILTERBY aclcat",
            "COMMAND LIST FILTERBY foo bar",
            "COMMAND GETKEYS get",
            "COMMAND GETKEYS get a",
            "COMMAND GETKEYS get a b",
            "COMMAND GETKEYS nosuch a",
            "COMMAND GETKEYS ping x",
            "COMMAND GETKEYS mset a 1 b 2",
            "COMMAND GETKEYS mset a 1 b",
            "COMMAND GETKEYS zunionstore d 2 a b weights 1 2",
            "COMMAND GETKEYS zunionstore d 3 a b",
            "COMMAND GETKEYS zunionstore d x a b",
            "COMMAND GETKEYS zunion 2 a b",
            "COMMAND GETKEYS eval x 2 a b c",
            "COMMAND GETKEYS eval x 0",
            "COMMAND GETKEYS eval x 3 a",
            "COMMAND GETKEYS evalsha_ro x 1 a",
            "COMMAND GETKEYS xread count 2 streams a b 0 0",
            "COMMAND GETKEYS xread streams a b 0",
            "COMMAND GETKEYS xreadgroup group g c streams a 0",
            "COMMAND GETKEYS sort a",
            "COMMAND GETKEYS sort a store b",
            "COMMAND GETKEYS sort a by x store b limit 0 1 store c",
            "COMMAND GETKEYS sort_ro a",
            "COMMAND GETKEYS lmpop 2 a b left",
            "COMMAND GETKEYS blmpop 0 2 a b left",
            "COMMAND GETKEYS zmpop 1 a min",
            "COMMAND GETKEYS bzmpop 0 1 a min",
            "COMMAND GETKEYS sintercard 2 a b",
            "COMMAND GETKEYS zintercard 2 a b",
            "COMMAND GETKEYS georadius k 0 0 1 km store d",
            "COMMAND GETKEYS georadiusbymember k m 1 km storedist d",
            "COMMAND GETKEYS object encoding k",
            "COMMAND GETKEYS object nosuch k",
            "COMMAND GETKEYS client list",
            "COMMAND GETKEYS client nosuch",
            "COMMAND GETKEYS rename a b",
            "COMMAND GETKEYS lcs a b",
            "COMMAND GETKEYS blpop a b 0",
            "COMMAND GETKEYS publish c m",
            "COMMAND GETKEYS spublish c m",
            "COMMAND GETKEYS set a b",
            "COMMAND GETKEYSANDFLAGS set a b",
            "COMMAND GETKEYSANDFLAGS set a b get",
            "COMMAND GETKEYSANDFLAGS set a b EX 10 GET",
            "COMMAND GETKEYSANDFLAGS bitfield a get u8 0",
            "COMMAND GETKEYSANDFLAGS bitfield a get u8 0 set u8 0 1",
            "COMMAND GETKEYSANDFLAGS bitfield_ro a get u8 0",
            "COMMAND GETKEYSANDFLAGS sort a store b",
            "COMMAND GETKEYSANDFLAGS lmove a b left right",
            "COMMAND GETKEYSANDFLAGS del a b",
            "COMMAND GETKEYSANDFLAGS getex a",
            "COMMAND GETKEYSANDFLAGS xadd s * f v",
            "COMMAND GETKEYSANDFLAGS eval x 1 a",
            "COMMAND GETKEYSANDFLAGS georadius k 0 0 1 km store d",
            "COMMAND GETKEYSANDFLAGS get",
            "COMMAND HELP",
            "COMMAND COUNT x",
            "COMMAND nosuch",
        ];
        for line in lines {
            let argv: Vec<&[u8]> = line
                .split(' ')
                .map(|w| if w == "\"\"" { &b""[..] } else { w.as_bytes() })
                .collect();
            let (x, y) = (a.cmd(&argv), b.cmd(&argv));
            assert_eq!(
                String::from_utf8_lossy(&x),
                String::from_utf8_lossy(&y),
                "RESP{resp} {line}"
            );
        }
    }
}

/// COMMAND LIST names Redis's commands (240 for 7.0.15) and one more: SENTINEL, which a
/// Redis outside sentinel mode does not have (emu answers it on every store). COMMAND
/// COUNT is therefore Redis's plus one.
#[test]
fn command_count_and_list_match_redis() {
    let Some(real) = start_real_redis("COMMAND COUNT conformance") else {
        return;
    };
    let (_r, running) = start();
    let mut a = Raw::connect(real.addr);
    let mut b = Raw::connect(running.addr().expect("tcp"));
    let count = |c: &mut Raw| -> i64 {
        String::from_utf8_lossy(&c.cmds("COMMAND COUNT"))
            .trim()
            .trim_start_matches(':')
            .parse()
            .expect("COMMAND COUNT")
    };
    assert_eq!(count(&mut b), count(&mut a) + 1);
    let names = |c: &mut Raw| -> BTreeSet<String> {
        String::from_utf8_lossy(&c.cmds("COMMAND LIST"))
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('$'))
            .map(str::to_string)
            .collect()
    };
    let (redis, emu) = (names(&mut a), names(&mut b));
    let only_redis: Vec<_> = redis.difference(&emu).cloned().collect();
    let only_emu: Vec<_> = emu.difference(&redis).cloned().collect();
    assert!(only_redis.is_empty(), "{only_redis:?}");
    assert_eq!(only_emu, vec!["sentinel".to_string()]);
}
