//! Reconnection delays exactly as socket.io-client computes them (its `backo2`),
//! with the randomness drawn from a seeded generator so runs replay.

/// Exponential backoff with jitter: `min * 2^attempt`, then +/- `floor(r * jitter * ms)`,
/// capped at `max`.
#[derive(Clone, Debug)]
pub struct Backoff {
    min_ms: u64,
    max_ms: u64,
    jitter: f64,
    attempts: u32,
    rng: u64,
}

impl Backoff {
    /// A backoff starting at `min_ms`, capped at `max_ms`, with `jitter` in `0..=1`.
    pub fn new(min_ms: u64, max_ms: u64, jitter: f64, seed: u64) -> Self {
        Self {
            min_ms,
            max_ms,
            jitter: jitter.clamp(0.0, 1.0),
            attempts: 0,
            rng: seed,
        }
    }

    /// Attempts made since the last [`reset`](Self::reset).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next delay in milliseconds; counts an attempt.
    pub fn next_delay(&mut self) -> u64 {
        self.next_delay_up_to(self.max_ms)
    }

    /// [`next_delay`](Self::next_delay), capped at `max_ms` instead of the configured cap.
    pub fn next_delay_up_to(&mut self, max_ms: u64) -> u64 {
        let exponent = self.attempts.min(40);
        self.attempts = self.attempts.saturating_add(1);
        let mut ms = self.min_ms as f64 * 2f64.powi(exponent as i32);
        if self.jitter > 0.0 {
            let rand = self.next_unit();
            let deviation = (rand * self.jitter * ms).floor();
            ms = if ((rand * 10.0).floor() as u64) & 1 == 0 {
                ms - deviation
            } else {
                ms + deviation
            };
        }
        (ms.min(max_ms as f64).max(0.0)) as u64
    }

    /// Back to the first delay (after a successful connection).
    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// A uniform number in `[0, 1)` from splitmix64.
    fn next_unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_min_to_max_without_jitter() {
        let mut b = Backoff::new(1000, 5000, 0.0, 1);
        let delays: Vec<u64> = (0..6).map(|_| b.next_delay()).collect();
        assert_eq!(delays, [1000, 2000, 4000, 5000, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_delay(), 1000);
    }

    #[test]
    fn jitter_stays_within_half_and_replays_per_seed() {
        let run = |seed| {
            let mut b = Backoff::new(1000, 5000, 0.5, seed);
            (0..200).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let mut b = Backoff::new(1000, 5000, 0.5, 3);
        for _ in 0..1000 {
            b.reset();
            let first = b.next_delay();
            assert!((500..=1500).contains(&first), "{first}");
            let second = b.next_delay();
            assert!((1000..=3000).contains(&second), "{second}");
        }
    }

    #[test]
    fn never_overflows() {
        let mut b = Backoff::new(u64::MAX / 2, u64::MAX, 0.5, 1);
        for _ in 0..100 {
            b.next_delay();
        }
        assert_eq!(b.attempts(), 100);
    }
}
