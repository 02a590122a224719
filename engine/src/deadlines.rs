//! The engine's timer plan. Every deadline the client has is one of these: the proactive refresh
//! ahead of expiry (or its back-off after failures), the refresh timeout (`refreshTimeoutMs` from
//! when the source was asked), and the wait for other tabs' acknowledgements. The engine gathers
//! them into [`Deadlines`]; [`Deadlines::next`] is what [`Engine::poll_timeout`] answers, and
//! [`Engine::handle_timeout`] acts on those that passed. The shell arms one host timer for it and
//! chooses no duration itself.
//!
//! [`Engine::poll_timeout`]: crate::Engine::poll_timeout
//! [`Engine::handle_timeout`]: crate::Engine::handle_timeout
//!
//! ```
//! use tokenfetch_engine::deadlines::Deadlines;
//! use tokenfetch_engine::expiry::MAX_TIMER_SLICE_MS;
//! let plan = Deadlines { refresh_at: Some(60_000.0), timeout_at: None, acks_until: Some(300.0) };
//! assert_eq!(plan.next(0.0), Some(300.0), "the earliest deadline");
//! let far = Deadlines { refresh_at: Some(60_000.0), timeout_at: None, acks_until: None };
//! assert_eq!(far.next(0.0), Some(MAX_TIMER_SLICE_MS), "a far refresh is re-checked in slices");
//! ```

use crate::expiry::MAX_TIMER_SLICE_MS;

/// The deadlines in force, in local ms since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Deadlines {
    /// The proactive refresh.
    pub refresh_at: Option<f64>,
    /// The running refresh's timeout.
    pub timeout_at: Option<f64>,
    /// The end of the wait for acknowledgements.
    pub acks_until: Option<f64>,
}

impl Deadlines {
    /// When to be woken next, given the local time `now`: the earliest deadline; while a refresh is
    /// planned, no later than [`MAX_TIMER_SLICE_MS`] from now, since host timers do not count time
    /// the machine slept and the wall clock must be looked at again.
    pub fn next(&self, now: f64) -> Option<f64> {
        let refresh = self.refresh_at.map(|at| at.min(now + MAX_TIMER_SLICE_MS));
        [refresh, self.timeout_at, self.acks_until].into_iter().flatten().reduce(f64::min)
    }
}

/// When the proactive refresh is due (server time): the token's timer moment, or after failures
/// in a row the back-off's next try, but only while the token has not expired (then requests take
/// over); `None` when there is nothing to plan.
pub fn refresh_at(timer_due: Option<f64>, expires_at: Option<f64>, retry_at: Option<f64>, now: f64) -> Option<f64> {
    let exp = expires_at?;
    match retry_at {
        Some(_) if exp <= now => None,
        Some(at) => Some(at),
        None => timer_due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_planned_means_no_timer() {
        assert_eq!(Deadlines::default().next(0.0), None);
    }

    #[test]
    fn passed_deadlines_are_due_now_and_slices_only_bound_the_refresh() {
        let plan = Deadlines { refresh_at: Some(-5.0), timeout_at: Some(20_000.0), acks_until: None };
        assert_eq!(plan.next(0.0), Some(-5.0));
        let timeout = Deadlines { refresh_at: None, timeout_at: Some(20_000.0), acks_until: None };
        assert_eq!(timeout.next(0.0), Some(20_000.0), "a timeout is a plain duration: no slices");
    }

    #[test]
    fn back_off_lasts_while_the_token_is_good() {
        assert_eq!(refresh_at(Some(50.0), Some(100.0), None, 0.0), Some(50.0));
        assert_eq!(refresh_at(Some(50.0), Some(100.0), Some(70.0), 60.0), Some(70.0));
        assert_eq!(refresh_at(Some(50.0), Some(100.0), Some(170.0), 100.0), None, "expired: requests take over");
        assert_eq!(refresh_at(None, None, None, 0.0), None, "no expiry known");
    }
}
