//! The LFU counter and the LRU clock against models written from Redis 7.0's definitions
//! (evict.c: `LFULogIncr`, `LFUDecrAndReturn`, `LFUTimeElapsed`, `estimateObjectIdleTime`).

use emu::keyspace::memory::*;
use proptest::prelude::*;

/// `LFULogIncr`, the obvious way.
fn model_incr(counter: u8, r: f64, factor: i64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = if counter > LFU_INIT_VAL {
        (counter - LFU_INIT_VAL) as f64
    } else {
        0.0
    };
    if r < 1.0 / (base * factor as f64 + 1.0) {
        counter + 1
    } else {
        counter
    }
}

/// `LFUDecrAndReturn`, the obvious way.
fn model_decr(ldt_minutes: u32, counter: u8, now_ms: u64, decay: i64) -> u8 {
    let now = (now_ms / 60_000 % 65536) as u32;
    let elapsed = if now >= ldt_minutes {
        now - ldt_minutes
    } else {
        65535 - ldt_minutes + now
    };
    let periods = if decay > 0 { elapsed / decay as u32 } else { 0 };
    if periods as u64 > counter as u64 {
        0
    } else {
        counter - periods as u8
    }
}

proptest! {
    #[test]
    fn log_incr_matches_model(counter in any::<u8>(), r in 0.0f64..1.0, factor in 0i64..1000) {
        prop_assert_eq!(lfu_log_incr(counter, r, factor), model_incr(counter, r, factor));
    }

    #[test]
    fn decr_matches_model(ldt in 0u32..65536, counter in any::<u8>(), now_ms in any::<u64>(), decay in 0i64..100) {
        let lru = (ldt << 8) | u32::from(counter);
        prop_assert_eq!(lfu_decr_and_return(lru, now_ms, decay), model_decr(ldt, counter, now_ms, decay));
    }

    #[test]
    fn touch_is_decay_then_incr_then_stamp(ldt in 0u32..65536, counter in any::<u8>(), now_ms in 0u64..(1u64 << 50), r in 0.0f64..1.0, decay in 0i64..10, factor in 0i64..100) {
        let lru = (ldt << 8) | u32::from(counter);
        let out = lfu_touch(lru, now_ms, r, factor, decay);
        let expect = model_incr(model_decr(ldt, counter, now_ms, decay), r, factor);
        prop_assert_eq!(out & 255, u32::from(expect));
        prop_assert_eq!(out >> 8, (now_ms / 60_000 % 65536) as u32);
    }

    #[test]
    fn idle_time_is_seconds_since_stamp(now_s in 1_000u64..(1u64 << 24), ago in 0u64..(1 << 23)) {
        // Within one turn of the 24-bit clock (the wrap is a unit test of its own).
        let now = now_s * 1000 + 999;
        let ago = ago.min(now_s);
        let stamp = lru_clock((now_s - ago) * 1000);
        prop_assert_eq!(idle_ms(stamp, now), ago * 1000);
    }
}

/// With the default factor 10, Redis's documented table: about 100 hits reach ~10, 1,000
/// hits ~18, and the counter never passes 255.
#[test]
fn counter_grows_logarithmically() {
    let mut rng = emu::keyspace::Rng::new(3);
    let mut c = LFU_INIT_VAL;
    let mut at = Vec::new();
    for hits in 1..=1_000_000u32 {
        let r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        c = lfu_log_incr(c, r, 10);
        if [100, 1000, 100_000, 1_000_000].contains(&hits) {
            at.push(c);
        }
    }
    assert!((8..=13).contains(&at[0]), "{at:?}");
    assert!((15..=22).contains(&at[1]), "{at:?}");
    assert!((100..=160).contains(&at[2]), "{at:?}");
    assert!(at[3] >= 200, "{at:?}");
    // Factor 0: every hit counts, up to 255.
    let mut c = 0u8;
    for _ in 0..300 {
        c = lfu_log_incr(c, 0.999, 0);
    }
    assert_eq!(c, 255);
}
