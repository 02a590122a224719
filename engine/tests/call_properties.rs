//! Property tests that drive the real per-call step ([`Call::next`], the code the browser shell
//! runs) against the real [`Engine`], with any number of concurrent calls and every interleaving of
//! their responses, refresh outcomes (tokens, failures, giving up, signing out), `setToken`,
//! `clear()`, the timer and the clock:
//! - each call refreshes at most once, retries at most once and sends at most twice, and ends;
//! - one refresh runs at a time, and each `refresh-start` is closed by exactly one `refreshed` or
//!   `refresh-failed`, which agrees with how the refresh settled;
//! - a retry goes out with a different token than the first send.
//!
//! `PROPTEST_CASES=100000 cargo test -p tokenfetch-engine --test call_properties` runs a long version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use proptest::prelude::*;
use support::*;
use tokenfetch_engine::call::{Call, Head, Input, Step};
use tokenfetch_engine::event::{Event, Reason};
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Engine, Failure, Output, RefreshId};

const T: f64 = 1_700_000_000_000.0;

#[derive(Debug, Clone, Copy)]
enum Answer {
    Token,
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
}

/// One concurrent `fetch` call and what it waits for.
#[derive(Debug)]
struct Caller {
    call: Call,
    waiting: Waiting,
    steps: u32,
    sent_with: Vec<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Waiting {
    Response,
    Refresh(RefreshId),
    Done,
}

struct World {
    engine: Engine,
    now: f64,
    marker: u32,
    outputs: Vec<Output>,
    callers: Vec<Caller>,
}

impl World {
    fn apply(&mut self, caller: usize, step: Step) {
        let c = &mut self.callers[caller];
        c.steps += 1;
        c.waiting = match step {
            Step::Send => {
                c.sent_with.push(self.engine.authorization().map(|v| v.as_str().to_owned()));
                Waiting::Response
            }
            Step::Wait(refresh) => Waiting::Refresh(refresh),
            Step::Deliver => Waiting::Done,
        };
    }

    fn start(&mut self, caller: usize) {
        let step = self.callers[caller].call.next(&mut self.engine, Input::Start, self.now);
        self.apply(caller, step);
    }

    fn respond(&mut self, caller: usize, status: Status) {
        let head = match status {
            Status::Ok => Head { status: 200, ..Head::default() },
            Status::Unauthorized => {
                Head { status: 401, www_authenticate: Some(r#"Bearer error="invalid_token""#), ..Head::default() }
            }
            Status::InsufficientScope => {
                Head { status: 401, www_authenticate: Some(r#"Bearer error="insufficient_scope""#), ..Head::default() }
            }
            Status::Forbidden => Head { status: 403, ..Head::default() },
        };
        let step = self.callers[caller].call.next(&mut self.engine, Input::Response(head), self.now);
        self.apply(caller, step);
    }

    fn wake(&mut self, caller: usize) {
        let step = self.callers[caller].call.next(&mut self.engine, Input::Settled, self.now);
        self.apply(caller, step);
    }

    fn finish(&mut self, answer: Answer) {
        let Some(id) = self.engine.refreshing() else {
            return;
        };
        self.marker += 1;
        let answer = match answer {
            Answer::Token => Ok(TokenResult::from(jwt(self.now, self.now + 30_000.0, self.marker))),
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
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![6 => Just(Answer::Token), 2 => Just(Answer::Fail), 1 => Just(Answer::GiveUp), 1 => Just(Answer::SignedOut)]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![3 => Just(Status::Ok), 4 => Just(Status::Unauthorized), 1 => Just(Status::InsufficientScope), 1 => Just(Status::Forbidden)]
}

proptest! {
    #[test]
    fn calls_refresh_and_retry_at_most_once_and_every_refresh_settles_once(
        callers in 1usize..6,
        initial in prop_oneof![Just(0u8), Just(1), Just(2)],
        ops in proptest::collection::vec((0u8..9, 0usize..6, answer(), status()), 0..80),
    ) {
        let initial = match initial {
            0 => None,
            1 => Some(jwt_token(T - 1_000.0, T + 30_000.0, 0)),
            _ => Some(jwt_token(T - 60_000.0, T - 1.0, 0)),
        };
        let mut world = World {
            engine: engine(config(10.0), initial, T),
            now: T,
            marker: 0,
            outputs: Vec::new(),
            callers: (0..callers).map(|_| Caller { call: Call::default(), waiting: Waiting::Response, steps: 0, sent_with: Vec::new() }).collect(),
        };
        for i in 0..callers {
            world.start(i);
        }
        let mut ops = ops.into_iter();
        // Run the scripted interleaving, then settle everything that is left.
        for round in 0..400 {
            let op = ops.next().unwrap_or((255, round, Answer::Token, Status::Ok));
            let (kind, who, answer, status) = op;
            let who = who % callers;
            match kind {
                0..=2 => match world.callers[who].waiting {
                    Waiting::Response => world.respond(who, status),
                    Waiting::Refresh(id) if world.engine.refreshing() != Some(id) => world.wake(who),
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
                    world.finish(Answer::Token);
                    match world.callers[who].waiting {
                        Waiting::Response => world.respond(who, Status::Ok),
                        Waiting::Refresh(id) if world.engine.refreshing() != Some(id) => world.wake(who),
                        _ => {}
                    }
                }
            }
            world.drain();
            if world.callers.iter().all(|c| c.waiting == Waiting::Done) {
                break;
            }
        }
        world.finish(Answer::Token);
        world.drain();

        for (i, c) in world.callers.iter().enumerate() {
            prop_assert_eq!(c.waiting, Waiting::Done, "caller {} never finished: {:?}", i, c);
            prop_assert!(c.call.refreshes() <= 1, "caller {} refreshed {} times", i, c.call.refreshes());
            prop_assert!(c.call.retries() <= 1, "caller {} retried {} times", i, c.call.retries());
            prop_assert!(c.call.sends() <= 2 && c.call.sends() == c.call.retries() + 1);
            prop_assert!(c.steps <= 6, "caller {} took {} steps", i, c.steps);
            if c.call.retries() == 1 {
                prop_assert!(c.sent_with[0] != c.sent_with[1] && c.sent_with[1].is_some(), "a retry goes out with another token: {:?}", c.sent_with);
            }
        }

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
        let retries: u32 = world.callers.iter().map(|c| u32::from(c.call.retries())).sum();
        let retry_events = world.outputs.iter().filter(|o| matches!(o, Output::Event(Event::Retry { .. }))).count() as u32;
        prop_assert_eq!(retries, retry_events);
    }
}

#[test]
fn fifty_concurrent_401s_cause_one_refresh() {
    let mut world = World {
        engine: engine(config(60.0), Some(jwt_token(T, T + 600_000.0, 0)), T),
        now: T,
        marker: 0,
        outputs: Vec::new(),
        callers: (0..50)
            .map(|_| Caller { call: Call::default(), waiting: Waiting::Response, steps: 0, sent_with: Vec::new() })
            .collect(),
    };
    for i in 0..50 {
        world.start(i);
    }
    for i in 0..50 {
        world.respond(i, Status::Unauthorized);
    }
    world.finish(Answer::Token);
    for i in 0..50 {
        world.wake(i);
        world.respond(i, Status::Ok);
    }
    world.drain();
    let starts = world.outputs.iter().filter(|o| matches!(o, Output::Event(Event::RefreshStart { .. }))).count();
    assert_eq!(starts, 1);
    assert!(world.callers.iter().all(|c| c.waiting == Waiting::Done && c.call.retries() == 1));
}
