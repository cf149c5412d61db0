//! In-process figures for issue 14: BITCOUNT of a 1 MB string and PFCOUNT of a dense HLL
//! through `Redis::execute` (no network), as calls per second. `benches/bits_compare.sh`
//! runs this after the side-by-side network comparison with redis-server.
//!
//! Run: `cargo bench --bench bits`.

use std::time::{Duration, Instant};

use emu::Redis;

/// Calls per second of `f`, best of five 300 ms rounds.
fn rate(mut f: impl FnMut()) -> f64 {
    let mut best = 0.0f64;
    for _ in 0..5 {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_millis(300) {
            for _ in 0..16 {
                f();
            }
            n += 16;
        }
        best = best.max(n as f64 / start.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let r = Redis::new();
    // 1 MB of pseudo-random bytes.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let big: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    r.execute(&[b"SET", b"big", &big]).expect("SET");
    for (key, n) in [("dense", 20_000), ("dense2", 30_000)] {
        let elements: Vec<Vec<u8>> = (0..n).map(|i| format!("{key}:{i}").into_bytes()).collect();
        for chunk in elements.chunks(1000) {
            let mut argv: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
            argv.extend(chunk.iter().map(|e| e.as_slice()));
            r.execute(&argv).expect("PFADD");
        }
    }
    r.execute(&[b"PFCOUNT", b"dense"]).expect("PFCOUNT");
    let bitcount = rate(|| {
        std::hint::black_box(r.execute(&[b"BITCOUNT", b"big"]).expect("BITCOUNT"));
    });
    let cached = rate(|| {
        std::hint::black_box(r.execute(&[b"PFCOUNT", b"dense"]).expect("PFCOUNT"));
    });
    let union = rate(|| {
        std::hint::black_box(
            r.execute(&[b"PFCOUNT", b"dense", b"dense2"])
                .expect("PFCOUNT"),
        );
    });
    println!("bits in-process calls/s");
    println!(
        "  BITCOUNT big (1 MB)        {bitcount:>12.0}  ({:.1} GB/s)",
        bitcount * (1 << 20) as f64 / 1e9
    );
    println!("  PFCOUNT dense (cached)     {cached:>12.0}");
    println!("  PFCOUNT dense dense2       {union:>12.0}");
}
