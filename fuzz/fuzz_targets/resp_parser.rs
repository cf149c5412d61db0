//! Feeds arbitrary bytes to the RESP request parser, whole and split at every chunk size
//! the input suggests, checking it never panics, never reads past the input, and that
//! incremental parsing agrees with one-shot parsing.
#![no_main]

use emu::resp::{Limits, Parsed, Parser};
use libfuzzer_sys::fuzz_target;

fn run(data: &[u8], chunk: usize, limits: Limits) -> Vec<Result<Vec<Vec<u8>>, String>> {
    let mut out = Vec::new();
    let mut p = Parser::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0;
    loop {
        match p.parse(&buf, limits) {
            Ok(Parsed::Request { consumed, source }) => {
                assert!(consumed <= buf.len());
                let argv = p.argv(&buf, source).iter().map(|a| a.to_vec()).collect();
                out.push(Ok(argv));
                buf.drain(..consumed);
            }
            Ok(Parsed::Incomplete { .. }) => {
                if fed >= data.len() {
                    return out;
                }
                let end = (fed + chunk).min(data.len());
                buf.extend_from_slice(&data[fed..end]);
                fed = end;
            }
            Err(e) => {
                out.push(Err(e.message()));
                return out;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bulk: 1 << 20,
        authenticated: data.first().is_some_and(|b| b & 1 == 0),
    };
    let whole = run(data, data.len().max(1), limits);
    let chunk = 1 + data.last().copied().unwrap_or(0) as usize % 7;
    let pieces = run(data, chunk, limits);
    assert_eq!(whole, pieces);
});
