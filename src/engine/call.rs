//! The retry policy of one `fetch` call: at most one refresh and one retry, the stale-token
//! rule, and when to refresh before sending.
//!
//! ```
//! use tokenfetch::engine::call::{After, Call, Policy};
//! use tokenfetch::engine::state::TokenState;
//! let state = TokenState::default();
//! let policy = Policy { refresh_ahead_ms: 60_000.0, has_source: true };
//! let mut call = Call::default();
//! call.sent(&state);
//! // A 401 for a request sent with the current token: refresh, then retry.
//! assert_eq!(call.after_response(&state, &policy, true), After::RefreshThenRetry);
//! ```

use crate::engine::expiry::{needs_refresh, FAILED_REFRESH_COOLDOWN_MS};
use crate::engine::state::TokenState;

/// The client-wide settings the policy needs.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `refreshAheadSeconds` in ms.
    pub refresh_ahead_ms: f64,
    /// Whether a callback or `refreshUrl` can produce tokens.
    pub has_source: bool,
}

/// What to do before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    /// Send now with the current token.
    Send,
    /// Another caller's refresh is running: wait for it, then ask again.
    AwaitRefresh,
    /// The token is missing or about to expire: refresh (this call's one refresh), then send.
    RefreshFirst,
}

/// What to do with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Hand the response to the caller.
    Deliver,
    /// The token was replaced while the request was out: retry with the current one, no refresh.
    RetryNow,
    /// Refresh (or join the running refresh), then ask [`Call::after_refresh`].
    RefreshThenRetry,
}

/// The history of one `fetch` call.
#[derive(Debug, Clone, Copy, Default)]
pub struct Call {
    refreshed: bool,
    awaited: bool,
    retried: bool,
    sent_generation: u64,
    finished_at_send: u64,
}

impl Call {
    /// Decides what happens before the (first) send.
    pub fn before_send(&self, state: &TokenState, policy: &Policy, now_ms: f64) -> Before {
        if state.is_refreshing() && !self.awaited {
            return Before::AwaitRefresh;
        }
        if !policy.has_source || self.refreshed || state.is_refreshing() {
            return Before::Send;
        }
        let due = match state.token() {
            None => true,
            Some(_) => needs_refresh(state.expires_at_ms(), now_ms, policy.refresh_ahead_ms),
        };
        if due && !state.in_failure_cooldown(now_ms, FAILED_REFRESH_COOLDOWN_MS) {
            Before::RefreshFirst
        } else {
            Before::Send
        }
    }

    /// Records that this call waited for another caller's refresh.
    pub fn awaited_refresh(&mut self) {
        self.awaited = true;
    }

    /// Records that this call ran (or joined) its one refresh.
    pub fn refreshed(&mut self) {
        self.refreshed = true;
    }

    /// Records which token generation the request went out with.
    pub fn sent(&mut self, state: &TokenState) {
        self.sent_generation = state.generation();
        self.finished_at_send = state.finished_refreshes();
    }

    /// Records the one retry.
    pub fn retried(&mut self) {
        self.retried = true;
    }

    /// Decides what to do with a response; `is_token_problem` is true for a status in `refreshOn`
    /// that is not an `insufficient_scope` challenge.
    pub fn after_response(&self, state: &TokenState, policy: &Policy, is_token_problem: bool) -> After {
        if !is_token_problem || self.retried {
            return After::Deliver;
        }
        if state.generation() != self.sent_generation {
            // Replaced while in flight: the new token deserves one try. Cleared: the user logged out.
            return if state.token().is_some() { After::RetryNow } else { After::Deliver };
        }
        if !policy.has_source || self.refreshed || state.failed_since(self.finished_at_send) {
            return After::Deliver;
        }
        After::RefreshThenRetry
    }

