//! The store's random number generator: the only source of randomness in emu.
//!
//! SplitMix64, written out here rather than taken from a crate on purpose: its output for a
//! given seed is part of emu's reproducibility promise (SPOP, SRANDMEMBER, RANDOMKEY,
//! HRANDFIELD, ZRANDMEMBER picks depend only on the operations and the seed), so it must
//! never change with a dependency upgrade.

/// Seeded, deterministic RNG.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// Next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        if n <= 1 {
            return 0;
        }
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let r = self.next_u64();
            if r < zone {
                return r % n;
            }
        }
    }

    /// The current state, so a store can be reproduced from a snapshot.
    pub fn state(&self) -> u64 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_sequence() {
        let mut r = Rng::new(0);
        // SplitMix64 reference values for seed 0.
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_in_range() {
        let mut r = Rng::new(42);
        for n in 1..100 {
            assert!(r.below(n) < n);
        }
    }
}
