//! Helper for `benches/rdb_compare.sh`.
//!
//! * `persist_open build DIR RESP_FILE N` — a data directory holding an N-key snapshot, and
//!   the same data as RESP commands (for `redis-cli --pipe`);
//! * `persist_open open DIR [REPEAT]` — prints the best time (ms) to open DIR.

use std::path::Path;
use std::time::Instant;

use emu::config::Config;
use emu::engine::Store;
use emu::keyspace::Clock;
use emu::persist::{self, tools, AppendFsync, Durable, Options};

fn template() -> Store {
    Store::new(Config::default(), Clock::System, 0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("build") if args.len() == 5 => {
            let dir = Path::new(&args[2]);
            let n: usize = args[4].parse().expect("N");
            let opts = Options {
                fsync: AppendFsync::No,
                compaction_min_bytes: u64::MAX,
                ..Options::default()
            };
            {
                let d = Durable::open(dir, opts, template()).expect("open");
                for i in 0..n {
                    let k = format!("key:{i:08}");
                    let v = format!("value:{i:08}:xxxxxxxxxxxxxxxx");
                    d.execute(&[b"SET", k.as_bytes(), v.as_bytes()])
                        .expect("SET");
                }
            }
            tools::compact(dir).expect("compact");
            let mut f = std::io::BufWriter::new(std::fs::File::create(&args[3]).expect("resp"));
            tools::dump(dir, tools::Format::Resp, &mut f).expect("dump");
        }
        Some("open") if args.len() >= 3 => {
            let repeat: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
            let mut best = f64::MAX;
            for _ in 0..repeat {
                let t = Instant::now();
                let (s, _) =
                    persist::open_read_only(Path::new(&args[2]), template()).expect("open");
                let ms = t.elapsed().as_secs_f64() * 1e3;
                best = best.min(ms);
                std::hint::black_box(s.total_keys());
                drop(s);
            }
            println!("{best:.1}");
        }
        Some("setloop") if args.len() == 4 => {
            // Profiling aid: N SETs under everysec ("-" = memory only); prints ns/op.
            let n: usize = args[3].parse().expect("N");
            let d = if args[2] == "-" {
                Durable::from_store(template())
            } else {
                let opts = Options {
                    compaction_min_bytes: u64::MAX,
                    ..Options::default()
                };
                Durable::open(Path::new(&args[2]), opts, template()).expect("open")
            };
            let keys: Vec<Vec<u8>> = (0..100_000)
                .map(|i| format!("key:{i}").into_bytes())
                .collect();
            let t = Instant::now();
            for i in 0..n {
                d.execute(&[b"SET", &keys[i % keys.len()], b"some value"])
                    .expect("SET");
            }
            println!("{:.1} ns/op", t.elapsed().as_nanos() as f64 / n as f64);
        }
        _ => {
            eprintln!("usage: persist_open build DIR RESP_FILE N | open DIR [REPEAT]");
            std::process::exit(2);
        }
    }
}
