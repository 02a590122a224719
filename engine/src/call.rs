//! One `fetch` call as a state machine: [`Call::next`] takes what just happened and answers what
//! to do, recording its own history, so "at most one refresh and one retry" holds by construction
//! and the property tests drive the same code the browser runs.
//!
//! ```
//! use tokenfetch_engine::{Config, Engine, Output};
//! use tokenfetch_engine::call::{Call, Head, Input, Step};
//! use tokenfetch_engine::token::Token;
//! use tokenfetch_engine::token_result::TokenResult;
//! let config = Config { has_source: true, ..Config::default() };
//! let mut engine = Engine::new(config, Some(Token::parse("old".into()).unwrap()), 1, 0.0);
//! let mut call = Call::default();
//! assert_eq!(call.next(&mut engine, Input::Start, 0.0), Step::Send);
//! // The server says 401: refresh, then retry with the new token.
//! let head = Head { status: 401, ..Head::default() };
//! let Step::Wait(refresh) = call.next(&mut engine, Input::Response(head), 1.0) else { unreachable!() };
//! engine.source_answered(refresh, Ok(TokenResult::from("new")), 2.0);
//! assert_eq!(call.next(&mut engine, Input::Settled, 2.0), Step::Send);
//! assert_eq!(call.next(&mut engine, Input::Response(Head { status: 200, ..Head::default() }), 3.0), Step::Deliver);
//! assert_eq!((call.refreshes(), call.retries(), call.sends()), (1, 1, 2));
//! ```

use crate::engine::Engine;
use crate::event::Trigger;
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
}

/// What the call needs of a response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Head<'a> {
    /// The status.
    pub status: u16,
    /// `WWW-Authenticate`, when present.
    pub www_authenticate: Option<&'a str>,
    /// `Date` in ms since the epoch, when present and readable.
    pub date_ms: Option<f64>,
    /// Whether it carries `Age` (it came from a cache).
    pub age: bool,
}

/// What the shell does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the request (a fresh copy) with [`Engine::authorization`], if any.
    Send,
    /// Wait for this refresh to settle, then answer [`Input::Settled`]. The engine runs it (its
    /// outputs say how); it goes on for the others if this caller stops waiting.
    Wait(RefreshId),
    /// Hand the caller the last response.
    Deliver,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Stage {
    #[default]
    BeforeSend,
    Sent,
    AwaitingRefresh,
}

/// The history of one `fetch` call.
#[derive(Debug, Clone, Copy, Default)]
pub struct Call {
    stage: Stage,
    waited_before_send: bool,
    refreshes: u8,
    retries: u8,
    sends: u8,
    sent_generation: u64,
    finished_at_send: u64,
    status: u16,
}

impl Call {
    /// The next step, given what just happened (`now`: local ms since the epoch).
    pub fn next(&mut self, engine: &mut Engine, input: Input<'_>, now: f64) -> Step {
        match input {
            Input::Start => self.before_send(engine, now),
            Input::Settled if self.stage == Stage::AwaitingRefresh => self.after_refresh(engine),
            Input::Settled => self.before_send(engine, now),
            Input::Response(head) => self.after_response(engine, head, now),
        }
    }

    /// Refreshes this call ran or joined (at most one).
    pub fn refreshes(&self) -> u8 {
        self.refreshes
    }

    /// Retries (at most one).
    pub fn retries(&self) -> u8 {
        self.retries
    }

    /// Sends (at most two).
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
            return self.send(engine);
        }
        if self.refreshes == 0 && engine.may_refresh() && engine.is_due(now) && !engine.in_failure_cooldown(now) {
            return self.refresh(engine, Trigger::Expiry, now);
        }
        self.send(engine)
    }

    fn after_response(&mut self, engine: &mut Engine, head: Head<'_>, now: f64) -> Step {
        engine.observe_response(head.date_ms, head.age, now);
        self.status = head.status;
        if self.retries > 0 || !engine.is_token_problem(head.status, head.www_authenticate) {
            return Step::Deliver;
        }
        if engine.generation() != self.sent_generation {
            // Replaced while in flight: the new token deserves one try. Cleared: logged out.
            return if engine.has_token() { self.retry(engine) } else { Step::Deliver };
        }
        if self.refreshes > 0 || !engine.may_refresh() || engine.failed_since(self.finished_at_send) {
            return Step::Deliver;
        }
        self.stage = Stage::AwaitingRefresh;
        self.refresh(engine, Trigger::Status, now)
    }

    fn after_refresh(&mut self, engine: &mut Engine) -> Step {
        if engine.generation() != self.sent_generation && engine.has_token() {
            self.retry(engine)
        } else {
            Step::Deliver
        }
    }

    fn refresh(&mut self, engine: &mut Engine, trigger: Trigger, now: f64) -> Step {
        self.refreshes += 1;
        Step::Wait(engine.refresh(trigger, now).id())
    }

    fn retry(&mut self, engine: &mut Engine) -> Step {
        self.retries += 1;
        engine.note_retry(self.status);
        self.send(engine)
    }

    fn send(&mut self, engine: &Engine) -> Step {
        self.sends += 1;
        self.stage = Stage::Sent;
        self.sent_generation = engine.generation();
        self.finished_at_send = engine.finished_refreshes();
        Step::Send
    }
}
