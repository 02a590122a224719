//! One `fetch` call as a state machine: [`Call::next`] takes what just happened and answers what
//! to do, recording its own history, so "at most one refresh and one retry, and at most one nonce
//! retry per send" holds by construction and the property tests drive the same code the browser
//! runs.
//!
//! A *send* is the request going out with a token: the first one, and the retry after a refresh.
//! Each send may go out once more without a refresh: with a proof holding the nonce a DPoP server
//! asked for, or (a GET or HEAD that a redirect took elsewhere) to the URL that answered.
//!
//! ```
//! use tokenfetch_engine::{Config, Engine, Output};
//! use tokenfetch_engine::call::{Call, Head, Input, Step};
//! use tokenfetch_engine::token::Token;
//! use tokenfetch_engine::token_result::TokenResult;
//! let config = Config { has_source: true, ..Config::default() };
//! let mut engine = Engine::new(config, Some(Token::parse("old".into()).unwrap()), 1, 0.0);
//! let mut call = Call::default();
//! assert_eq!(call.next(&mut engine, Input::Start, 0.0), Step::Send { proof: None, to: None });
//! // The server says 401: refresh, then retry with the new token.
//! let head = Head { status: 401, ..Head::default() };
//! let Step::Wait(refresh) = call.next(&mut engine, Input::Response(head), 1.0) else { unreachable!() };
//! engine.source_answered(refresh, Ok(TokenResult::from("new")), 2.0);
//! assert_eq!(call.next(&mut engine, Input::Settled, 2.0), Step::Send { proof: None, to: None });
//! assert_eq!(call.next(&mut engine, Input::Response(Head { status: 200, ..Head::default() }), 3.0), Step::Deliver);
//! assert_eq!((call.refreshes(), call.retries(), call.sends()), (1, 1, 2));
//! ```

use alloc::string::String;

use crate::challenge::is_nonce_challenge;
use crate::dpop::Proof;
use crate::engine::Engine;
pub use crate::engine::Mode;
use crate::event::{Cause, Trigger};
use crate::single_flight::RefreshId;

