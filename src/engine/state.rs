//! The client's token state: the current token and its expiry, a generation number that changes
//! whenever the token does, and the single-flight refresh gate.
//!
//! ```
//! use tokenfetch::engine::state::{Begin, TokenState};
//! let mut state = TokenState::default();
//! let Begin::Start(id) = state.begin_refresh() else { unreachable!() };
//! assert!(matches!(state.begin_refresh(), Begin::Join(joined) if joined == id));
//! state.finish_refresh(id, false, 0.0);
//! assert!(!state.is_refreshing());
//! ```

use crate::engine::token::Token;
use crate::engine::token_result::NewToken;

/// Where the current token came from; the proactive timer treats the two differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The constructor or `setToken`.
    Set,
    /// A refresh.
    Refresh,
}

/// Answer of [`TokenState::begin_refresh`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// No refresh was running: the caller runs this one.
    Start(u64),
    /// A refresh is running: the caller awaits it.
    Join(u64),
}

/// The token, its expiry and the refresh bookkeeping. Plain data: the browser layer owns one
/// inside a `RefCell` and never holds the borrow across an `.await`.
#[derive(Debug, Default)]
pub struct TokenState {
    token: Option<Token>,
    expires_at_ms: Option<f64>,
    issued_at_ms: Option<f64>,
    origin: Option<Origin>,
    generation: u64,
    running: Option<u64>,
    next_refresh_id: u64,
    /// Refreshes finished so far, failed or not: requests remember it when sent.
    finished: u64,
    /// Value of `finished` right after the last failed refresh.
    last_failure_seq: Option<u64>,
    /// Generation and time of the last failed refresh.
    last_failure: Option<(u64, f64)>,
    failures_in_row: u32,
}

impl TokenState {
    /// The current token.
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// Expiry of the current token in ms since the epoch, when known.
    pub fn expires_at_ms(&self) -> Option<f64> {
        self.expires_at_ms
    }

    /// `iat` of the current token in ms since the epoch, when known.
    pub fn issued_at_ms(&self) -> Option<f64> {
        self.issued_at_ms
    }

    /// Where the current token came from.
    pub fn origin(&self) -> Option<Origin> {
        self.origin
    }

    /// Changes every time the token is installed, replaced or cleared.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of refreshes that have finished, successful or not.
    pub fn finished_refreshes(&self) -> u64 {
        self.finished
    }

    /// Failed refreshes since the last successful one.
    pub fn failures_in_row(&self) -> u32 {
        self.failures_in_row
    }

    /// Installs a token (from the constructor, `setToken` or a refresh).
    pub fn install(&mut self, new: NewToken, origin: Origin) {
        self.token = Some(new.token);
        self.expires_at_ms = new.expires_at_ms;
        self.issued_at_ms = new.issued_at_ms;
        self.origin = Some(origin);
        self.generation += 1;
    }

    /// Forgets the token.
    pub fn clear(&mut self) {
        self.token = None;
        self.expires_at_ms = None;
        self.issued_at_ms = None;
        self.origin = None;
        self.generation += 1;
    }

    /// Whether a refresh is running.
    pub fn is_refreshing(&self) -> bool {
        self.running.is_some()
    }

    /// Starts a refresh, or joins the one that is running (single flight).
    pub fn begin_refresh(&mut self) -> Begin {
        if let Some(id) = self.running {
            return Begin::Join(id);
        }
        self.next_refresh_id += 1;
        self.running = Some(self.next_refresh_id);
        Begin::Start(self.next_refresh_id)
    }

    /// Ends refresh `id`; `installed` says whether it produced a token. A stale `id`
    /// (not the running refresh) changes nothing.
    pub fn finish_refresh(&mut self, id: u64, installed: bool, now_ms: f64) {
        if self.running != Some(id) {
            return;
        }
        self.running = None;
        self.finished += 1;
        if installed {
            self.failures_in_row = 0;
        } else {
            self.failures_in_row = self.failures_in_row.saturating_add(1);
            self.last_failure_seq = Some(self.finished);
            self.last_failure = Some((self.generation, now_ms));
        }
    }

    /// True when a refresh failed after the moment a request saw `finished_at_send` refreshes:
    /// that request's 401 has already been tried and must not call the application again.
    pub fn failed_since(&self, finished_at_send: u64) -> bool {
        self.last_failure_seq.is_some_and(|seq| seq > finished_at_send)
    }

    /// True when a refresh of the current token failed less than `cooldown_ms` ago.
    pub fn in_failure_cooldown(&self, now_ms: f64, cooldown_ms: f64) -> bool {
        self.last_failure
            .is_some_and(|(generation, at)| generation == self.generation && now_ms - at < cooldown_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_token(text: &str, exp: Option<f64>) -> NewToken {
        NewToken { token: Token::parse(text.to_owned()).unwrap(), expires_at_ms: exp, issued_at_ms: None }
    }

    #[test]
    fn generation_changes_with_every_install_and_clear() {
        let mut state = TokenState::default();
        let g0 = state.generation();
        state.install(new_token("a", None), Origin::Set);
        let g1 = state.generation();
        state.install(new_token("a", None), Origin::Refresh);
        let g2 = state.generation();
        state.clear();
        assert!(g0 < g1 && g1 < g2 && g2 < state.generation());
        assert!(state.token().is_none() && state.expires_at_ms().is_none());
    }

    #[test]
    fn one_refresh_at_a_time_and_stale_finishes_are_ignored() {
        let mut state = TokenState::default();
        let Begin::Start(first) = state.begin_refresh() else { panic!("should start") };
        assert_eq!(state.begin_refresh(), Begin::Join(first));
        state.finish_refresh(first + 7, true, 0.0);
        assert!(state.is_refreshing(), "a stale id must not end the running refresh");
        state.finish_refresh(first, true, 0.0);
        let Begin::Start(second) = state.begin_refresh() else { panic!("should start again") };
        assert_ne!(first, second);
    }

    #[test]
    fn failures_are_remembered_per_request_and_per_generation() {
        let mut state = TokenState::default();
        state.install(new_token("a", None), Origin::Set);
        let seen_at_send = state.finished_refreshes();
        let Begin::Start(id) = state.begin_refresh() else { panic!() };
        state.finish_refresh(id, false, 1_000.0);
        assert!(state.failed_since(seen_at_send));
        assert!(!state.failed_since(state.finished_refreshes()));
        assert!(state.in_failure_cooldown(2_000.0, 5_000.0));
        assert!(!state.in_failure_cooldown(7_000.0, 5_000.0));
        assert_eq!(state.failures_in_row(), 1);
        state.install(new_token("b", None), Origin::Set);
        assert!(!state.in_failure_cooldown(2_000.0, 5_000.0), "a new token starts afresh");
    }
}
