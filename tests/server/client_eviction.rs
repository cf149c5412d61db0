//! Client eviction (`maxmemory-clients`, CLIENT NO-EVICT, INFO `evicted_clients`) and the
//! memory fields of CLIENT LIST (`qbuf-free`, `multi-mem`, `obl`, `oll`, `omem`, `tot-mem`),
//! run as one scenario against `emu serve` and a real redis-server: the same clients are
//! evicted and the same replies come back.
//!
//! The scenario keeps far from the limits: client sizes differ between the two servers
//! (Redis counts its 16 KiB static reply buffer and a preallocated query buffer for a big
//! argument, emu what it holds), so every client meant to be evicted is several times over
//! the limit and every client meant to stay several times under it.

#![cfg(feature = "server")]

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::server_util::{start, start_real_redis, Raw};

fn text(b: Vec<u8>) -> String {
    String::from_utf8_lossy(&b).into_owned()
}

/// True once the server has closed `c` (EOF or reset); false if it is still open after 10 s.
fn gets_closed(c: &mut Raw) -> bool {
    c.s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tmp = [0u8; 4096];
    while Instant::now() < deadline {
        match c.s.read(&mut tmp) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => {}
        }
    }
    false
}

/// Sends the start of `ECHO <n-byte argument>` and `sent` bytes of the argument: the
/// request stays unfinished, its bytes in the server's query buffer.
fn start_big_arg(addr: SocketAddr, n: usize, sent: usize) -> Raw {
    let mut c = Raw::connect(addr);
    let mut req = format!("*2\r\n$4\r\nECHO\r\n${n}\r\n").into_bytes();
    req.resize(req.len() + sent, b'x');
    // The server may close the connection before everything is written.
    let _ = c.s.write_all(&req);
    c
}

/// The `field=` value on client `id`'s CLIENT LIST line.
fn field(ctl: &mut Raw, id: &str, name: &str) -> Option<u64> {
    let list = text(ctl.cmds("CLIENT LIST"));
    let line = list.lines().find(|l| l.starts_with(&format!("id={id} ")))?;
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
}

fn id_of(c: &mut Raw) -> String {
    text(c.cmds("CLIENT ID"))
        .trim_start_matches(':')
        .trim_end()
        .to_string()
}

fn evicted(ctl: &mut Raw) -> String {
    text(ctl.cmds("INFO stats"))
        .lines()
        .find(|l| l.starts_with("evicted_clients:"))
        .unwrap_or("evicted_clients: missing")
        .to_string()
}

