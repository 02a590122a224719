//! Property tests that drive the real per-call step ([`Call::next`], the code the browser shell
//! runs) against the real [`Engine`], with any number of concurrent calls and every interleaving of
//! their responses (token problems, DPoP nonce challenges as 401 and as 400, redirects, repeated
//! nonces), refresh outcomes (tokens bound or Bearer, failures, giving up, signing out),
//! `setToken`, `clear()`, the timer and the clock, with DPoP off and on:
//! - each call refreshes at most once, retries at most once, retries for a nonce at most once per
//!   send (so sends at most twice per send), and ends;
//! - a nonce retry carries the nonce the server just gave (or a newer one of the same origin),
//!   which differs from the one sent;
//! - one refresh runs at a time, and each `refresh-start` is closed by exactly one `refreshed` or
//!   `refresh-failed`, which agrees with how the refresh settled;
//! - a retry after a refresh goes out with a different token than the send before it;
//! - a proof goes out exactly when DPoP is on and the token is bound (or the call is proof-only).
//!
//! `PROPTEST_CASES=100000 cargo test -p tokenfetch-engine --test call_properties` runs a long version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use proptest::prelude::*;
use support::*;
use tokenfetch_engine::call::{Call, Head, Input, Mode, Step};
use tokenfetch_engine::event::{Cause, Event, Reason};
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Engine, Failure, Output, RefreshId};

const T: f64 = 1_700_000_000_000.0;
const URL: &str = "https://api.example/v1/orders?page=2";

#[derive(Debug, Clone, Copy)]
enum Answer {
    Bound,
    Bearer,
    Fail,
    GiveUp,
    SignedOut,
}

#[derive(Debug, Clone, Copy)]
enum Status {
    Ok,
    Unauthorized,
    InsufficientScope,
    Forbidden,
    /// 401 `DPoP error="use_dpop_nonce"` with a new nonce, or the one just sent.
    Nonce401 {
        fresh: bool,
    },
    /// 400 with a new (or the same) nonce; the JSON body says `use_dpop_nonce` or something else.
    Nonce400 {
        fresh: bool,
        says_nonce: bool,
    },
    /// 401 after a redirect to another allowed URL, or to another origin.
    Redirected401 {
        allowed: bool,
    },
}

/// One HTTP send of a caller: its token, and the nonce its proof held (`None` without a proof).
#[derive(Debug, Clone, PartialEq)]
struct Sent {
    authorization: Option<String>,
    proof: Option<Option<String>>,
}

/// One concurrent `fetch` call and what it waits for.
#[derive(Debug)]
struct Caller {
    call: Call,
    mode: Mode,
    waiting: Waiting,
    steps: u32,
    sent: Vec<Sent>,
    last_status: Option<Status>,
    /// The nonce of the last response.
    last_nonce: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Waiting {
    Response,
    Refresh(RefreshId),
    ErrorCode,
    Done,
}

struct World {
    engine: Engine,
    dpop: bool,
    now: f64,
    marker: u32,
    nonce_counter: u32,
    outputs: Vec<Output>,
    callers: Vec<Caller>,
    /// The latest nonce the origin gave (what the engine keeps for it).
    latest_nonce: Option<String>,
    /// Nonce retries that did not carry the origin's latest nonce, or carried the one sent.
    violations: Vec<String>,
}

impl World {
    fn new(dpop: bool, initial: u8, callers: usize, proof_callers: usize) -> World {
        let initial = match initial {
            0 => None,
            1 => Some(jwt_token(T - 1_000.0, T + 30_000.0, 0)),
            _ => Some(jwt_token(T - 60_000.0, T - 1.0, 0)),
        };
        let mut config = config(10.0);
        config.dpop = dpop;
        let callers = (0..callers)
            .map(|i| {
                let mode = if i < proof_callers { Mode::Proof } else { Mode::Token };
                let method = if i % 2 == 0 { "GET" } else { "POST" };
                Caller {
                    call: Call::new(mode, method.into(), URL.into()),
                    mode,
                    waiting: Waiting::Response,
                    steps: 0,
                    sent: Vec::new(),
                    last_status: None,
                    last_nonce: None,
                }
            })
            .collect();
        World {
            engine: engine(config, initial, T),
            dpop,
            now: T,
            marker: 0,
            nonce_counter: 0,
            outputs: Vec::new(),
            callers,
            latest_nonce: None,
            violations: Vec::new(),
        }
    }

