//! Property tests: BITFIELD's overflow arithmetic against an `i128` model, bit primitives
//! against bit loops, and the LCS length against a reference DP.

use emu::types::bitmap::{
    first_bit, get_signed, get_unsigned, popcount, set_field, signed_overflow, unsigned_overflow,
    Overflow,
};
use proptest::prelude::*;

/// What a `bits`-wide field ends up holding after adding `incr` to `value` under `ow`, and
/// whether it overflowed — computed in `i128`, where nothing overflows.
///
/// One Redis quirk is modelled: `checkSignedBitfieldOverflow` computes `max - value` in 64
/// bits, so for a SET of a value so negative that this wraps (only below the type's minimum,
/// e.g. `SET i63` of -2^62-1, or `SET i8` of i64::MIN) it reports an overflow *upwards*: SAT
/// stores the maximum. Checked against redis-server 7.0.15.
fn model(signed: bool, bits: u32, value: i128, incr: i128, ow: Overflow) -> (bool, i128) {
    let (min, max) = if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    };
    let sum = value + incr;
    if (min..=max).contains(&sum) {
        return (false, sum);
    }
    let wrapped_up = signed && bits < 64 && max - value > i128::from(i64::MAX);
    let stored = match ow {
        Overflow::Sat => {
            if sum > max || wrapped_up {
                max
            } else {
                min
            }
        }
        _ => {
            // Wrap modulo 2^bits into the type's range.
            let m = 1i128 << bits;
            let mut w = sum.rem_euclid(m);
            if signed && w > max {
                w -= m;
            }
            w
        }
    };
    (true, stored)
}

fn overflow() -> impl Strategy<Value = Overflow> {
    prop_oneof![
        Just(Overflow::Wrap),
        Just(Overflow::Sat),
        Just(Overflow::Fail)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn signed_incrby_matches_the_model(
        bits in 1u32..=64,
        raw in any::<i64>(),
        incr in prop_oneof![any::<i64>(), -300i64..300],
        ow in overflow(),
    ) {
        // A value the field can hold.
        let value = if bits == 64 { raw } else { raw >> (64 - bits) };
        let (ovf, stored) = model(true, bits, i128::from(value), i128::from(incr), ow);
        let got = signed_overflow(value, incr, bits, ow);
        prop_assert_eq!(got.is_some(), ovf, "bits {} value {} incr {}", bits, value, incr);
        if let Some(v) = got {
            if ow != Overflow::Fail {
                prop_assert_eq!(i128::from(v), stored);
            }
        }
    }

    #[test]
    fn unsigned_incrby_matches_the_model(
        bits in 1u32..=63,
        raw in any::<u64>(),
        incr in prop_oneof![any::<i64>(), -300i64..300],
        ow in overflow(),
    ) {
        let value = raw >> (64 - bits);
        let (ovf, stored) = model(false, bits, i128::from(value), i128::from(incr), ow);
        let got = unsigned_overflow(value, incr, bits, ow);
        prop_assert_eq!(got.is_some(), ovf, "bits {} value {} incr {}", bits, value, incr);
        if let Some(v) = got {
            if ow != Overflow::Fail {
                prop_assert_eq!(i128::from(v), stored);
            }
        }
    }

    #[test]
    fn set_values_wrap_and_saturate_like_the_model(
        signed in any::<bool>(),
        bits in 1u32..=63,
        v in any::<i64>(),
        ow in overflow(),
    ) {
        if signed {
            let (ovf, stored) = model(true, bits, i128::from(v), 0, ow);
            let got = signed_overflow(v, 0, bits, ow);
            prop_assert_eq!(got.is_some(), ovf);
            if let (Some(g), false) = (got, ow == Overflow::Fail) {
                prop_assert_eq!(i128::from(g), stored);
            }
        } else {
            // BITFIELD SET u<bits> takes the value as an unsigned 64-bit pattern.
            let u = v as u64;
            let (ovf, stored) = model(false, bits, i128::from(u), 0, ow);
            let got = unsigned_overflow(u, 0, bits, ow);
            prop_assert_eq!(got.is_some(), ovf);
            if let (Some(g), false) = (got, ow == Overflow::Fail) {
                prop_assert_eq!(i128::from(g), stored);
            }
        }
    }

    #[test]
    fn fields_read_back_what_was_written(
        bytes in proptest::collection::vec(any::<u8>(), 17..40),
        off in 0u64..64,
        bits in 1u32..=64,
        v in any::<u64>(),
    ) {
        let mut s = bytes.clone();
        set_field(&mut s, off, bits, v);
        let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
        prop_assert_eq!(get_unsigned(&s, off, bits), v & mask);
        let sign = bits < 64 && (v >> (bits - 1)) & 1 == 1;
        let want = if sign { (v & mask) | !mask } else { v & mask };
        prop_assert_eq!(get_signed(&s, off, bits), want as i64);
        // Bits outside the field are untouched.
        for i in 0..(s.len() as u64 * 8) {
            if i < off || i >= off + u64::from(bits) {
                prop_assert_eq!(get_unsigned(&s, i, 1), get_unsigned(&bytes, i, 1));
            }
        }
    }

    #[test]
    fn popcount_and_first_bit_match_bit_loops(
        bytes in proptest::collection::vec(prop_oneof![Just(0u8), Just(255u8), any::<u8>()], 0..80),
    ) {
        let bits: Vec<bool> = (0..bytes.len() * 8)
            .map(|i| bytes[i / 8] >> (7 - i % 8) & 1 == 1)
            .collect();
        prop_assert_eq!(popcount(&bytes), bits.iter().filter(|b| **b).count() as u64);
        let one = bits.iter().position(|b| *b).map(|p| p as u64);
        prop_assert_eq!(first_bit(&bytes, true), one);
        let zero = bits.iter().position(|b| !*b).map_or(bytes.len() as u64 * 8, |p| p as u64);
        prop_assert_eq!(first_bit(&bytes, false), Some(zero));
    }

    #[test]
    fn lcs_length_matches_a_reference(
        a in proptest::collection::vec(0u8..3, 0..30),
        b in proptest::collection::vec(0u8..3, 0..30),
    ) {
        let r = emu::types::lcs::lcs(&a, &b, true, true);
        // Reference: recursive DP over suffixes.
        let mut t = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
            }
        }
        prop_assert_eq!(r.len, t[0][0]);
        prop_assert_eq!(r.string.len() as u32, r.len);
        // The string is a subsequence of both, and the ranges really match.
        let is_sub = |s: &[u8], of: &[u8]| {
            let mut it = of.iter();
            s.iter().all(|c| it.any(|d| d == c))
        };
        prop_assert!(is_sub(&r.string, &a) && is_sub(&r.string, &b));
        for m in &r.matches {
            prop_assert_eq!(
                &a[m.a_start as usize..=m.a_end as usize],
                &b[m.b_start as usize..=m.b_end as usize]
            );
        }
    }
}
