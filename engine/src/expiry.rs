//! Expiry maths: the refresh window, when a token is due, the timer's slices and back-off.
//! Time is an input, so every rule is testable without a clock.
//!
//! ```
//! use tokenfetch_engine::expiry::window_ms;
//! // refreshAheadSeconds 60 and a 5-minute token: refresh in its last minute.
//! assert_eq!(window_ms(60_000.0, 300_000.0), 60_000.0);
//! // An 8-second token: refresh in its last 4 seconds, not on every request.
//! assert_eq!(window_ms(60_000.0, 8_000.0), 4_000.0);
//! ```

/// Longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once.
pub const MAX_TIMER_DELAY_MS: f64 = 2_147_483_647.0;

/// Longest single sleep of the proactive timer. It wakes at least this often and compares the
/// wall clock with the due time, so a machine that slept past the due time refreshes at once on
/// waking (timers do not count suspended time).
pub const MAX_TIMER_SLICE_MS: f64 = 5_000.0;

/// Shortest wait before the timer refreshes a token that a refresh has just installed and that
/// is already due (a provider that hands out old tokens): never a tight loop.
pub const MIN_REFRESH_INTERVAL_MS: f64 = 1_000.0;

/// After a failed refresh, no request triggers another refresh of the same token before it is due
/// for this long; 401s still may. An outage of the refresh endpoint costs one refresh per 5 s, not
/// one per request.
pub const FAILED_REFRESH_COOLDOWN_MS: f64 = 5_000.0;

/// The refresh window: `refreshAheadSeconds`, but at most half the token's lifetime, so a token
/// that lives shorter than `refreshAheadSeconds` is refreshed about twice per lifetime, not on
/// every request.
pub fn window_ms(ahead_ms: f64, lifetime_ms: f64) -> f64 {
    ahead_ms.min((lifetime_ms / 2.0).max(0.0))
}

/// When a token is due for a refresh (server time): `exp - window`, the lifetime counted from
/// `start` (its `iat`, or when it was installed). A token that a refresh has just installed and
/// that is due already waits half its remaining life (at least [`MIN_REFRESH_INTERVAL_MS`]).
pub fn due_at_ms(expires_at_ms: f64, start_ms: f64, installed_at_ms: f64, ahead_ms: f64, from_refresh: bool) -> f64 {
    let due = expires_at_ms - window_ms(ahead_ms, expires_at_ms - start_ms);
    if from_refresh && due <= installed_at_ms {
        installed_at_ms + ((expires_at_ms - installed_at_ms) / 2.0).max(MIN_REFRESH_INTERVAL_MS)
    } else {
        due
    }
}

/// The refresh moment moved earlier by up to 10 % of the window (`jitter` in [0, 1)), so that tabs
/// holding the same token do not all refresh in the same instant.
pub fn jitter_ms(window_ms: f64, jitter: f64) -> f64 {
    window_ms * 0.1 * jitter.clamp(0.0, 1.0)
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
    fn the_window_is_the_smaller_of_ahead_and_half_the_lifetime() {
        assert_eq!(window_ms(60_000.0, 3_600_000.0), 60_000.0);
        assert_eq!(window_ms(60_000.0, 120_000.0), 60_000.0);
        assert_eq!(window_ms(60_000.0, 100_000.0), 50_000.0);
        assert_eq!(window_ms(0.0, 8_000.0), 0.0);
        assert_eq!(window_ms(60_000.0, -5.0), 0.0, "a token born expired has no window");
    }

    #[test]
    fn a_token_is_due_at_exp_minus_the_window() {
        // A 10-minute token from iat 0, refreshAheadSeconds 60: due at 9 minutes.
        assert_eq!(due_at_ms(600_000.0, 0.0, 0.0, 60_000.0, false), 540_000.0);
        // An 8-second token: due after 4 seconds, counted from iat.
        assert_eq!(due_at_ms(8_000.0, 0.0, 1_000.0, 60_000.0, true), 4_000.0);
        // Without iat the lifetime counts from installation.
        assert_eq!(due_at_ms(10_000.0, 2_000.0, 2_000.0, 60_000.0, false), 6_000.0);
    }

    #[test]
    fn a_refreshed_token_that_is_already_due_waits_half_its_remaining_life() {
        // Issued long ago (iat 0), exp at 100 s, installed at 95 s by a refresh.
        assert_eq!(due_at_ms(100_000.0, 0.0, 95_000.0, 60_000.0, true), 97_500.0);
        assert_eq!(due_at_ms(100_000.0, 0.0, 99_500.0, 60_000.0, true), 100_500.0, "at least 1 s");
        // Set by the application: due now.
        assert_eq!(due_at_ms(100_000.0, 0.0, 95_000.0, 60_000.0, false), 50_000.0);
    }

    #[test]
    fn jitter_moves_the_moment_earlier_by_up_to_a_tenth() {
        assert_eq!(jitter_ms(60_000.0, 0.0), 0.0);
        assert!((jitter_ms(60_000.0, 0.999) - 5_994.0).abs() < 1.0);
        assert_eq!(jitter_ms(60_000.0, 7.0), 6_000.0);
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let delays: [f64; 7] = core::array::from_fn(|i| backoff_delay_ms(i as u32 + 1));
        assert_eq!(delays, [5_000.0, 10_000.0, 20_000.0, 40_000.0, 60_000.0, 60_000.0, 60_000.0]);
        assert_eq!(backoff_delay_ms(0), 5_000.0);
    }
}
