//! Property tests for the RESP request parser and the connection state machine: random
//! bytes and mutated valid frames never panic, never claim more bytes than given, parse the
//! same whether they arrive whole or in pieces, and valid frames round-trip.

use emu::engine::Session;
use emu::resp::{encode_request, Limits, Parsed, Parser};
use emu::server::conn::Conn;
use proptest::prelude::*;

type Outcome = Vec<Result<Vec<Vec<u8>>, String>>;

/// Parses `data` fed in `chunk`-byte pieces; stops at the first protocol error.
fn run(data: &[u8], chunk: usize, limits: Limits) -> Outcome {
    let mut out = Vec::new();
    let mut p = Parser::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0;
    for _ in 0..100_000 {
        match p.parse(&buf, limits) {
            Ok(Parsed::Request { consumed, source }) => {
                assert!(
                    consumed > 0 && consumed <= buf.len(),
                    "consumed {consumed} of {}",
                    buf.len()
                );
                out.push(Ok(p
                    .argv(&buf, source)
                    .iter()
                    .map(|a| a.to_vec())
                    .collect()));
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
    panic!("parser did not make progress");
}

fn limits(auth: bool) -> Limits {
    Limits {
        max_bulk: 4096,
        authenticated: auth,
    }
}

fn frame() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..300),
                                chunk in 1usize..17, auth in any::<bool>()) {
        let whole = run(&data, data.len().max(1), limits(auth));
        let pieces = run(&data, chunk, limits(auth));
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn valid_frames_round_trip(frames in prop::collection::vec(frame(), 1..5), chunk in 1usize..23) {
        let mut data = Vec::new();
        for f in &frames {
            encode_request(&mut data, f);
        }
        let got = run(&data, chunk, limits(true));
        let want: Outcome = frames.into_iter().map(Ok).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn mutated_frames_never_panic(frames in prop::collection::vec(frame(), 1..4),
                                  flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
                                  cut in any::<prop::sample::Index>(), chunk in 1usize..11) {
        let mut data = Vec::new();
        for f in &frames {
            encode_request(&mut data, f);
        }
        for (i, b) in flips {
            let at = i.index(data.len());
            data[at] = b;
        }
        let keep = cut.index(data.len() + 1);
        data.truncate(keep);
        let whole = run(&data, data.len().max(1), limits(true));
        let pieces = run(&data, chunk, limits(true));
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn connection_survives_anything(data in prop::collection::vec(any::<u8>(), 0..400), chunk in 1usize..64) {
        let store = emu::engine::Shared::new(emu::engine::Store::default());
        let mut conn = Conn::new(Session::default());
        for piece in data.chunks(chunk) {
            conn.input().extend_from_slice(piece);
            let _ = conn.process(&store);
            conn.out.take_all();
        }
    }

    /// The server runs a pipeline in turns of bounded size (`process_up_to`, issue:
    /// a long pipeline stalled other clients): the replies are the same, byte for byte, as
    /// one batch, whatever the budget and however the output is drained between turns.
    #[test]
    fn budgeted_turns_reply_like_one_batch(
        reqs in prop::collection::vec((0u8..4, 0usize..40, 0usize..3000), 1..200),
        budget in 1usize..4000,
        drain_every in 1usize..5,
    ) {
        let mut data = Vec::new();
        for (op, key, len) in &reqs {
            let k = format!("k{key}");
            let v = vec![b'v'; *len];
            let args: Vec<&[u8]> = match op {
                0 => vec![b"SET", k.as_bytes(), &v],
                1 => vec![b"GET", k.as_bytes()],
                2 => vec![b"APPEND", k.as_bytes(), &v],
                _ => vec![b"STRLEN", k.as_bytes()],
            };
            encode_request(&mut data, &args);
        }
        let whole = {
            let store = emu::engine::Shared::new(emu::engine::Store::default());
            let mut conn = Conn::new(Session::default());
            conn.input().extend_from_slice(&data);
            let _ = conn.process(&store);
            prop_assert!(!conn.more);
            conn.out.take_all()
        };
        let store = emu::engine::Shared::new(emu::engine::Store::default());
        let mut conn = Conn::new(Session::default());
        conn.input().extend_from_slice(&data);
        let mut got = Vec::new();
        let mut turns = 0;
        loop {
            let _ = conn.process_up_to(&store, budget);
            turns += 1;
            if turns % drain_every == 0 {
                while !conn.out.is_empty() {
                    let n = conn.out.unsent().len().min(1000);
                    got.extend_from_slice(&conn.out.unsent()[..n]);
                    conn.out.advance(n);
                }
            }
            if !conn.more {
                break;
            }
        }
        got.extend(conn.out.take_all());
        prop_assert_eq!(conn.pending_input(), 0);
        prop_assert_eq!(got, whole);
    }
}