/// What the shell tells the call.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// The call begins.
    Start,
    /// The refresh it waited for is over (however it ended).
    Settled,
    /// The response to the last send arrived.
    Response(Head<'a>),
    /// The `error` member of the JSON body of a 400 the call asked about ([`Step::ReadError`]).
    ErrorCode(Option<&'a str>),
}

/// What the call needs of a response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Head<'a> {
    /// The status.
    pub status: u16,
    /// `WWW-Authenticate`, when present (read when [`Engine::reads_challenge`] says so).
    pub www_authenticate: Option<&'a str>,
    /// `Date` in ms since the epoch, when present and readable.
    pub date_ms: Option<f64>,
    /// Whether it carries `Age` (it came from a cache).
    pub age: bool,
    /// `DPoP-Nonce`, when present (read with DPoP on).
    pub dpop_nonce: Option<&'a str>,
    /// The URL that answered, when a redirect led there (read with DPoP on, for a 401).
    pub redirected_to: Option<&'a str>,
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send the request (a fresh copy): with [`Engine::authorization`] in [`Mode::Token`] (none
    /// without a token), with a `DPoP` header holding a proof of these claims when there is one,
    /// to `to` instead of the request's own URL when a redirect resend moved it.
    Send {
        /// The proof to make and send with it.
        proof: Option<Proof>,
        /// Where to send it, when not to the request's URL.
        to: Option<String>,
    },
    /// Wait for this refresh to settle, then answer [`Input::Settled`]. The engine runs it (its
    /// outputs say how); it goes on for the others if this caller stops waiting.
    Wait(RefreshId),
    /// Read the `error` member of the last response's JSON body (on a copy: the caller may still
    /// get the response) and answer [`Input::ErrorCode`].
    ReadError,
    /// Hand the caller the last response.
    Deliver,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Stage {
    #[default]
    BeforeSend,
    Sent,
    AwaitingRefresh,
    AwaitingErrorCode,
}

/// The history of one `fetch` call.
#[derive(Debug, Clone, Default)]
pub struct Call {
    mode: Mode,
    /// Where sends go: the request's URL, or the one a redirect resend moved to.
    url: String,
    /// The request's method (known with DPoP on).
    method: String,
    redirected: bool,
    stage: Stage,
    waited_before_send: bool,
    refreshes: u8,
    retries: u8,
    sends: u8,
    nonce_retries: u8,
    /// This send went out once more already (nonce or redirect).
    resent: bool,
    /// The last send carried a proof, with this nonce.
    proof_sent: bool,
    sent_nonce: Option<String>,
    sent_generation: u64,
    finished_at_send: u64,
    status: u16,
}

impl Call {
    /// A call of `mode` for the request `method url` (the URL as the host serialized it; the
    /// method is needed only with DPoP on).
    pub fn new(mode: Mode, method: String, url: String) -> Call {
        Call { mode, method, url, ..Call::default() }
    }

    /// The next step, given what just happened (`now`: local ms since the epoch).
    pub fn next(&mut self, engine: &mut Engine, input: Input<'_>, now: f64) -> Step {
        match input {
            Input::Start if self.mode == Mode::Proof => self.send(engine, now),
            Input::Start => self.before_send(engine, now),
            Input::Settled if self.stage == Stage::AwaitingRefresh => self.after_refresh(engine, now),
            Input::Settled => self.before_send(engine, now),
            Input::Response(head) => self.after_response(engine, head, now),
            Input::ErrorCode(Some("use_dpop_nonce"))
                if self.stage == Stage::AwaitingErrorCode && self.same_send(engine) =>
            {
                self.nonce_retry(engine, now)
            }
            Input::ErrorCode(_) => self.token_rules(engine, None, now),
        }
    }

    /// Refreshes this call ran or joined (at most one).
    pub fn refreshes(&self) -> u8 {
        self.refreshes
    }

    /// Retries with a new or newer token (at most one).
    pub fn retries(&self) -> u8 {
        self.retries
    }

    /// Retries for a DPoP nonce (at most one per send).
    pub fn nonce_retries(&self) -> u8 {
        self.nonce_retries
    }

    /// Requests that went out (at most two per send).
    pub fn sends(&self) -> u8 {
        self.sends
    }

    fn before_send(&mut self, engine: &mut Engine, now: f64) -> Step {
        if let Some(refresh) = engine.refreshing() {
            // Another caller's refresh is running: wait for it once, then go.
            if !self.waited_before_send {
                self.waited_before_send = true;
                return Step::Wait(refresh);
            }
            return self.send(engine, now);
        }
        if self.refreshes == 0 && engine.may_refresh() && engine.is_due(now) && !engine.in_failure_cooldown(now) {
            return self.refresh(engine, Trigger::Expiry, now);
        }
        self.send(engine, now)
    }

    fn after_response(&mut self, engine: &mut Engine, head: Head<'_>, now: f64) -> Step {
        engine.observe_response(head.date_ms, head.age, now);
        self.status = head.status;
        if let Some(nonce) = head.dpop_nonce {
            engine.learn_nonce(&self.url, nonce);
        }
        if self.proof_sent && !self.resent && self.same_send(engine) {
            // A nonce other than the one just sent: once more with it, no refresh.
            if head.dpop_nonce.is_some_and(|nonce| Some(nonce) != self.sent_nonce.as_deref()) {
                if head.status == 401 && head.www_authenticate.is_some_and(is_nonce_challenge) {
                    return self.nonce_retry(engine, now);
                }
                if head.status == 400 {
                    self.stage = Stage::AwaitingErrorCode;
                    return Step::ReadError;
                }
            }
            // A GET or HEAD that a redirect within the allowed origins took elsewhere, refused
            // there: its proof's `htu` was the old URL (the browser re-sends headers as they were).
            let redirected = head.redirected_to.filter(|to| {
                head.status == 401
                    && matches!(self.method.as_str(), "GET" | "HEAD")
                    && *to != self.url
                    && engine.authorizes(to, false, false)
            });
            if let Some(to) = redirected {
                self.url = to.into();
                self.redirected = true;
                return self.resend(engine, now);
            }
        }
        self.token_rules(engine, head.www_authenticate, now)
    }

    /// Whether the last send may go out once more as it was: its token is still the one held (a
    /// token replaced or cleared meanwhile is the token rules' business).
    fn same_send(&self, engine: &Engine) -> bool {
        self.mode == Mode::Proof || engine.generation() == self.sent_generation
    }

    /// The rules of a response that was not answered by a resend: one refresh and one retry for
    /// a token problem.
    fn token_rules(&mut self, engine: &mut Engine, www_authenticate: Option<&str>, now: f64) -> Step {
        if self.mode == Mode::Proof || self.retries > 0 || !engine.is_token_problem(self.status, www_authenticate) {
            return Step::Deliver;
        }
        if engine.generation() != self.sent_generation {
            // Replaced while in flight: the new token deserves one try. Cleared: logged out.
            return if engine.has_token() { self.retry(engine, now) } else { Step::Deliver };
        }
        if self.refreshes > 0 || !engine.may_refresh() || engine.failed_since(self.finished_at_send) {
            return Step::Deliver;
        }
        self.stage = Stage::AwaitingRefresh;
        self.refresh(engine, Trigger::Status, now)
    }

    fn after_refresh(&mut self, engine: &mut Engine, now: f64) -> Step {
        if engine.generation() != self.sent_generation && engine.has_token() {
            self.retry(engine, now)
        } else {
            Step::Deliver
        }
    }

    fn refresh(&mut self, engine: &mut Engine, trigger: Trigger, now: f64) -> Step {
        self.refreshes += 1;
        Step::Wait(engine.refresh(trigger, now).id())
    }

    fn retry(&mut self, engine: &mut Engine, now: f64) -> Step {
        self.retries += 1;
        engine.note_retry(self.status, Cause::Token);
        self.send(engine, now)
    }

    fn nonce_retry(&mut self, engine: &mut Engine, now: f64) -> Step {
        self.nonce_retries += 1;
        engine.note_retry(self.status, Cause::DpopNonce);
        self.resend(engine, now)
    }

    /// A new send.
    fn send(&mut self, engine: &mut Engine, now: f64) -> Step {
        self.resent = false;
        self.finished_at_send = engine.finished_refreshes();
        self.dispatch(engine, now)
    }

    /// The same send once more (nonce or redirect).
    fn resend(&mut self, engine: &mut Engine, now: f64) -> Step {
        self.resent = true;
        self.dispatch(engine, now)
    }

    fn dispatch(&mut self, engine: &mut Engine, now: f64) -> Step {
        self.sends += 1;
        self.stage = Stage::Sent;
        self.sent_generation = engine.generation();
        let proof = engine.proof(self.mode, &self.method, &self.url, now);
        self.proof_sent = proof.is_some();
        self.sent_nonce = proof.as_ref().and_then(|proof| proof.nonce.clone());
        Step::Send { proof, to: self.redirected.then(|| self.url.clone()) }
    }
}
