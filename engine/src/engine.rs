//! The client's state machine: the token and what is known of its expiry, the single-flight
//! refresh, the failure bookkeeping, signing out, the timer plan, clock skew and the cross-tab
//! peer. It does no I/O and reads no clock: the shell passes `now` (local ms since the epoch) in,
//! runs the refreshes it is told to run, sleeps as long as [`Engine::timeout`] says, and drains
//! [`Engine::poll`] for events to emit, refreshes that settled and messages to post.
//!
//! ```
//! use tokenfetch_engine::{Begin, Config, Engine, Output};
//! use tokenfetch_engine::event::{Event, Trigger};
//! use tokenfetch_engine::token_result::TokenResultInput;
//! let config = Config { has_source: true, ..Config::default() };
//! let mut engine = Engine::new(config, None, 1, |s| s.parse().ok(), 0.0);
//! let Begin::Start(id) = engine.refresh(Trigger::Manual, 0.0) else { unreachable!() };
//! engine.finish_refresh(id, Ok(TokenResultInput::Text("t0k".into())), 10.0);
//! assert!(engine.has_token());
//! let outputs: Vec<Output> = std::iter::from_fn(|| engine.poll()).collect();
//! assert_eq!(outputs, [
//!     Output::Event(Event::RefreshStart { trigger: Trigger::Manual }),
//!     Output::Event(Event::Refreshed { expires_at_ms: None, from_tab: false }),
//!     Output::Settled { refresh: id, outcome: Ok(()) },
//! ]);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::challenge::is_token_problem;
use crate::clock::Skew;
use crate::event::{Event, Reason, Trigger};
use crate::expiry::{backoff_delay_ms, due_at_ms, jitter_ms, FAILED_REFRESH_COOLDOWN_MS, MAX_TIMER_SLICE_MS};
use crate::json::ParseNumber;
use crate::options::Settings;
use crate::tabs::{Message, Peer, Shared, TabId};
use crate::token::Token;
use crate::token_result::{parse_token_result, NewToken, TokenResultInput};

/// Identifies one refresh (they are numbered from 1, one at a time).
pub type RefreshId = u64;

/// The client's configuration, as the engine needs it.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Validated numeric and textual options.
    pub settings: Settings,
    /// Whether a callback or `refreshUrl` can produce tokens.
    pub has_source: bool,
    /// Serialized origins (`https://api.example.com`) that receive the token.
    pub allowed_origins: Vec<String>,
    /// `shareAcrossTabs` is on and the browser has what it needs.
    pub share_across_tabs: bool,
}

/// Answer of [`Engine::refresh`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// No refresh was running: the caller runs this one (obtains a token, then
    /// [`Engine::finish_refresh`]).
    Start(RefreshId),
    /// A refresh is running: the caller awaits it.
    Join(RefreshId),
}

/// How a refresh ended: a token installed, or why not.
pub type Outcome = Result<(), Failure>;

/// Why the source produced no answer (the shell's side of a failed refresh).
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
    /// Post this on the tabs' channel.
    Post(Message),
    /// Every known tab acknowledged the token this tab shared after its refresh: the refresh's
    /// Web Lock may be released.
    AllAcked,
}

/// Where the current token came from; a token a refresh produced that is due already waits a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Application,
    Refresh,
}

#[derive(Debug)]
struct Held {
    token: Token,
    expires_at_ms: Option<f64>,
    issued_at_ms: Option<f64>,
    /// Server time of installation.
    installed_at_ms: f64,
    origin: Origin,
    /// Random in [0, 1), drawn per token.
    jitter: f64,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    id: RefreshId,
    /// The token generation when it began: a different one at the end means it was superseded.
    generation: u64,
}

