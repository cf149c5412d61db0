//! Runs one data tool through a chosen path, for measuring the streaming path against the
//! store path (peak RSS with `/usr/bin/time -v`, wall time):
//! `cargo run --release --example tool_paths -- (stream|store) (dump|rdb|check|compact) DIR`.
//! Dumps go to /dev/null.

use emu::persist::tools;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: tool_paths (stream|store) (dump|rdb|check|compact) DIR");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[3]);
    let now = emu::keyspace::Clock::System.now_ms();
    let mut out = std::io::BufWriter::new(std::fs::File::create("/dev/null").expect("/dev/null"));
    let stream = args[1] == "stream";
    let fmt = if args[2] == "rdb" {
        tools::Format::Rdb
    } else {
        tools::Format::Jsonl
    };
    let t = std::time::Instant::now();
    let what = match (args[2].as_str(), stream) {
        ("dump" | "rdb", true) => tools::dump_streamed(dir, fmt, now, &mut out, &mut |_, _| {})
            .map(|n| format!("{n:?} keys (None: declined)")),
        ("dump" | "rdb", false) => tools::dump_via_store(dir, fmt, now, &mut out, &mut |_, _| {})
            .map(|n| format!("{n} keys")),
        ("check", true) => tools::check(dir, false).map(|r| format!("{:?}", r.lines)),
        ("check", false) => tools::check_via_store(dir).map(|r| format!("{:?}", r.lines)),
        ("compact", true) => tools::compact_streamed(dir).map(|s| format!("streamed: {s}")),
        ("compact", false) => tools::compact_via_store(dir).map(|_| "done".into()),
        _ => {
            eprintln!("unknown tool {}", args[2]);
            std::process::exit(2);
        }
    };
    match what {
        Ok(s) => println!("{s} in {} ms", t.elapsed().as_millis()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
