//! Helper for `benches/memory.sh`: loads a file of RESP commands (arrays of bulk strings,
//! as `redis-cli --pipe` takes) into an in-process `emu::Redis::new()` and prints the
//! process's RSS growth in KiB (Linux: `/proc/self/status`; the system allocator).
//!
//! Before the first reading, the file's first command runs once on a scratch key that is
//! then deleted, as `benches/memory.sh` does on both servers: the growth measured is the
//! data's, not the code pages the process faults in the first time it runs that command
//! (about 0.5 MiB of emu's binary, against a few KiB of redis-server's).
//!
//! Usage: `memory_load FILE`

use std::io::Read;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The decimal number after a one-byte prefix, up to CRLF; returns it and the next offset.
fn number(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let end = at + buf[at..].iter().position(|&c| c == b'\r')?;
    let n = std::str::from_utf8(&buf[at + 1..end]).ok()?.parse().ok()?;
    Some((n, end + 2))
}

/// The command (an array of bulk strings) at `at` into `argv`; moves `at` past it.
fn command<'a>(buf: &'a [u8], at: &mut usize, argv: &mut Vec<&'a [u8]>) {
    let (n, next) = number(buf, *at).expect("an array header");
    *at = next;
    argv.clear();
    for _ in 0..n {
        let (len, next) = number(buf, *at).expect("a bulk header");
        argv.push(&buf[next..next + len]);
        *at = next + len + 2;
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: memory_load FILE");
    let mut buf = Vec::new();
    std::fs::File::open(&path)
        .and_then(|mut f| f.read_to_end(&mut buf))
        .expect("read the RESP file");
    let redis = emu::Redis::new();
    let mut argv: Vec<&[u8]> = Vec::new();
    if !buf.is_empty() {
        command(&buf, &mut 0, &mut argv);
        if argv.len() > 1 {
            argv[1] = b"__warmup__";
        }
        redis.execute(&argv).expect("warm-up command runs");
        redis
            .execute(&[b"DEL".as_slice(), b"__warmup__"])
            .expect("warm-up key deleted");
    }
    let before = rss_kb();
    let mut at = 0;
    while at < buf.len() {
        command(&buf, &mut at, &mut argv);
        redis.execute(&argv).expect("command runs");
    }
    // Measured while the file's buffer is still held, as it was at `before`: dropping it
    // first returned its pages and hid that much of the store's growth.
    println!("{}", rss_kb().saturating_sub(before));
    drop(buf);
}