    /// After this call's refresh: retry when the token it was sent with has been replaced.
    pub fn after_refresh(&self, state: &TokenState) -> After {
        if state.generation() != self.sent_generation && state.token().is_some() {
            After::RetryNow
        } else {
            After::Deliver
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::state::{Begin, Origin};
    use crate::engine::token::Token;
    use crate::engine::token_result::NewToken;

    const POLICY: Policy = Policy { refresh_ahead_ms: 60_000.0, has_source: true };

    fn install(state: &mut TokenState, exp: Option<f64>) {
        let token = Token::parse("tok".to_owned()).unwrap();
        state.install(NewToken { token, expires_at_ms: exp, issued_at_ms: None }, Origin::Refresh);
    }

    fn refresh(state: &mut TokenState, succeed: bool) {
        let Begin::Start(id) = state.begin_refresh() else { panic!("refresh already running") };
        if succeed {
            install(state, None);
        }
        state.finish_refresh(id, succeed, 0.0);
    }

    #[test]
    fn fresh_token_is_sent_and_near_expiry_is_refreshed_first() {
        let mut state = TokenState::default();
        install(&mut state, Some(1_000_000.0));
        let call = Call::default();
        assert_eq!(call.before_send(&state, &POLICY, 0.0), Before::Send);
        assert_eq!(call.before_send(&state, &POLICY, 940_000.0), Before::RefreshFirst);
        let no_source = Policy { has_source: false, ..POLICY };
        assert_eq!(call.before_send(&state, &no_source, 940_000.0), Before::Send);
    }

    #[test]
    fn missing_token_with_a_source_is_fetched_first() {
        let state = TokenState::default();
        assert_eq!(Call::default().before_send(&state, &POLICY, 0.0), Before::RefreshFirst);
    }

    #[test]
    fn a_running_refresh_is_awaited_once() {
        let mut state = TokenState::default();
        install(&mut state, None);
        state.begin_refresh();
        let mut call = Call::default();
        assert_eq!(call.before_send(&state, &POLICY, 0.0), Before::AwaitRefresh);
        call.awaited_refresh();
        assert_eq!(call.before_send(&state, &POLICY, 0.0), Before::Send);
    }

    #[test]
    fn a_failed_refresh_is_not_retried_by_every_request() {
        let mut state = TokenState::default();
        install(&mut state, Some(10_000.0));
        refresh(&mut state, false);
        let call = Call::default();
        assert_eq!(call.before_send(&state, &POLICY, 0.0), Before::Send, "within the cooldown");
        assert_eq!(call.before_send(&state, &POLICY, FAILED_REFRESH_COOLDOWN_MS), Before::RefreshFirst);
    }

    #[test]
    fn a_401_refreshes_once_and_retries_once() {
        let mut state = TokenState::default();
        install(&mut state, None);
        let mut call = Call::default();
        call.sent(&state);
        assert_eq!(call.after_response(&state, &POLICY, true), After::RefreshThenRetry);
        call.refreshed();
        refresh(&mut state, true);
        assert_eq!(call.after_refresh(&state), After::RetryNow);
        call.retried();
        call.sent(&state);
        assert_eq!(call.after_response(&state, &POLICY, true), After::Deliver, "no second retry");
    }

    #[test]
    fn a_failed_refresh_delivers_the_original_response() {
        let mut state = TokenState::default();
        install(&mut state, None);
        let mut call = Call::default();
        call.sent(&state);
        call.refreshed();
        refresh(&mut state, false);
        assert_eq!(call.after_refresh(&state), After::Deliver);
    }

    #[test]
    fn stale_token_401_is_retried_without_a_refresh() {
        let mut state = TokenState::default();
        install(&mut state, None);
        let mut call = Call::default();
        call.sent(&state);
        refresh(&mut state, true); // another caller's refresh
        assert_eq!(call.after_response(&state, &POLICY, true), After::RetryNow);
    }

    #[test]
    fn cleared_while_in_flight_is_delivered() {
        let mut state = TokenState::default();
        install(&mut state, None);
        let mut call = Call::default();
        call.sent(&state);
        state.clear();
        assert_eq!(call.after_response(&state, &POLICY, true), After::Deliver);
    }

    #[test]
    fn a_401_after_someone_elses_failed_refresh_does_not_call_again() {
        let mut state = TokenState::default();
        install(&mut state, None);
        let mut late = Call::default();
        late.sent(&state);
        refresh(&mut state, false);
        assert_eq!(late.after_response(&state, &POLICY, true), After::Deliver);
        let mut next = Call::default();
        next.sent(&state);
        assert_eq!(next.after_response(&state, &POLICY, true), After::RefreshThenRetry, "a later request may try again");
    }

    #[test]
    fn proactive_refresh_uses_up_the_calls_refresh() {
        let mut state = TokenState::default();
        install(&mut state, None);
        let mut call = Call::default();
        call.refreshed();
        call.sent(&state);
        assert_eq!(call.after_response(&state, &POLICY, true), After::Deliver);
    }

    #[test]
    fn non_token_problems_are_delivered() {
        let state = TokenState::default();
        let call = Call::default();
        assert_eq!(call.after_response(&state, &POLICY, false), After::Deliver);
        let no_source = Policy { has_source: false, ..POLICY };
        assert_eq!(call.after_response(&state, &no_source, true), After::Deliver);
    }
}
