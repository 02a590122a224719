//! The client's state machine. It composes the rules, each in its own module: the token state
//! ([`held`](crate::held)), the single-flight refresh ([`single_flight`](crate::single_flight)),
//! the failure bookkeeping ([`backoff`](crate::backoff)), signing out and closing
//! ([`lifecycle`](crate::lifecycle)), the timer plan ([`deadlines`](crate::deadlines)), clock skew
//! ([`clock`](crate::clock)) and the tabs peer ([`tabs`](crate::tabs)). It does no I/O and reads
//! no clock: the shell passes `now` (local ms since the epoch) in, does what [`Engine::poll`]
//! says (emit events, take the tabs' lock, ask the source, post to other tabs), and arms one timer
//! for [`Engine::poll_timeout`].
//!
//! ```
//! use tokenfetch_engine::{Config, Engine, Output};
//! use tokenfetch_engine::event::{Event, Trigger};
//! use tokenfetch_engine::token_result::TokenResult;
//! let config = Config { has_source: true, ..Config::default() };
//! let mut engine = Engine::new(config, None, 1, 0.0);
//! let id = engine.refresh(Trigger::Manual, 0.0).id();
//! assert_eq!(engine.poll(), Some(Output::Event(Event::RefreshStart { trigger: Trigger::Manual })));
//! assert_eq!(engine.poll(), Some(Output::Ask(id)), "ask the source");
//! assert_eq!(engine.poll_timeout(), Some(10_000.0), "refreshTimeoutMs from now");
//! engine.source_answered(id, Ok(TokenResult::from("t0k")), 10.0);
//! assert!(engine.has_token());
//! let outputs: Vec<Output> = std::iter::from_fn(|| engine.poll()).collect();
//! assert_eq!(outputs, [
//!     Output::Event(Event::Refreshed { expires_at_ms: None, from_tab: false }),
//!     Output::Settled { refresh: id, outcome: Ok(()) },
//! ]);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::backoff::Failures;
use crate::challenge::is_token_problem;
use crate::clock::Skew;
use crate::deadlines::{refresh_at, Deadlines};
use crate::dpop::{Dpop, Proof, ProofError};
use crate::event::{Cause, Event, Reason, Trigger};
use crate::held::TokenState;
use crate::jwt::{JwtTimes, ReadClaims};
use crate::lifecycle::Lifecycle;
use crate::options::Settings;
use crate::origin::origin_of;
use crate::single_flight::{Begin, RefreshId, SingleFlight};
use crate::tabs::{Message, Peer, Reaction, Shared, TabId};
use crate::token::Token;
use crate::token_result::{accept, NewToken, TokenResult};

/// The client's configuration, as the engine needs it.
#[derive(Debug, Clone)]
pub struct Config {
    /// Validated numeric and textual options.
    pub settings: Settings,
    /// Whether a callback or `refreshUrl` can produce tokens.
    pub has_source: bool,
    /// Serialized origins (`https://api.example.com`) that receive the token.
    pub allowed_origins: Vec<String>,
    /// `shareAcrossTabs` is on and the host's channel and lock opened.
    pub share_across_tabs: bool,
    /// Reads a token's `exp`/`iat` (the host parses the JSON).
    pub read_claims: ReadClaims,
    /// `dpop`: tokens bound to the client's key, requests with proofs (RFC 9449).
    pub dpop: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            settings: Settings::default(),
            has_source: false,
            allowed_origins: Vec::new(),
            share_across_tabs: false,
            read_claims: |_| JwtTimes::default(),
            dpop: false,
        }
    }
}

/// What kind of request the call is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// It gets the token (an allowed origin): refresh handling, and a proof with DPoP.
    #[default]
    Token,
    /// `auth: "proof"` (and the `refreshUrl` POST with DPoP): a proof and no token, to any
    /// origin; nonce retries, no refresh.
    Proof,
}

/// How a refresh ended: a token installed, or why not.
pub type Outcome = Result<(), Failure>;