/// The client's state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Engine {
    settings: Settings,
    has_source: bool,
    allowed_origins: Vec<String>,
    parse_number: ParseNumber,
    held: Option<Held>,
    /// Changes whenever the token does (installed, replaced, cleared).
    generation: u64,
    running: Option<Running>,
    last_refresh: RefreshId,
    /// Refreshes finished so far, failed or not: calls remember it when they send.
    finished: u64,
    /// `finished` right after the last failed refresh.
    last_failure_seq: Option<u64>,
    /// Generation and server time of the last failed refresh.
    last_failure: Option<(u64, f64)>,
    failures_in_row: u32,
    /// The source answered `false`: nothing asks for a token until `setToken`/`refresh()`.
    signed_out: bool,
    /// `free()`: nothing is installed, emitted or scheduled any more.
    closed: bool,
    skew: Skew,
    rng: u64,
    tabs: Option<Peer>,
    /// What the shell has not taken yet, oldest first (a handful at a time).
    out: Vec<Output>,
}

impl Engine {
    /// A client with `initial` as its first token (reported as `token-set`, not shared with other
    /// tabs). `seed` feeds the per-token jitter and the tab id; `parse_number` reads number
    /// literals (JWT claims, numeric strings in refresh results); `now` is local ms since the epoch.
    pub fn new(config: Config, initial: Option<Token>, seed: u64, parse_number: ParseNumber, now: f64) -> Engine {
        let mut engine = Engine {
            settings: config.settings,
            has_source: config.has_source,
            allowed_origins: config.allowed_origins,
            parse_number,
            held: None,
            generation: 0,
            running: None,
            last_refresh: 0,
            finished: 0,
            last_failure_seq: None,
            last_failure: None,
            failures_in_row: 0,
            signed_out: false,
            closed: false,
            skew: Skew::default(),
            // xorshift needs a state other than zero.
            rng: if seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { seed },
            tabs: None,
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
        if self.closed {
            return;
        }
        self.install_from_application(token, now);
        self.signed_out = false;
        self.share(false);
    }

    fn install_from_application(&mut self, token: Token, now: f64) {
        let new = NewToken::from_token(token, self.parse_number);
        let expires_at_ms = new.expires_at_ms;
        self.install(new, Origin::Application, now);
        self.emit(Event::TokenSet { expires_at_ms });
    }

    /// Forgets the token in every tab (`clear()`).
    pub fn clear(&mut self) {
        if self.closed {
            return;
        }
        self.forget();
        self.emit(Event::Cleared);
        if let Some(from) = self.tab_id() {
            self.post(Message::Cleared { from, signed_out: false });
        }
    }

    /// `free()`: forgets the token (zeroized), leaves the tabs' channel, and goes quiet.
    pub fn close(&mut self) {
        if let Some(from) = self.tab_id() {
            self.post(Message::Bye { from });
        }
        self.forget();
        self.closed = true;
    }

    /// Whether a token is held.
    pub fn has_token(&self) -> bool {
        self.held.is_some()
    }

    /// Expiry of the current token in ms since the epoch (server time), when known.
    pub fn expires_at(&self) -> Option<f64> {
        self.held.as_ref().and_then(|held| held.expires_at_ms)
    }

    /// The `Authorization` value for the current token, zeroized when dropped.
    pub fn authorization(&self) -> Option<Zeroizing<String>> {
        self.held.as_ref().map(|held| held.token.header_value(&self.settings.auth_scheme))
    }

    /// Changes every time the token is installed, replaced or cleared.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The source answered `false` and nothing has asked for a token since.
    pub fn is_signed_out(&self) -> bool {
        self.signed_out
    }

    fn install(&mut self, new: NewToken, origin: Origin, now: f64) {
        self.skew.observe_token(new.issued_at_ms, new.expires_at_ms, now);
        let jitter = (self.random() >> 11) as f64 / (1u64 << 53) as f64;
        self.held = Some(Held {
            token: new.token,
            expires_at_ms: new.expires_at_ms,
            issued_at_ms: new.issued_at_ms,
            installed_at_ms: self.skew.server_now(now),
            origin,
            jitter,
        });
        self.generation += 1;
    }

    fn forget(&mut self) {
        if self.held.take().is_some() {
            self.generation += 1;
        }
    }

    // --- requests ----------------------------------------------------------------------------

    /// Whether a request gets the token and the refresh handling: its origin is allowed, and the
    /// caller neither opted out (`auth: false`) nor set `Authorization` itself.
    pub fn authorizes(&self, origin: &str, opted_out: bool, has_authorization: bool) -> bool {
        !opted_out && !has_authorization && self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// Learns the server's clock from a response's `Date` (ms since the epoch), unless it
    /// carries `Age`.
    pub fn observe_response(&mut self, date_ms: Option<f64>, has_age: bool, now: f64) {
        self.skew.observe_response(date_ms, has_age, now);
    }

    /// Whether a response asks for a new token (`refreshOn`, not `insufficient_scope`).
    pub fn is_token_problem(&self, status: u16, www_authenticate: Option<&str>) -> bool {
        is_token_problem(status, &self.settings.refresh_on, www_authenticate)
    }

    /// Whether anything may ask the source for a token now.
    pub fn may_refresh(&self) -> bool {
        self.has_source && !self.signed_out && !self.closed
    }

    /// Whether a request should refresh before it is sent: no token, or the token is due.
    pub fn is_due(&self, now: f64) -> bool {
        match self.due_at() {
            Some(due) => self.skew.server_now(now) >= due,
            None => self.held.is_none(),
        }
    }

    /// A refresh of the current token failed less than [`FAILED_REFRESH_COOLDOWN_MS`] ago.
    pub fn in_failure_cooldown(&self, now: f64) -> bool {
        let now = self.skew.server_now(now);
        self.last_failure
            .is_some_and(|(generation, at)| generation == self.generation && now - at < FAILED_REFRESH_COOLDOWN_MS)
    }

    /// Refreshes finished so far, failed or not.
    pub fn finished_refreshes(&self) -> u64 {
        self.finished
    }

    /// A refresh failed after the moment a request saw `finished_at_send` refreshes: that
    /// request's 401 has been tried already and must not ask the source again.
    pub fn failed_since(&self, finished_at_send: u64) -> bool {
        self.last_failure_seq.is_some_and(|seq| seq > finished_at_send)
    }

    /// Records a retry (`retry` event).
    pub fn note_retry(&mut self, status: u16) {
        self.emit(Event::Retry { status });
    }

    /// When the current token is due for a refresh (server time), when its expiry is known.
    fn due_at(&self) -> Option<f64> {
        let held = self.held.as_ref()?;
        let exp = held.expires_at_ms?;
        let start = held.issued_at_ms.unwrap_or(held.installed_at_ms);
        Some(due_at_ms(
            exp,
            start,
            held.installed_at_ms,
            self.settings.refresh_ahead_ms,
            held.origin == Origin::Refresh,
        ))
    }

    // --- refreshes ---------------------------------------------------------------------------

    /// Starts a refresh, or joins the running one (single flight). `refresh()` (the
    /// [`Trigger::Manual`] one) also ends signing out.
    pub fn refresh(&mut self, trigger: Trigger, _now: f64) -> Begin {
        if let Some(running) = self.running {
            return Begin::Join(running.id);
        }
        if trigger == Trigger::Manual {
            self.signed_out = false;
        }
        self.last_refresh += 1;
        let id = self.last_refresh;
        self.running = Some(Running { id, generation: self.generation });
        self.emit(Event::RefreshStart { trigger });
        Begin::Start(id)
    }

    /// The running refresh, if any.
    pub fn refreshing(&self) -> Option<RefreshId> {
        self.running.map(|running| running.id)
    }

    /// Whether refresh `id` still needs a token from the source. After waiting for the tabs' lock
    /// it may not: another tab's token arrived meanwhile and settled it.
    pub fn is_running(&self, id: RefreshId) -> bool {
        self.refreshing() == Some(id)
    }

    /// Ends refresh `id` with what the source answered (a stale `id` changes nothing). Settles it
    /// with one outcome: a token installed (`refreshed`), or none (`refresh-failed` with the
    /// reason; `superseded` when the token changed meanwhile; `signed-out`, which also clears the
    /// token in every tab).
    pub fn finish_refresh(&mut self, id: RefreshId, answer: Result<TokenResultInput, Failure>, now: f64) {
        let Some(running) = self.running.filter(|running| running.id == id) else {
            return;
        };
        self.running = None;
        self.finished += 1;
        if self.closed {
            return self.settle(id, Err(Failure::from(Reason::Superseded)));
        }
        let server_now = self.skew.server_now(now);
        let parse_number = self.parse_number;
        let outcome =
            answer.and_then(|input| parse_token_result(input, server_now, parse_number).map_err(Failure::from));
        let superseded = self.generation != running.generation;
        let failure = match outcome {
            Ok(_) if superseded => self.fail(Failure::from(Reason::Superseded), None),
            Err(Failure { reason: Reason::SignedOut, .. }) if superseded => {
                self.fail(Failure::from(Reason::Superseded), None)
            }
            Ok(new) => {
                let expires_at_ms = new.expires_at_ms;
                self.install(new, Origin::Refresh, now);
                self.failures_in_row = 0;
                self.emit(Event::Refreshed { expires_at_ms, from_tab: false });
                self.share(true);
                return self.settle(id, Ok(()));
            }
            Err(failure) if failure.reason == Reason::SignedOut => {
                let failure = self.fail(failure, None);
                self.forget();
                self.signed_out = true;
                self.emit(Event::Cleared);
                if let Some(from) = self.tab_id() {
                    self.post(Message::Cleared { from, signed_out: true });
                }
                failure
            }
            Err(failure) => self.fail(failure, Some(server_now)),
        };
        self.settle(id, Err(failure));
    }

    /// Reports a refresh that installed nothing; `counted_at` (server time) when it counts as a
    /// failure of the source (cool-down, back-off), not when it was superseded or signed out.
    fn fail(&mut self, failure: Failure, counted_at: Option<f64>) -> Failure {
        if let Some(at) = counted_at {
            self.failures_in_row = self.failures_in_row.saturating_add(1);
            self.last_failure_seq = Some(self.finished);
            self.last_failure = Some((self.generation, at));
        }
        self.emit(Event::RefreshFailed { reason: failure.reason, status: failure.status });
        failure
    }

    fn settle(&mut self, refresh: RefreshId, outcome: Outcome) {
        self.out.push(Output::Settled { refresh, outcome });
    }

    // --- the timer ---------------------------------------------------------------------------

    /// How long (ms) until the engine wants [`Engine::handle_timeout`], or `None` when no timer is
    /// needed. Never more than [`MAX_TIMER_SLICE_MS`]: the timer re-checks the wall clock that
    /// often, so a machine that slept past the due time refreshes as soon as it wakes.
    pub fn timeout(&self, now: f64) -> Option<f64> {
        self.time_to_refresh(now).map(|ms| ms.clamp(0.0, MAX_TIMER_SLICE_MS))
    }

    /// The timer fired, or the page came back (shown, restored, online): a refresh to run when one
    /// is due.
    pub fn handle_timeout(&mut self, now: f64) -> Option<RefreshId> {
        if self.time_to_refresh(now)? > 0.0 {
            return None;
        }
        match self.refresh(Trigger::Timer, now) {
            Begin::Start(id) => Some(id),
            Begin::Join(_) => None,
        }
    }

    /// Time until the proactive refresh (unsliced; 0 or less: now).
    fn time_to_refresh(&self, now: f64) -> Option<f64> {
        if !self.settings.auto_refresh || !self.may_refresh() || self.running.is_some() {
            return None;
        }
        let held = self.held.as_ref()?;
        let exp = held.expires_at_ms?;
        let server_now = self.skew.server_now(now);
        let due = if self.failures_in_row > 0 {
            // Keep trying, with back-off, while the token is still good; once it has expired,
            // requests take over.
            if exp <= server_now {
                return None;
            }
            self.last_failure.map_or(server_now, |(_, at)| at) + backoff_delay_ms(self.failures_in_row)
        } else {
            // Earlier by up to a tenth of the time between the due moment and the expiry.
            let due = self.due_at()?;
            due - jitter_ms(exp - due, held.jitter)
        };
        Some(due - server_now)
    }

    // --- tabs --------------------------------------------------------------------------------

    fn tab_id(&self) -> Option<TabId> {
        self.tabs.as_ref().map(|peer| peer.id)
    }

    fn shared(&self) -> Option<Shared> {
        self.held.as_ref().map(|held| Shared {
            token: held.token.clone(),
            expires_at_ms: held.expires_at_ms,
            issued_at_ms: held.issued_at_ms,
        })
    }

    /// Sends the token to the other tabs; `await_acks` after a refresh, whose lock is held until
    /// every tab has it ([`Output::AllAcked`]).
    fn share(&mut self, await_acks: bool) {
        let Some(token) = self.shared() else { return };
        let Some(peer) = self.tabs.as_mut() else {
            return;
        };
        let seq = peer.next_seq(await_acks);
        let from = peer.id;
        let done = peer.complete();
        self.post(Message::Token { from, seq, token });
        if done {
            self.out.push(Output::AllAcked);
        }
    }

    /// Whether this tab waits for acknowledgements of the token it shared after a refresh.
    pub fn awaiting_acks(&self) -> bool {
        self.tabs.as_ref().is_some_and(Peer::awaiting)
    }

    /// The acknowledgements did not all come in time: stop waiting, forget the silent tabs.
    pub fn acks_timed_out(&mut self) {
        if let Some(peer) = self.tabs.as_mut() {
            peer.give_up();
        }
    }

    /// A message from another tab.
    pub fn handle_message(&mut self, message: Message, now: f64) {
        let Some(me) = self.tab_id() else { return };
        if self.closed || message.from() == me {
            return;
        }
        let from = message.from();
        if let Some(peer) = self.tabs.as_mut() {
            if !matches!(message, Message::Bye { .. }) {
                peer.meet(from);
            }
        }
        match message {
            Message::Hello { has_token, .. } => {
                let token = if has_token { None } else { self.shared() };
                self.post(Message::Here { from: me, to: from, token });
            }
            Message::Here { to, token, .. } if to == me => {
                if let (false, Some(token)) = (self.has_token(), token) {
                    self.adopt(token, now);
                }
            }
            Message::Token { seq, token, .. } => {
                self.adopt(token, now);
                self.post(Message::Ack { from: me, to: from, seq });
            }
            Message::Ack { to, seq, .. } if to == me && self.tabs.as_mut().is_some_and(|peer| peer.ack(from, seq)) => {
                self.out.push(Output::AllAcked);
            }
            Message::Cleared { signed_out, .. } => {
                if self.has_token() {
                    self.forget();
                    self.emit(Event::Cleared);
                }
                self.signed_out |= signed_out;
            }
            Message::Bye { .. } => {
                if let Some(peer) = self.tabs.as_mut() {
                    peer.forget(from);
                }
            }
            _ => {}
        }
    }

    /// Installs a token another tab refreshed or set, unless it is the one held or expires sooner
    /// (a tab that started with an old token). A refresh running here is settled by it.
    fn adopt(&mut self, shared: Shared, now: f64) {
        if let Some(held) = &self.held {
            if held.token == shared.token {
                return;
            }
            if let (Some(ours), Some(theirs)) = (held.expires_at_ms, shared.expires_at_ms) {
                if theirs < ours {
                    return;
                }
            }
        }
        let expires_at_ms = shared.expires_at_ms;
        let new = NewToken { token: shared.token, expires_at_ms, issued_at_ms: shared.issued_at_ms };
        self.install(new, Origin::Refresh, now);
        self.signed_out = false;
        self.emit(Event::Refreshed { expires_at_ms, from_tab: true });
        if let Some(running) = self.running.take() {
            self.finished += 1;
            self.failures_in_row = 0;
            self.settle(running.id, Ok(()));
        }
    }

    // --- output ------------------------------------------------------------------------------

    /// The next thing the shell must do something about.
    pub fn poll(&mut self) -> Option<Output> {
        (!self.out.is_empty()).then(|| self.out.remove(0))
    }

    fn emit(&mut self, event: Event) {
        if !self.closed {
            self.out.push(Output::Event(event));
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