/// The id of the client with the largest query buffer (one in the middle of a big request,
/// which cannot ask CLIENT ID itself), once that buffer holds at least `min` bytes.
fn biggest_qbuf(ctl: &mut Raw, min: u64) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let list = text(ctl.cmds("CLIENT LIST"));
        let best = list
            .lines()
            .filter_map(|l| {
                let get = |k: &str| {
                    l.split(' ')
                        .find_map(|kv| kv.strip_prefix(k))
                        .map(str::to_string)
                };
                Some((get("qbuf=")?.parse::<u64>().ok()?, get("id=")?))
            })
            .max();
        if let Some((q, id)) = best {
            if q >= min {
                return Some(id);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Waits until only `ctl` is connected (closed clients are gone from the list).
fn alone(ctl: &mut Raw) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let list = text(ctl.cmds("CLIENT LIST"));
        if list.lines().filter(|l| l.starts_with("id=")).count() == 1 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn scenario(addr: SocketAddr, out: &mut Vec<String>) {
    let mut ctl = Raw::connect(addr);
    out.push(text(ctl.cmds("CLIENT NO-EVICT on")));
    // CONFIG SET / GET of the parameter.
    for v in [
        "10%", "1mb", "101%", "-5", "abc", "0", "5%", "1.5%", "100%", "%", "0%",
    ] {
        out.push(format!(
            "{v}: {} -> {}",
            text(ctl.cmd(&[b"CONFIG", b"SET", b"maxmemory-clients", v.as_bytes()])).trim_end(),
            text(ctl.cmds("CONFIG GET maxmemory-clients")).replace("\r\n", " ")
        ));
    }
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 0")));

    // Off (0): a 3 MB query buffer is left alone; lowering the limit evicts it, and only it.
    let mut big = start_big_arg(addr, 4_000_000, 3_000_000);
    out.push(format!(
        "grew: {}",
        biggest_qbuf(&mut ctl, 3_000_000).is_some()
    ));
    let mut small = Raw::connect(addr);
    out.push(text(small.cmds("PING")));
    out.push(evicted(&mut ctl));
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 1mb")));
    out.push(format!("big closed: {}", gets_closed(&mut big)));
    out.push(evicted(&mut ctl));
    out.push(text(small.cmds("PING")));
    drop(small);
    out.push(format!("alone: {}", alone(&mut ctl)));

    // A client growing past the limit is evicted.
    let mut grower = start_big_arg(addr, 4_000_000, 3_000_000);
    out.push(format!("grower closed: {}", gets_closed(&mut grower)));
    out.push(evicted(&mut ctl));
    out.push(format!("alone: {}", alone(&mut ctl)));

    // A NO-EVICT client is not, though it alone is over the limit.
    let mut keep = Raw::connect(addr);
    out.push(text(keep.cmds("CLIENT NO-EVICT on")));
    let _ = keep.s.write_all(
        &[
            b"*2\r\n$4\r\nECHO\r\n$4000000\r\n".as_slice(),
            &vec![b'y'; 3_000_000],
        ]
        .concat(),
    );
    out.push(format!(
        "keep grew: {}",
        biggest_qbuf(&mut ctl, 3_000_000).is_some()
    ));
    out.push(evicted(&mut ctl));
    // Finish its request: it gets its echo.
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 0")));
    let _ = keep.s.write_all(&vec![b'y'; 1_000_000]);
    let _ = keep.s.write_all(b"\r\n");
    let echo = keep.reply();
    out.push(format!("keep echo: {} bytes", echo.len()));
    drop(keep);
    out.push(format!("alone: {}", alone(&mut ctl)));

    // MULTI: a transaction that queues past the limit is evicted.
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 1mb")));
    let mut tx = Raw::connect(addr);
    out.push(text(tx.cmds("MULTI")));
    let value = vec![b'v'; 100_000];
    out.push(text(tx.cmd(&[b"SET".as_slice(), b"k", &value])));
    let mut closed = false;
    for _ in 0..40 {
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &[b"SET".as_slice(), b"k", &value]);
        if tx.s.write_all(&req).is_err() {
            closed = true;
            break;
        }
    }
    out.push(format!("tx closed: {}", closed || gets_closed(&mut tx)));
    out.push(evicted(&mut ctl));
    out.push(format!("alone: {}", alone(&mut ctl)));

    // Largest first: of a ~4 MB and a ~1 MB client over a 3 MB limit, only the larger goes.
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 0")));
    let _mid = start_big_arg(addr, 1_000_000, 600_000);
    let mid_id = biggest_qbuf(&mut ctl, 600_000).unwrap_or_default();
    let mut large = start_big_arg(addr, 4_000_000, 3_500_000);
    let large_id = biggest_qbuf(&mut ctl, 3_500_000).unwrap_or_default();
    out.push(format!("two: {}", mid_id != large_id));
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 3mb")));
    out.push(format!("large closed: {}", gets_closed(&mut large)));
    out.push(format!(
        "mid open: {}",
        field(&mut ctl, &mid_id, "tot-mem").is_some()
    ));
    out.push(evicted(&mut ctl));
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 0")));
    drop(_mid);
    out.push(format!("alone: {}", alone(&mut ctl)));

    // A percentage of maxmemory.
    out.push(text(ctl.cmds("CONFIG SET maxmemory 100mb")));
    let mut pct = start_big_arg(addr, 4_000_000, 3_000_000);
    out.push(format!(
        "grew: {}",
        biggest_qbuf(&mut ctl, 3_000_000).is_some()
    ));
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 1%")));
    out.push(format!("pct closed: {}", gets_closed(&mut pct)));
    out.push(evicted(&mut ctl));
    out.push(text(ctl.cmds("CONFIG SET maxmemory-clients 0")));
    out.push(text(ctl.cmds("CONFIG SET maxmemory 0")));
    out.push(text(ctl.cmds("CONFIG RESETSTAT")));
    out.push(evicted(&mut ctl));
}

#[test]
fn client_eviction_matches_redis() {
    let Some(real) = start_real_redis("client eviction differential") else {
        return;
    };
    let (_db, emu) = start();
    let mut want = Vec::new();
    scenario(real.addr, &mut want);
    let mut got = Vec::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scenario(emu.addr().unwrap(), &mut got)
    }));
    assert!(r.is_ok(), "emu failed after {got:#?}");
    assert_eq!(got, want);
}

