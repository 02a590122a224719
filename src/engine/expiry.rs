//! Expiry maths: when a token needs refreshing, and when the proactive timer should fire.
//! Time is an input (`now_ms`), so every rule is testable without a clock.
//!
//! ```
//! use tokenfetch::engine::expiry::needs_refresh;
//! // exp in 30 s, refresh 60 s ahead: refresh now.
//! assert!(needs_refresh(Some(130_000.0), 100_000.0, 60_000.0));
//! assert!(!needs_refresh(None, 100_000.0, 60_000.0));
//! ```

/// Longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once.
pub const MAX_TIMER_DELAY_MS: f64 = 2_147_483_647.0;

/// Shortest wait before a timer re-refreshes a token that a refresh has just installed
/// and that is already inside the refresh window (tokens shorter-lived than the window).
pub const MIN_REFRESH_INTERVAL_MS: f64 = 1_000.0;

/// After a failed refresh, no request triggers another proactive refresh of the same token for
/// this long; 401s still may. Keeps an outage of the refresh endpoint from costing a refresh per request.
pub const FAILED_REFRESH_COOLDOWN_MS: f64 = 5_000.0;

/// The contract's rule: refresh when the expiry is known and `exp - now <= ahead`.
pub fn needs_refresh(expires_at_ms: Option<f64>, now_ms: f64, ahead_ms: f64) -> bool {
    expires_at_ms.is_some_and(|exp| exp - now_ms <= ahead_ms)
}

/// How long until the proactive timer should refresh, or `None` when no timer is needed
/// (expiry unknown).
///
/// A token that a refresh has just installed and that is already inside the window would make
/// the timer fire again at once, forever; such a token waits half its remaining life instead
/// (at least [`MIN_REFRESH_INTERVAL_MS`]).
pub fn timer_delay_ms(expires_at_ms: Option<f64>, now_ms: f64, ahead_ms: f64, from_refresh: bool) -> Option<f64> {
    let exp = expires_at_ms?;
    let due = exp - ahead_ms - now_ms;
    let delay = if due > 0.0 {
        due
    } else if from_refresh {
        ((exp - now_ms) / 2.0).max(MIN_REFRESH_INTERVAL_MS)
    } else {
        0.0
    };
    Some(delay.min(MAX_TIMER_DELAY_MS))
}

/// Longest single sleep of the proactive timer. The timer wakes at least this often and compares
/// the wall clock with the due time, so a machine that slept past the due time refreshes at once
/// on waking (timers do not count suspended time).
pub const MAX_TIMER_SLICE_MS: f64 = 5_000.0;

/// The refresh moment moved earlier by up to 10 % of the refresh window (`jitter` in [0, 1)), so
/// that tabs holding the same token do not all refresh in the same instant.
pub fn jittered_ahead_ms(ahead_ms: f64, jitter: f64) -> f64 {
    ahead_ms * (1.0 + 0.1 * jitter.clamp(0.0, 1.0))
}

/// Wait before the timer tries again after `failures` failed refreshes in a row:
/// 5 s, 10 s, 20 s, 40 s, then every 60 s.
pub fn backoff_delay_ms(failures: u32) -> f64 {
    let exp = failures.saturating_sub(1).min(4);
    (5_000.0 * f64::from(1u32 << exp)).min(60_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_window_is_inclusive() {
        assert!(needs_refresh(Some(160_000.0), 100_000.0, 60_000.0));
        assert!(!needs_refresh(Some(160_001.0), 100_000.0, 60_000.0));
        assert!(needs_refresh(Some(50_000.0), 100_000.0, 0.0), "an expired token needs a refresh");
    }

    #[test]
    fn timer_fires_at_the_window_start() {
        assert_eq!(timer_delay_ms(Some(600_000.0), 0.0, 60_000.0, false), Some(540_000.0));
        assert_eq!(timer_delay_ms(None, 0.0, 60_000.0, false), None);
    }

    #[test]
    fn a_set_token_inside_the_window_refreshes_at_once() {
        assert_eq!(timer_delay_ms(Some(30_000.0), 0.0, 60_000.0, false), Some(0.0));
    }

    #[test]
    fn a_refreshed_token_inside_the_window_does_not_spin() {
        assert_eq!(timer_delay_ms(Some(30_000.0), 0.0, 60_000.0, true), Some(15_000.0));
        assert_eq!(timer_delay_ms(Some(500.0), 0.0, 60_000.0, true), Some(MIN_REFRESH_INTERVAL_MS));
    }

    #[test]
    fn far_expiries_are_clamped_to_what_set_timeout_accepts() {
        assert_eq!(timer_delay_ms(Some(1e15), 0.0, 60_000.0, false), Some(MAX_TIMER_DELAY_MS));
    }

    #[test]
    fn jitter_only_moves_the_refresh_earlier_by_at_most_ten_percent() {
        assert_eq!(jittered_ahead_ms(60_000.0, 0.0), 60_000.0);
        assert!((jittered_ahead_ms(60_000.0, 0.999) - 65_994.0).abs() < 1.0);
        assert_eq!(jittered_ahead_ms(60_000.0, 7.0), 66_000.0);
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let delays: Vec<f64> = (1..=7).map(backoff_delay_ms).collect();
        assert_eq!(delays, [5_000.0, 10_000.0, 20_000.0, 40_000.0, 60_000.0, 60_000.0, 60_000.0]);
        assert_eq!(backoff_delay_ms(0), 5_000.0);
    }
}