/// Why the source produced no token (the shell's side of a failed refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong.
    pub reason: Reason,
    /// The HTTP status, for [`Reason::RefreshUrlStatus`].
    pub status: Option<u16>,
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Failure {
        Failure { reason, status: None }
    }
}

/// What the engine has for the shell, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Tell the application (`onEvent`).
    Event(Event),
    /// Refresh `refresh` is over. The event, the state and `refresh()`'s answer all come from
    /// this one outcome.
    Settled {
        /// Which refresh.
        refresh: RefreshId,
        /// `Ok` when it installed a token (here, or another tab's), else why not.
        outcome: Outcome,
    },
    /// Take the tabs' Web Lock for this refresh, then call [`Engine::lock_granted`].
    Lock(RefreshId),
    /// Ask the source for a token now, then hand its answer to [`Engine::source_answered`];
    /// stop waiting for it once the refresh settles (timed out, or another tab's token came).
    Ask(RefreshId),
    /// Release the tabs' Web Lock: the refresh is over and every tab has its token (or the wait
    /// for them ended).
    Unlock,
    /// Post this on the tabs' channel.
    Post(Message),
    /// Forget the DPoP key held (signing out, `clear()`, or another tab's): the next proof uses
    /// another. `delete`: also delete it from storage (this tab's own signing out or `clear()`),
    /// and make no new key before that is done.
    DropKey {
        /// Delete the stored key too.
        delete: bool,
    },
}

/// The client's state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Engine {
    settings: Settings,
    has_source: bool,
    allowed_origins: Vec<String>,
    read_claims: ReadClaims,
    dpop: Dpop,
    tokens: TokenState,
    flight: SingleFlight,
    failures: Failures,
    lifecycle: Lifecycle,
    skew: Skew,
    tabs: Option<Peer>,
    /// The latest local time the engine was given: timers are planned from it.
    now: f64,
    rng: u64,
    /// What the shell has not taken yet, oldest first (a handful at a time).
    out: Vec<Output>,
}

impl Engine {
    /// A client with `initial` as its first token (reported as `token-set`, not shared with other
    /// tabs). `seed` feeds the per-token jitter and the tab id; `now` is local ms since the epoch.
    pub fn new(config: Config, initial: Option<Token>, seed: u64, now: f64) -> Engine {
        let mut engine = Engine {
            settings: config.settings,
            has_source: config.has_source,
            allowed_origins: config.allowed_origins,
            read_claims: config.read_claims,
            dpop: Dpop::new(config.dpop),
            tokens: TokenState::default(),
            flight: SingleFlight::default(),
            failures: Failures::default(),
            lifecycle: Lifecycle::default(),
            skew: Skew::default(),
            tabs: None,
            now,
            // xorshift needs a state other than zero.
            rng: if seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { seed },
            out: Vec::new(),
        };
        if config.share_across_tabs {
            let id = engine.random() >> 11;
            engine.tabs = Some(Peer::new(id));
        }
        if let Some(token) = initial {
            engine.install_from_application(token, now);
        }
        if let Some(from) = engine.tab_id() {
            engine.post(Message::Hello { from, has_token: engine.has_token() });
        }
        engine
    }

    // --- the token -------------------------------------------------------------------------

    /// Replaces the token (`setToken`): `None` forgets it, like [`Engine::clear`]. Ends signing out.
    pub fn set_token(&mut self, token: Option<Token>, now: f64) {
        let Some(token) = token else {
            return self.clear();
        };
        if self.lifecycle.is_closed() {
            return;
        }
        self.install_from_application(token, now);
        self.lifecycle.resume();
        self.share(None);
    }

    fn install_from_application(&mut self, token: Token, now: f64) {
        let new = NewToken::from_token(token, self.read_claims);
        let expires_at_ms = new.expires_at_ms;
        self.install(new, false, now);
        self.emit(Event::TokenSet { expires_at_ms });
    }

    /// Forgets the token in every tab (`clear()`).
    pub fn clear(&mut self) {
        if self.lifecycle.is_closed() {
            return;
        }
        self.tokens.forget();
        self.emit(Event::Cleared);
        self.drop_key(true);
        if let Some(from) = self.tab_id() {
            self.post(Message::Cleared { from, signed_out: false });
        }
    }