#[test]
fn client_list_memory_fields() {
    let (_db, srv) = start();
    let addr = srv.addr().unwrap();
    let mut ctl = Raw::connect(addr);
    let mut a = Raw::connect(addr);
    let id = id_of(&mut a);
    // A fresh client costs something, and has nothing queued or pending.
    let tot = field(&mut ctl, &id, "tot-mem").unwrap();
    assert!(tot > 0, "tot-mem {tot}");
    assert_eq!(field(&mut ctl, &id, "multi-mem"), Some(0));
    assert_eq!(field(&mut ctl, &id, "omem"), Some(0));
    // MULTI queue.
    a.cmds("MULTI");
    a.cmd(&[b"SET".as_slice(), b"k", &[b'v'; 5000]]);
    assert!(field(&mut ctl, &id, "multi-mem").unwrap() >= 5000);
    assert!(field(&mut ctl, &id, "tot-mem").unwrap() >= tot + 5000);
    a.cmds("DISCARD");
    // A subscriber that does not read: its pending messages show in obl/oll/omem.
    let mut sub = Raw::connect(addr);
    let sub_id = id_of(&mut sub);
    sub.send(b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n");
    let _ = sub.reply();
    let msg = vec![b'm'; 64 * 1024];
    for _ in 0..160 {
        ctl.cmd(&[b"PUBLISH", b"ch", &msg]);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let omem = field(&mut ctl, &sub_id, "omem").unwrap_or(0);
        let obl = field(&mut ctl, &sub_id, "obl").unwrap_or(0);
        let oll = field(&mut ctl, &sub_id, "oll").unwrap_or(0);
        if omem > 0 {
            assert_eq!(obl, 16384);
            assert!(oll >= omem / 16384, "oll {oll} omem {omem}");
            assert!(field(&mut ctl, &sub_id, "tot-mem").unwrap() > omem);
            break;
        }
        assert!(Instant::now() < deadline, "omem stayed 0");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Under `maxmemory-clients 200000`, a client that sends `request(j)` for j = 0, 1, …
/// (each answered `+OK`) on a server at `addr`: the j at which it was evicted.
fn evicted_after(addr: SocketAddr, request: impl Fn(u32) -> Vec<Vec<u8>>) -> Option<u32> {
    let mut ctl = Raw::connect(addr);
    ctl.cmds("CLIENT NO-EVICT on");
    ctl.cmds("CONFIG RESETSTAT");
    ctl.cmds("CONFIG SET maxmemory-clients 200000");
    let mut c = Raw::connect(addr);
    let mut evicted_at = None;
    for j in 0..20_000u32 {
        let argv = request(j);
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &argv);
        if c.s.write_all(&req).is_err() || gets_closed_or_ok(&mut c) {
            evicted_at = Some(j);
            break;
        }
    }
    assert!(
        text(ctl.cmds("INFO stats")).contains("evicted_clients:1"),
        "{addr}"
    );
    ctl.cmds("CONFIG SET maxmemory-clients 0");
    evicted_at
}

/// Reads one reply of `c`: false for `+OK`, true when the connection was closed instead.
fn gets_closed_or_ok(c: &mut Raw) -> bool {
    c.s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 5];
    match c.s.read_exact(&mut buf) {
        Ok(()) => {
            assert_eq!(&buf, b"+OK\r\n");
            false
        }
        Err(_) => true,
    }
}

/// What the store keeps for a client counts in its memory (Redis's `getClientMemoryUsage`;
/// suite tests "client evicted due to watched key list" and "… client tracking prefixes"):
/// a client that keeps watching new keys, or adding BCAST prefixes, is evicted on both
/// servers, after more than 1,000 and long before 20,000 of them.
#[test]
fn watched_keys_and_tracking_prefixes_count_for_client_eviction() {
    let (_r, running) = start();
    let real = start_real_redis("client eviction by watched keys");
    let mut addrs = vec![running.addr().unwrap()];
    addrs.extend(real.as_ref().map(|r| r.addr));
    for addr in addrs {
        let at = evicted_after(addr, |j| {
            vec![b"WATCH".to_vec(), j.to_string().into_bytes()]
        });
        let at = at.unwrap_or_else(|| panic!("{addr}: WATCH never evicted"));
        assert!(at > 1000, "{addr}: evicted after only {at} watched keys");
        let at = evicted_after(addr, |j| {
            [
                "CLIENT",
                "TRACKING",
                "on",
                "prefix",
                &format!("{j:012}"),
                "bcast",
            ]
            .iter()
            .map(|a| a.as_bytes().to_vec())
            .collect()
        });
        let at = at.unwrap_or_else(|| panic!("{addr}: prefixes never evicted"));
        assert!(at > 1000, "{addr}: evicted after only {at} prefixes");
    }
}

/// A big argument's query buffer is its size, not up to twice that (Redis allocates a big
/// bulk's buffer to its length; suite test "decrease maxmemory-clients causes client
/// eviction" fills ten clients to 3/4 of the limit): a client with 300,000 of a
/// 300,000-byte argument received holds well under 400 KB.
#[test]
fn big_argument_query_buffer_is_its_size() {
    let (_r, running) = start();
    let addr = running.addr().unwrap();
    let mut ctl = Raw::connect(addr);
    let mut c = Raw::connect(addr);
    let id = id_of(&mut c);
    let mut req = b"*2\r\n$4\r\nECHO\r\n$300000\r\n".to_vec();
    req.resize(req.len() + 300_000, b'x');
    c.s.write_all(&req).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut qbuf = 0;
    while qbuf < 300_000 {
        assert!(Instant::now() < deadline, "qbuf stuck at {qbuf}");
        qbuf = field(&mut ctl, &id, "qbuf").unwrap();
    }
    let total = field(&mut ctl, &id, "qbuf").unwrap() + field(&mut ctl, &id, "qbuf-free").unwrap();
    let tot_mem = field(&mut ctl, &id, "tot-mem").unwrap();
    assert!(total < 310_000, "query buffer {total}");
    assert!(tot_mem < 400_000, "tot-mem {tot_mem}");
}
