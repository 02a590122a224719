//! Failure bookkeeping: after a refresh fails, requests do not ask again for the same token for a
//! while (the cool-down), a request whose 401 came before a failure does not ask again at all,
//! and the timer retries with growing delays while the token is still good.
//!
//! ```
//! use tokenfetch_engine::backoff::Failures;
//! let mut failures = Failures::default();
//! failures.record(3, 10_000.0, 1);
//! assert!(failures.in_cooldown(3, 14_000.0) && !failures.in_cooldown(3, 15_000.0));
//! assert!(!failures.in_cooldown(4, 11_000.0), "a new token is not cooling down");
//! assert_eq!(failures.retry_at(), Some(15_000.0), "5 s after the first failure");
//! failures.record(3, 15_000.0, 2);
//! assert_eq!(failures.retry_at(), Some(25_000.0), "then 10 s");
//! ```

use crate::expiry::{backoff_delay_ms, FAILED_REFRESH_COOLDOWN_MS};

/// What the failed refreshes so far imply.
#[derive(Debug, Default)]
pub struct Failures {
    in_row: u32,
    /// Token generation and server time of the last failure.
    last: Option<(u64, f64)>,
    /// Finished-refresh count right after the last failure.
    last_seq: Option<u64>,
}

impl Failures {
    /// A refresh of token `generation` failed at server time `at`; `finished` refreshes have ended
    /// so far, this one included.
    pub fn record(&mut self, generation: u64, at: f64, finished: u64) {
        self.in_row = self.in_row.saturating_add(1);
        self.last = Some((generation, at));
        self.last_seq = Some(finished);
    }

    /// A refresh installed a token: the streak is over.
    pub fn reset(&mut self) {
        self.in_row = 0;
    }

    /// A refresh of token `generation` failed less than [`FAILED_REFRESH_COOLDOWN_MS`] before
    /// server time `now`: requests wait before asking the source again for it.
    pub fn in_cooldown(&self, generation: u64, now: f64) -> bool {
        self.last.is_some_and(|(failed, at)| failed == generation && now - at < FAILED_REFRESH_COOLDOWN_MS)
    }

    /// A refresh failed after the moment a request saw `finished_at_send` finished refreshes: that
    /// request's 401 was answered by it already.
    pub fn failed_since(&self, finished_at_send: u64) -> bool {
        self.last_seq.is_some_and(|seq| seq > finished_at_send)
    }

    /// When the timer tries again after failures in a row (server time): 5 s, 10 s, 20 s, 40 s,
    /// then every 60 s after the last one; `None` without a streak.
    pub fn retry_at(&self) -> Option<f64> {
        if self.in_row == 0 {
            return None;
        }
        Some(self.last.map_or(0.0, |(_, at)| at) + backoff_delay_ms(self.in_row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_a_success_ends_the_streak() {
        let mut failures = Failures::default();
        assert_eq!(failures.retry_at(), None);
        let mut at = 0.0;
        let mut delays = alloc::vec::Vec::new();
        for n in 1..=6 {
            failures.record(1, at, n);
            let next = failures.retry_at().unwrap();
            delays.push(next - at);
            at = next;
        }
        assert_eq!(delays, [5_000.0, 10_000.0, 20_000.0, 40_000.0, 60_000.0, 60_000.0]);
        failures.reset();
        assert_eq!(failures.retry_at(), None);
    }

    #[test]
    fn only_requests_sent_before_a_failure_count_it() {
        let mut failures = Failures::default();
        assert!(!failures.failed_since(0));
        failures.record(1, 0.0, 3);
        assert!(failures.failed_since(2), "sent when two refreshes had finished: this failure came after");
        assert!(!failures.failed_since(3), "sent after it");
    }
}