    /// Hands `input` to caller `who`; a nonce retry it causes must carry the response's nonce.
    fn step(&mut self, who: usize, input: Input<'_>) {
        let before = self.callers[who].call.nonce_retries();
        let sent_nonce = self.callers[who].sent.last().and_then(|s| s.proof.clone()).flatten();
        let step = self.callers[who].call.next(&mut self.engine, input, self.now);
        let retried = self.callers[who].call.nonce_retries() > before;
        self.apply(who, step);
        if retried {
            // The nonce just asked for, unless another response taught a newer one meanwhile.
            let asked = self.latest_nonce.clone();
            let carried = self.callers[who].sent.last().and_then(|s| s.proof.clone()).flatten();
            if carried != asked || carried == sent_nonce {
                self.violations
                    .push(format!("caller {who}: asked {asked:?}, sent {sent_nonce:?}, retried with {carried:?}"));
            }
        }
    }

    fn apply(&mut self, caller: usize, step: Step) {
        let c = &mut self.callers[caller];
        c.steps += 1;
        c.waiting = match step {
            Step::Send { proof, .. } => {
                let authorization = match c.mode {
                    Mode::Token => self.engine.authorization().map(|v| v.as_str().to_owned()),
                    Mode::Proof => None,
                };
                c.sent.push(Sent { authorization, proof: proof.map(|p| p.nonce) });
                Waiting::Response
            }
            Step::Wait(refresh) => Waiting::Refresh(refresh),
            Step::ReadError => Waiting::ErrorCode,
            Step::Deliver => Waiting::Done,
        };
    }

    fn start(&mut self, caller: usize) {
        let step = self.callers[caller].call.next(&mut self.engine, Input::Start, self.now);
        self.apply(caller, step);
    }