    /// `free()`: forgets the token (zeroized), leaves the tabs' channel, settles a running refresh
    /// (`superseded`, without an event) and goes quiet.
    pub fn close(&mut self) {
        if let Some(from) = self.tab_id() {
            self.post(Message::Bye { from });
        }
        self.tokens.forget();
        self.lifecycle.close();
        if let Some(id) = self.flight.end_running() {
            self.settle(id, Err(Failure::from(Reason::Superseded)));
        }
    }

    /// Whether `free()` was called.
    pub fn is_closed(&self) -> bool {
        self.lifecycle.is_closed()
    }

    /// Whether a token is held.
    pub fn has_token(&self) -> bool {
        self.tokens.held().is_some()
    }

    /// Expiry of the current token in ms since the epoch (server time), when known.
    pub fn expires_at(&self) -> Option<f64> {
        self.tokens.held().and_then(|held| held.expires_at_ms)
    }

    /// The `Authorization` value for the current token, zeroized when dropped: `DPoP <token>`
    /// for a token bound to the client's key, else `<authScheme> <token>`.
    pub fn authorization(&self) -> Option<Zeroizing<String>> {
        self.tokens.held().map(|held| {
            let scheme = if self.dpop.is_on() && !held.bearer { "DPoP" } else { &self.settings.auth_scheme };
            held.token.header_value(scheme)
        })
    }

    /// Changes every time the token is installed, replaced or cleared.
    pub fn generation(&self) -> u64 {
        self.tokens.generation()
    }

    /// The source answered `false` and nothing has asked for a token since.
    pub fn is_signed_out(&self) -> bool {
        self.lifecycle.is_signed_out()
    }

    fn install(&mut self, new: NewToken, from_refresh: bool, now: f64) {
        self.now = now;
        self.skew.observe_token(new.issued_at_ms, new.expires_at_ms, now);
        let jitter = (self.random() >> 11) as f64 / (1u64 << 53) as f64;
        self.tokens.install(new, from_refresh, self.skew.server_now(now), jitter);
    }

    // --- requests ----------------------------------------------------------------------------

