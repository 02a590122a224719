//! The token state: the token held (if any), what is known of its times, where it came from, and
//! a generation number that changes whenever the token does, so that a call or a refresh can tell
//! that the token it started with was replaced meanwhile.
//!
//! ```
//! use tokenfetch_engine::held::TokenState;
//! use tokenfetch_engine::token::Token;
//! use tokenfetch_engine::token_result::NewToken;
//! let mut state = TokenState::default();
//! let token = Token::parse("t0k".into()).unwrap();
//! state.install(NewToken { token, expires_at_ms: Some(600_000.0), issued_at_ms: Some(0.0), bearer: false }, false, 0.0, 0.0);
//! assert_eq!(state.generation(), 1);
//! // A 10-minute token with refreshAheadSeconds 60 is due 9 minutes in.
//! assert_eq!(state.due_at(60_000.0), Some(540_000.0));
//! assert!(state.forget());
//! assert_eq!(state.generation(), 2);
//! ```

use crate::expiry::{due_at_ms, jitter_ms};
use crate::tabs::Shared;
use crate::token::Token;
use crate::token_result::NewToken;

/// The token held and what is known of it.
#[derive(Debug)]
pub struct Held {
    /// The token.
    pub token: Token,
    /// Its expiry (server time, ms), when known.
    pub expires_at_ms: Option<f64>,
    /// Its `iat` (ms), when known.
    pub issued_at_ms: Option<f64>,
    /// Server time of installation.
    pub installed_at_ms: f64,
    /// A refresh (here or in another tab) produced it; the application's tokens are `false`.
    pub from_refresh: bool,
    /// The provider said `token_type: "Bearer"`: sent without a DPoP proof.
    pub bearer: bool,
    /// Random in [0, 1), drawn per token: how much earlier than due the timer refreshes it.
    jitter: f64,
}

/// The token slot and its generation.
#[derive(Debug, Default)]
pub struct TokenState {
    held: Option<Held>,
    generation: u64,
}

impl TokenState {
    /// Installs `new` (installed at server time `installed_at_ms`; `jitter` in [0, 1)).
    pub fn install(&mut self, new: NewToken, from_refresh: bool, installed_at_ms: f64, jitter: f64) {
        self.held = Some(Held {
            token: new.token,
            expires_at_ms: new.expires_at_ms,
            issued_at_ms: new.issued_at_ms,
            installed_at_ms,
            from_refresh,
            bearer: new.bearer,
            jitter,
        });
        self.generation += 1;
    }

    /// Forgets the token (zeroized as it drops); true when one was held.
    pub fn forget(&mut self) -> bool {
        let had = self.held.take().is_some();
        if had {
            self.generation += 1;
        }
        had
    }

    /// The token held.
    pub fn held(&self) -> Option<&Held> {
        self.held.as_ref()
    }

    /// Changes every time the token is installed, replaced or cleared.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether `token` is the one held.
    pub fn holds(&self, token: &Token) -> bool {
        self.held.as_ref().is_some_and(|held| held.token == *token)
    }

    /// The token as one tab hands it to another.
    pub fn shared(&self) -> Option<Shared> {
        self.held.as_ref().map(|held| Shared {
            token: held.token.clone(),
            expires_at_ms: held.expires_at_ms,
            issued_at_ms: held.issued_at_ms,
            bearer: held.bearer,
        })
    }

    /// When the token is due for a refresh (server time), when its expiry is known: `exp` minus
    /// the window, the lifetime counted from its `iat` (or from when it was installed).
    pub fn due_at(&self, ahead_ms: f64) -> Option<f64> {
        let held = self.held.as_ref()?;
        let exp = held.expires_at_ms?;
        let start = held.issued_at_ms.unwrap_or(held.installed_at_ms);
        Some(due_at_ms(exp, start, held.installed_at_ms, ahead_ms, held.from_refresh))
    }

    /// When the timer refreshes it (server time): the due moment, earlier by up to a tenth of the
    /// time between it and the expiry, so that tabs holding the same token spread out.
    pub fn timer_due_at(&self, ahead_ms: f64) -> Option<f64> {
        let held = self.held.as_ref()?;
        let due = self.due_at(ahead_ms)?;
        Some(due - jitter_ms(held.expires_at_ms? - due, held.jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(text: &str, exp: Option<f64>, iat: Option<f64>) -> NewToken {
        NewToken { token: Token::parse(text.into()).unwrap(), expires_at_ms: exp, issued_at_ms: iat, bearer: false }
    }

    #[test]
    fn every_change_of_token_is_a_new_generation() {
        let mut state = TokenState::default();
        assert!(!state.forget(), "nothing to forget");
        assert_eq!(state.generation(), 0);
        state.install(new("a", None, None), false, 0.0, 0.0);
        state.install(new("b", None, None), true, 0.0, 0.0);
        assert_eq!(state.generation(), 2);
        assert!(state.holds(&Token::parse("b".into()).unwrap()));
        assert!(state.forget() && state.held().is_none());
        assert_eq!(state.generation(), 3);
    }

    #[test]
    fn without_an_expiry_nothing_is_due() {
        let mut state = TokenState::default();
        state.install(new("opaque", None, None), false, 0.0, 0.5);
        assert_eq!(state.due_at(60_000.0), None);
        assert_eq!(state.timer_due_at(60_000.0), None);
    }

    #[test]
    fn the_lifetime_counts_from_iat_or_installation() {
        let mut state = TokenState::default();
        state.install(new("a", Some(10_000.0), None), false, 2_000.0, 0.0);
        assert_eq!(state.due_at(60_000.0), Some(6_000.0), "8 s from installation: due after half");
        state.install(new("b", Some(10_000.0), Some(0.0)), false, 2_000.0, 0.0);
        assert_eq!(state.due_at(60_000.0), Some(5_000.0), "10 s from iat");
    }

    #[test]
    fn the_timer_comes_earlier_by_the_jitter() {
        let mut state = TokenState::default();
        state.install(new("a", Some(600_000.0), Some(0.0)), false, 0.0, 0.5);
        assert_eq!(state.due_at(60_000.0), Some(540_000.0));
        assert_eq!(state.timer_due_at(60_000.0), Some(537_000.0), "half of a tenth of 60 s earlier");
    }

    #[test]
    fn shared_tokens_keep_their_times_and_kind() {
        let mut state = TokenState::default();
        let mut bearer = new("a", Some(9.0), Some(1.0));
        bearer.bearer = true;
        state.install(bearer, true, 0.0, 0.0);
        let shared = state.shared().unwrap();
        assert_eq!((shared.expires_at_ms, shared.issued_at_ms, shared.bearer), (Some(9.0), Some(1.0), true));
    }
}