    fn respond(&mut self, caller: usize, status: Status) {
        self.nonce_counter += 1;
        let sent_nonce = self.callers[caller].sent.last().and_then(|s| s.proof.clone()).flatten();
        let new_nonce = format!("n{}", self.nonce_counter);
        let nonce = |fresh: bool| if fresh { Some(new_nonce.clone()) } else { sent_nonce.clone() };
        let (code, www, dpop_nonce, redirected_to) = match status {
            Status::Ok => (200, None, Some(new_nonce.clone()), None),
            Status::Unauthorized => (401, Some(r#"Bearer error="invalid_token""#), None, None),
            Status::InsufficientScope => (401, Some(r#"Bearer error="insufficient_scope""#), None, None),
            Status::Forbidden => (403, None, None, None),
            Status::Nonce401 { fresh } => (401, Some(r#"DPoP error="use_dpop_nonce""#), nonce(fresh), None),
            Status::Nonce400 { fresh, .. } => (400, None, nonce(fresh), None),
            Status::Redirected401 { allowed } => {
                let to = if allowed { "https://api.example/v2/orders" } else { "https://other.example/x" };
                (401, Some(r#"DPoP error="invalid_token""#), None, Some(to))
            }
        };
        let head = Head {
            status: code,
            www_authenticate: www,
            date_ms: None,
            age: false,
            dpop_nonce: dpop_nonce.as_deref(),
            redirected_to,
        };
        self.callers[caller].last_status = Some(status);
        self.callers[caller].last_nonce = dpop_nonce.clone();
        if self.dpop && dpop_nonce.is_some() {
            self.latest_nonce = dpop_nonce.clone();
        }
        self.step(caller, Input::Response(head));
    }

    fn error_code(&mut self, caller: usize) {
        let says = matches!(self.callers[caller].last_status, Some(Status::Nonce400 { says_nonce: true, .. }));
        let code = if says { "use_dpop_nonce" } else { "invalid_request" };
        self.step(caller, Input::ErrorCode(Some(code)));
    }

    fn wake(&mut self, caller: usize) {
        self.step(caller, Input::Settled);
    }

    fn finish(&mut self, answer: Answer) {
        let Some(id) = self.engine.refreshing() else {
            return;
        };
        self.marker += 1;
        let token = |bearer: bool, marker| TokenResult::Token {
            token: jwt(self.now, self.now + 30_000.0, marker),
            expires_in: None,
            expires_at: None,
            token_type: Some(if bearer { "Bearer" } else { "DPoP" }.into()),
        };
        let answer = match answer {
            Answer::Bound => Ok(token(false, self.marker)),
            Answer::Bearer => Ok(token(true, self.marker)),
            Answer::Fail => Err(Failure::from(Reason::NetworkError)),
            Answer::GiveUp => Ok(TokenResult::GiveUp),
            Answer::SignedOut => Ok(TokenResult::SignedOut),
        };
        self.engine.source_answered(id, answer, self.now);
    }

    fn drain(&mut self) {
        while let Some(output) = self.engine.poll() {
            self.outputs.push(output);
        }
    }

    /// Moves every caller on one step if it can: the wind-down.
    fn settle(&mut self, who: usize) {
        match self.callers[who].waiting {
            Waiting::Response => self.respond(who, Status::Ok),
            Waiting::Refresh(id) if self.engine.refreshing() != Some(id) => self.wake(who),
            Waiting::ErrorCode => self.error_code(who),
            _ => {}
        }
    }
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![4 => Just(Answer::Bound), 2 => Just(Answer::Bearer), 2 => Just(Answer::Fail), 1 => Just(Answer::GiveUp), 1 => Just(Answer::SignedOut)]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        3 => Just(Status::Ok),
        4 => Just(Status::Unauthorized),
        1 => Just(Status::InsufficientScope),
        1 => Just(Status::Forbidden),
        3 => any::<bool>().prop_map(|fresh| Status::Nonce401 { fresh }),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(fresh, says_nonce)| Status::Nonce400 { fresh, says_nonce }),
        2 => any::<bool>().prop_map(|allowed| Status::Redirected401 { allowed }),
    ]
}

proptest! {
    #[test]
    fn calls_refresh_and_retry_at_most_once_nonces_once_per_send_and_every_refresh_settles_once(
        dpop in any::<bool>(),
        callers in 1usize..6,
        proof_callers in 0usize..3,
        initial in prop_oneof![Just(0u8), Just(1), Just(2)],
        ops in proptest::collection::vec((0u8..9, 0usize..6, answer(), status()), 0..80),
    ) {
        let proof_callers = if dpop { proof_callers.min(callers) } else { 0 };
        let mut world = World::new(dpop, initial, callers, proof_callers);
        for i in 0..callers {
            world.start(i);
        }
        let mut ops = ops.into_iter();
        // Run the scripted interleaving, then settle everything that is left.
        for round in 0..400 {
            let op = ops.next().unwrap_or((255, round, Answer::Bound, Status::Ok));
            let (kind, who, answer, status) = op;
            let who = who % callers;
            match kind {
                0..=2 => match world.callers[who].waiting {
                    Waiting::Response => world.respond(who, status),
                    Waiting::Refresh(id) if world.engine.refreshing() != Some(id) => world.wake(who),
                    Waiting::ErrorCode => world.error_code(who),
                    _ => {}
                },
                3 => world.finish(answer),
                4 => {
                    world.marker += 1;
                    let token = if world.marker % 3 == 0 { None } else { Some(jwt_token(world.now, world.now + 30_000.0, world.marker + 1000)) };
                    world.engine.set_token(token, world.now);
                }
                // The timer (its refresh, or a refresh's timeout); a started refresh is finished by a later op.
                5 => world.engine.handle_timeout(world.now),
                6 => world.now += 1_000.0 * (who as f64 + 1.0),
                7 => world.engine.clear(),
                8 => world.now += 11_000.0, // past refreshTimeoutMs
                _ => {
                    // Wind down: finish refreshes, answer responses OK, wake waiters.
                    world.finish(Answer::Bound);
                    world.settle(who);
                }
            }
            world.drain();
            if world.callers.iter().all(|c| c.waiting == Waiting::Done) {
                break;
            }
        }
        world.finish(Answer::Bound);
        world.drain();

        for (i, c) in world.callers.iter().enumerate() {
            let call = &c.call;
            prop_assert_eq!(c.waiting, Waiting::Done, "caller {} never finished: {:?}", i, c);
            prop_assert!(call.refreshes() <= 1, "caller {} refreshed {} times", i, call.refreshes());
            prop_assert!(call.retries() <= 1, "caller {} retried {} times", i, call.retries());
            let sends_allowed = call.retries() + 1;
            prop_assert!(call.nonce_retries() <= sends_allowed, "caller {}: {} nonce retries for {} sends", i, call.nonce_retries(), sends_allowed);
            prop_assert!(call.sends() <= 2 * sends_allowed && call.sends() > call.retries() + call.nonce_retries());
            prop_assert_eq!(usize::from(call.sends()), c.sent.len());
            prop_assert!(c.steps <= 12, "caller {} took {} steps", i, c.steps);
            if c.mode == Mode::Proof {
                prop_assert_eq!((call.refreshes(), call.retries()), (0, 0), "proof-only calls never refresh");
                prop_assert!(c.sent.iter().all(|s| s.proof.is_some() && s.authorization.is_none()));
            }
            for sent in &c.sent {
                // A proof exactly with DPoP on and a bound token (or proof-only).
                let bound = sent.authorization.as_deref().is_some_and(|a| a.starts_with("DPoP "));
                prop_assert_eq!(sent.proof.is_some(), dpop && (bound || c.mode == Mode::Proof), "{:?}", sent);
                if !dpop {
                    prop_assert!(!bound, "no DPoP scheme without dpop");
                }
            }
        }
        prop_assert!(world.violations.is_empty(), "{:?}", world.violations);

        // Refreshes: one at a time, each closed once, and the close agrees with the settlement.
        let mut open = false;
        let mut closes = Vec::new();
        for output in &world.outputs {
            match output {
                Output::Event(Event::RefreshStart { .. }) => {
                    prop_assert!(!open, "two refreshes overlapped: {:?}", world.outputs);
                    open = true;
                }
                Output::Event(Event::Refreshed { from_tab: false, .. }) => { prop_assert!(open); open = false; closes.push(true); }
                Output::Event(Event::RefreshFailed { .. }) => { prop_assert!(open); open = false; closes.push(false); }
                _ => {}
            }
        }
        prop_assert!(!open, "a refresh-start was never closed");
        let settled: Vec<bool> = world.outputs.iter().filter_map(|o| if let Output::Settled { outcome, .. } = o { Some(outcome.is_ok()) } else { None }).collect();
        prop_assert_eq!(closes, settled, "events and refresh() answers agree");
        let count = |cause| world.outputs.iter().filter(|o| matches!(o, Output::Event(Event::Retry { cause: c, .. }) if *c == cause)).count() as u32;
        let retries: u32 = world.callers.iter().map(|c| u32::from(c.call.retries())).sum();
        let nonce_retries: u32 = world.callers.iter().map(|c| u32::from(c.call.nonce_retries())).sum();
        prop_assert_eq!((retries, nonce_retries), (count(Cause::Token), count(Cause::DpopNonce)));
        if !dpop {
            prop_assert_eq!(nonce_retries, 0);
        }
    }
}

#[test]
fn fifty_concurrent_401s_cause_one_refresh() {
    for dpop in [false, true] {
        let mut world = World::new(dpop, 1, 50, 0);
        for i in 0..50 {
            world.start(i);
        }
        for i in 0..50 {
            world.respond(i, Status::Unauthorized);
        }
        world.finish(Answer::Bound);
        for i in 0..50 {
            world.wake(i);
            world.respond(i, Status::Ok);
        }
        world.drain();
        let starts = world.outputs.iter().filter(|o| matches!(o, Output::Event(Event::RefreshStart { .. }))).count();
        assert_eq!(starts, 1);
        assert!(world.callers.iter().all(|c| c.waiting == Waiting::Done && c.call.retries() == 1));
    }
}

#[test]
fn a_nonce_that_repeats_is_not_retried_and_a_fresh_one_once_per_send() {
    let mut world = World::new(true, 1, 1, 0);
    world.start(0);
    world.respond(0, Status::Nonce401 { fresh: true });
    assert_eq!(world.callers[0].call.nonce_retries(), 1, "a new nonce: once more with it");
    world.respond(0, Status::Nonce401 { fresh: true });
    assert_eq!(world.callers[0].waiting, Waiting::Done, "a second challenge in the same send is delivered");
    assert_eq!(world.callers[0].call.refreshes(), 0, "a nonce challenge is no token problem");
    let mut again = World::new(true, 1, 1, 0);
    again.start(0);
    again.respond(0, Status::Ok); // learns n1
    let mut call = Call::new(Mode::Token, "GET".into(), URL.into());
    let step = call.next(&mut again.engine, Input::Start, T);
    let Step::Send { proof: Some(proof), .. } = step else { panic!("{step:?}") };
    assert_eq!(proof.nonce.as_deref(), Some("n1"), "the origin's nonce goes into the next proof");
    let head = Head {
        status: 401,
        www_authenticate: Some(r#"DPoP error="use_dpop_nonce""#),
        dpop_nonce: Some("n1"),
        ..Head::default()
    };
    assert_eq!(call.next(&mut again.engine, Input::Response(head), T), Step::Deliver, "the same nonce again: no retry");
}