    /// Whether a request to `url` (as the host serialized it) gets the token and the refresh
    /// handling: its origin is allowed, and the caller neither opted out (`auth: false`) nor set
    /// `Authorization` itself.
    pub fn authorizes(&self, url: &str, opted_out: bool, has_authorization: bool) -> bool {
        let origin = origin_of(url);
        !opted_out && !has_authorization && self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// Learns the server's clock from a response's `Date` (ms since the epoch), unless it
    /// carries `Age`.
    pub fn observe_response(&mut self, date_ms: Option<f64>, has_age: bool, now: f64) {
        self.now = now;
        self.skew.observe_response(date_ms, has_age, now);
    }

    /// Whether a response's `WWW-Authenticate` matters: its status may ask for a new token (it is
    /// in `refreshOn`), or, with DPoP, for a nonce (401).
    pub fn reads_challenge(&self, status: u16) -> bool {
        self.settings.refresh_on.contains(&status) || (self.dpop.is_on() && status == 401)
    }

    /// Whether DPoP is on: responses' `DPoP-Nonce` (and a 401's redirect) matter.
    pub fn dpop(&self) -> bool {
        self.dpop.is_on()
    }

    /// Whether a response asks for a new token (`refreshOn`, not `insufficient_scope`).
    pub fn is_token_problem(&self, status: u16, www_authenticate: Option<&str>) -> bool {
        is_token_problem(status, &self.settings.refresh_on, www_authenticate)
    }

    /// Whether anything may ask the source for a token now.
    pub fn may_refresh(&self) -> bool {
        self.has_source && self.lifecycle.may_ask()
    }

    /// Whether a request should refresh before it is sent: no token, or the token is due.
    pub fn is_due(&self, now: f64) -> bool {
        match self.tokens.due_at(self.settings.refresh_ahead_ms) {
            Some(due) => self.skew.server_now(now) >= due,
            None => !self.has_token(),
        }
    }

    /// A refresh of the current token failed a moment ago: requests wait before asking again.
    pub fn in_failure_cooldown(&self, now: f64) -> bool {
        self.failures.in_cooldown(self.generation(), self.skew.server_now(now))
    }

    /// Refreshes finished so far, failed or not.
    pub fn finished_refreshes(&self) -> u64 {
        self.flight.finished()
    }

    /// A refresh failed after the moment a request saw `finished_at_send` refreshes: that
    /// request's 401 has been tried already and must not ask the source again.
    pub fn failed_since(&self, finished_at_send: u64) -> bool {
        self.failures.failed_since(finished_at_send)
    }

    /// Records a retry (`retry` event).
    pub fn note_retry(&mut self, status: u16, cause: Cause) {
        self.emit(Event::Retry { status, cause });
    }

    // --- DPoP (the decisions are `dpop::Dpop`'s; `iat` is the skew estimate's) -------------

    /// The proof a request of `mode` to `url` (serialized by the host) with `method` goes out
    /// with, if any (see [`Dpop::proof_for`]).
    pub fn proof(&mut self, mode: Mode, method: &str, url: &str, now: f64) -> Option<Proof> {
        let held_bound = self.tokens.held().map(|held| !held.bearer);
        self.dpop.proof_for(mode == Mode::Proof, held_bound, method, url, || self.skew.proof_iat(now))
    }

    /// `dpopProof(method, url)`: a proof for the application's own request, without `ath`.
    pub fn app_proof(&mut self, method: &str, url: &str, now: f64) -> Result<Proof, ProofError> {
        self.dpop.app_proof(method, url, || self.skew.proof_iat(now))
    }

    /// A response to a request to `url` carried `DPoP-Nonce: nonce`.
    pub fn learn_nonce(&mut self, url: &str, nonce: &str) {
        self.dpop.learn(url, nonce);
    }

    /// The host made or loaded the DPoP key (`dpop-key`); `stored`: kept in IndexedDB.
    pub fn note_key(&mut self, stored: bool) {
        self.emit(Event::DpopKey { stored });
    }

    fn drop_key(&mut self, delete: bool) {
        if self.dpop.is_on() {
            self.out.push(Output::DropKey { delete });
        }
    }

    // --- refreshes ---------------------------------------------------------------------------

    /// Starts a refresh, or joins the running one (single flight). A new one is reported
    /// (`refresh-start`) and goes to the tabs' lock or straight to the source ([`Output::Lock`],
    /// [`Output::Ask`]). `refresh()` (the [`Trigger::Manual`] one) also ends signing out.
    pub fn refresh(&mut self, trigger: Trigger, now: f64) -> Begin {
        self.now = now;
        if trigger == Trigger::Manual {
            self.lifecycle.resume();
        }
        let begin = self.flight.begin(self.generation());
        if let Begin::Start(id) = begin {
            self.emit(Event::RefreshStart { trigger });
            match (&self.tabs, self.has_source) {
                (_, false) => self.source_answered(id, Err(Failure::from(Reason::NoRefreshSource)), now),
                (Some(_), true) => self.out.push(Output::Lock(id)),
                (None, true) => self.lock_granted(id, now),
            }
        }
        begin
    }

    /// The running refresh, if any.
    pub fn refreshing(&self) -> Option<RefreshId> {
        self.flight.running()
    }

    /// The tabs' lock for refresh `id` is held (or could not be had: the refresh runs without
    /// it). Unless another tab's token settled the refresh meanwhile, the source is asked now
    /// and its timeout starts.
    pub fn lock_granted(&mut self, id: RefreshId, now: f64) {
        self.now = now;
        if self.flight.ask(id, now) {
            self.out.push(Output::Ask(id));
        } else {
            self.unlock();
        }
    }

    /// Ends refresh `id` with what the source answered (a stale `id` changes nothing). Settles it
    /// with one outcome: a token installed (`refreshed`), or none (`refresh-failed` with the
    /// reason; `superseded` when the token changed meanwhile; `signed-out`, which also clears the
    /// token in every tab).
    pub fn source_answered(&mut self, id: RefreshId, answer: Result<TokenResult, Failure>, now: f64) {
        self.now = now;
        let Some(started_from) = self.flight.end(id) else {
            return;
        };
        if self.lifecycle.is_closed() {
            return self.settle(id, Err(Failure::from(Reason::Superseded)));
        }
        let server_now = self.skew.server_now(now);
        let read_claims = self.read_claims;
        let outcome = answer.and_then(|result| accept(result, server_now, read_claims).map_err(Failure::from));
        let superseded = self.generation() != started_from;
        let failure = match outcome {
            Ok(_) if superseded => self.report(Failure::from(Reason::Superseded)),
            Err(Failure { reason: Reason::SignedOut, .. }) if superseded => {
                self.report(Failure::from(Reason::Superseded))
            }
            Ok(new) => {
                let expires_at_ms = new.expires_at_ms;
                self.install(new, true, now);
                self.failures.reset();
                self.emit(Event::Refreshed { expires_at_ms, from_tab: false });
                self.share(Some(now));
                return self.settle(id, Ok(()));
            }
            Err(failure) if failure.reason == Reason::SignedOut => {
                let failure = self.report(failure);
                self.sign_out();
                failure
            }
            Err(failure) => {
                self.failures.record(self.generation(), server_now, self.flight.finished());
                self.report(failure)
            }
        };
        self.unlock();
        self.settle(id, Err(failure));
    }

    /// The source said `false`: forget the token here and in every tab, and ask no more.
    fn sign_out(&mut self) {
        self.tokens.forget();
        self.lifecycle.sign_out();
        self.emit(Event::Cleared);
        self.drop_key(true);
        if let Some(from) = self.tab_id() {
            self.post(Message::Cleared { from, signed_out: true });
        }
    }

    fn report(&mut self, failure: Failure) -> Failure {
        self.emit(Event::RefreshFailed { reason: failure.reason, status: failure.status });
        failure
    }

    fn settle(&mut self, refresh: RefreshId, outcome: Outcome) {
        self.out.push(Output::Settled { refresh, outcome });
    }

    // --- the timer ---------------------------------------------------------------------------

    /// The next instant (local ms since the epoch) the engine wants [`Engine::handle_timeout`],
    /// or `None` when nothing is planned. See [`deadlines`](crate::deadlines).
    pub fn poll_timeout(&self) -> Option<f64> {
        self.deadlines().next(self.now)
    }

    /// The timer fired: acts on every deadline that has passed by `now` (local ms).
    pub fn handle_timeout(&mut self, now: f64) {
        self.now = now;
        let due = |at: Option<f64>| at.is_some_and(|at| at <= now);
        let deadlines = self.deadlines();
        if let (true, Some((id, _))) =
            (due(deadlines.timeout_at), self.flight.timeout_at(self.settings.refresh_timeout_ms))
        {
            self.source_answered(id, Err(Failure::from(Reason::Timeout)), now);
        }
        if due(deadlines.acks_until) {
            if let Some(peer) = self.tabs.as_mut() {
                peer.give_up();
            }
            self.unlock();
        }
        if due(deadlines.refresh_at) {
            self.refresh(Trigger::Timer, now);
        }
    }

    /// Whether the shell should report the page coming back ([`Engine::handle_wake_up`]): only a
    /// client that refreshes by itself cares.
    pub fn wants_wake_ups(&self) -> bool {
        self.settings.auto_refresh && self.has_source
    }

    /// The page came back (shown, restored from the back/forward cache, online; `visible`: it is
    /// shown): timers may have been throttled or the machine asleep, so deadlines are looked at now.
    pub fn handle_wake_up(&mut self, now: f64, visible: bool) {
        if visible {
            self.handle_timeout(now);
        }
    }

    fn deadlines(&self) -> Deadlines {
        Deadlines {
            refresh_at: self.proactive_refresh_at().map(|at| self.skew.local_time(at)),
            timeout_at: self.flight.timeout_at(self.settings.refresh_timeout_ms).map(|(_, at)| at),
            acks_until: self.tabs.as_ref().and_then(Peer::acks_until),
        }
    }

    /// When the timer refreshes (server time).
    fn proactive_refresh_at(&self) -> Option<f64> {
        if !self.settings.auto_refresh || !self.may_refresh() || self.flight.running().is_some() {
            return None;
        }
        let timer_due = self.tokens.timer_due_at(self.settings.refresh_ahead_ms);
        refresh_at(timer_due, self.expires_at(), self.failures.retry_at(), self.skew.server_now(self.now))
    }

    // --- tabs --------------------------------------------------------------------------------

    fn tab_id(&self) -> Option<TabId> {
        self.tabs.as_ref().map(Peer::id)
    }

    /// Sends the token to the other tabs; after a refresh (`now`), the lock is held until every
    /// tab has it ([`Output::Unlock`]).
    fn share(&mut self, after_refresh: Option<f64>) {
        let shared = self.tokens.shared();
        let (Some(token), Some(peer)) = (shared, self.tabs.as_mut()) else {
            return;
        };
        let (seq, done) = peer.share(after_refresh);
        let from = peer.id();
        self.post(Message::Token { from, seq, token });
        if done {
            self.unlock();
        }
    }

    /// A message from another tab.
    pub fn handle_message(&mut self, message: Message, now: f64) {
        self.now = now;
        if self.lifecycle.is_closed() {
            return;
        }
        let Some((me, reaction)) = self.tabs.as_mut().map(|peer| (peer.id(), peer.receive(&message))) else {
            return;
        };
        match reaction {
            Some(Reaction::Introduce { to, with_token }) => {
                let token = if with_token { self.tokens.shared() } else { None };
                self.post(Message::Here { from: me, to, token });
            }
            Some(Reaction::Adopt { token, only_if_none, ack }) => {
                if !(only_if_none && self.has_token()) {
                    self.adopt(token, now);
                }
                if let Some((to, seq)) = ack {
                    self.post(Message::Ack { from: me, to, seq });
                }
            }
            Some(Reaction::AllAcked) => self.unlock(),
            Some(Reaction::Clear { signed_out }) => {
                if self.tokens.forget() {
                    self.emit(Event::Cleared);
                }
                // The other tab deleted the stored key: load or make the next one afresh.
                self.drop_key(false);
                if signed_out {
                    self.lifecycle.sign_out();
                }
            }
            None => {}
        }
    }

    /// Installs a token another tab refreshed or set, unless it is the one held or expires sooner
    /// (a tab that started with an old token). A refresh running here is settled by it.
    fn adopt(&mut self, shared: Shared, now: f64) {
        if self.tokens.holds(&shared.token) {
            return;
        }
        if let (Some(ours), Some(theirs)) = (self.expires_at(), shared.expires_at_ms) {
            if theirs < ours {
                return;
            }
        }
        let expires_at_ms = shared.expires_at_ms;
        let new =
            NewToken { token: shared.token, expires_at_ms, issued_at_ms: shared.issued_at_ms, bearer: shared.bearer };
        self.install(new, true, now);
        self.lifecycle.resume();
        self.emit(Event::Refreshed { expires_at_ms, from_tab: true });
        if let Some(id) = self.flight.end_running() {
            self.failures.reset();
            self.settle(id, Ok(()));
        }
    }

    // --- output ------------------------------------------------------------------------------

    /// The next thing the shell must do something about.
    pub fn poll(&mut self) -> Option<Output> {
        (!self.out.is_empty()).then(|| self.out.remove(0))
    }

    fn emit(&mut self, event: Event) {
        if !self.lifecycle.is_closed() {
            self.out.push(Output::Event(event));
        }
    }

    /// The tabs' lock may go (there is one only with tabs).
    fn unlock(&mut self) {
        if self.tabs.is_some() {
            self.out.push(Output::Unlock);
        }
    }

    fn post(&mut self, message: Message) {
        if self.tabs.is_some() {
            self.out.push(Output::Post(message));
        }
    }

    /// xorshift64*: enough to spread tabs apart, no dependency.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}
