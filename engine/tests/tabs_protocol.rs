//! The cross-tab protocol between real engines wired by an in-memory channel and one Web Lock:
//! late tabs get the token, a refresh reaches every tab and is acknowledged before its lock is
//! released, a tab that waited for the lock does not ask its own source, stale tokens are never
//! taken, logout and signing out reach every tab, and tabs that left or went silent are not
//! waited for longer than the acknowledgement deadline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use support::*;
use tokenfetch_engine::event::{Event, Trigger};
use tokenfetch_engine::tabs::ACK_TIMEOUT_MS;
use tokenfetch_engine::token::Token;
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Begin, Config, Engine, Output, RefreshId};

const T: f64 = 1_700_000_000_000.0;

/// Tabs of one origin and channel, sharing one Web Lock. `muted` tabs receive nothing (frozen).
struct Tabs {
    tabs: Vec<Engine>,
    events: Vec<Vec<Event>>,
    settled: Vec<Vec<(RefreshId, bool)>>,
    /// Refreshes each tab asked its own source for.
    asked: Vec<Vec<RefreshId>>,
    /// How often each tab released the lock.
    unlocked: Vec<u32>,
    muted: Vec<bool>,
    /// The tab holding the lock, and the tabs waiting for it in order.
    lock: Option<usize>,
    lock_queue: Vec<(usize, RefreshId)>,
}

fn shared() -> Config {
    Config { share_across_tabs: true, ..config(60.0) }
}

impl Tabs {
    fn new() -> Tabs {
        Tabs {
            tabs: Vec::new(),
            events: Vec::new(),
            settled: Vec::new(),
            asked: Vec::new(),
            unlocked: Vec::new(),
            muted: Vec::new(),
            lock: None,
            lock_queue: Vec::new(),
        }
    }

    fn open(&mut self, initial: Option<Token>, seed: u64) -> usize {
        self.tabs.push(Engine::new(shared(), initial, seed, T));
        self.events.push(Vec::new());
        self.settled.push(Vec::new());
        self.asked.push(Vec::new());
        self.unlocked.push(0);
        self.muted.push(false);
        self.pump();
        self.tabs.len() - 1
    }

    /// Delivers every posted message to every other (unmuted) tab until all is quiet.
    fn pump(&mut self) {
        loop {
            let mut quiet = true;
            for i in 0..self.tabs.len() {
                while let Some(output) = self.tabs[i].poll() {
                    quiet = false;
                    match output {
                        Output::Event(event) => self.events[i].push(event),
                        Output::Settled { refresh, outcome } => self.settled[i].push((refresh, outcome.is_ok())),
                        Output::Lock(id) => self.lock_queue.push((i, id)),
                        Output::Ask(id) => self.asked[i].push(id),
                        Output::DropKey { .. } => {}
                        Output::Unlock => {
                            self.unlocked[i] += 1;
                            if self.lock == Some(i) {
                                self.lock = None;
                            }
                        }
                        Output::Post(message) => {
                            for j in 0..self.tabs.len() {
                                if j != i && !self.muted[j] {
                                    self.tabs[j].handle_message(message.clone(), T);
                                }
                            }
                        }
                    }
                }
            }
            if self.lock.is_none() && !self.lock_queue.is_empty() {
                let (i, id) = self.lock_queue.remove(0);
                self.lock = Some(i);
                self.tabs[i].lock_granted(id, T);
                quiet = false;
            }
            if quiet {
                return;
            }
        }
    }

    /// Refresh `id` of tab `i` got `answer` from its source.
    fn answer(&mut self, i: usize, id: RefreshId, answer: TokenResult) {
        self.tabs[i].source_answered(id, Ok(answer), T);
        self.pump();
    }

    fn token_of(&self, i: usize) -> Option<String> {
        self.tabs[i].authorization().map(|value| value.as_str().to_owned())
    }
}

fn fresh(marker: u32) -> String {
    jwt(T, T + 600_000.0, marker)
}

#[test]
fn a_tab_opened_later_gets_the_token_from_one_that_has_it() {
    let mut tabs = Tabs::new();
    let a = tabs.open(Some(token(&fresh(1))), 1);
    let b = tabs.open(None, 2);
    assert_eq!(tabs.token_of(b), tabs.token_of(a));
    assert_eq!(tabs.events[b], [Event::Refreshed { expires_at_ms: Some(T + 600_000.0), from_tab: true }]);
    let c = tabs.open(Some(token(&fresh(3))), 3);
    assert_ne!(tabs.token_of(c), tabs.token_of(a), "a tab with its own token is not handed another");
}

#[test]
fn a_refresh_reaches_every_tab_and_is_acknowledged_before_the_lock_is_released() {
    let mut tabs = Tabs::new();
    let a = tabs.open(Some(token(&fresh(1))), 1);
    let b = tabs.open(None, 2);
    let c = tabs.open(None, 3);
    tabs.events.iter_mut().for_each(Vec::clear);
    let Begin::Start(id) = tabs.tabs[a].refresh(Trigger::Timer, T) else { panic!() };
    tabs.pump();
    assert_eq!((tabs.lock, &tabs.asked[a]), (Some(a), &vec![id]), "A holds the lock and asks its source");
    tabs.tabs[a].source_answered(id, Ok(TokenResult::from(jwt(T, T + 900_000.0, 9))), T);
    assert_eq!(tabs.tabs[a].poll_timeout(), Some(T + ACK_TIMEOUT_MS), "waiting for the other tabs");
    tabs.pump();
    assert_eq!(tabs.unlocked[a], 1, "every tab acknowledged: the lock went");
    assert_eq!(tabs.lock, None);
    for other in [b, c] {
        assert_eq!(tabs.token_of(other), tabs.token_of(a));
        assert_eq!(tabs.events[other], [Event::Refreshed { expires_at_ms: Some(T + 900_000.0), from_tab: true }]);
    }
}

#[test]
fn a_tab_that_waited_for_the_lock_finds_the_new_token_and_does_not_ask_its_source() {
    let mut tabs = Tabs::new();
    let expired = jwt(T - 600_000.0, T - 1_000.0, 1);
    let a = tabs.open(Some(token(&expired)), 1);
    let b = tabs.open(Some(token(&expired)), 2);
    // Both need a token; A got the lock, B waits for it.
    let Begin::Start(in_a) = tabs.tabs[a].refresh(Trigger::Expiry, T) else { panic!() };
    let Begin::Start(in_b) = tabs.tabs[b].refresh(Trigger::Expiry, T) else { panic!() };
    tabs.pump();
    assert_eq!(tabs.lock, Some(a));
    tabs.answer(a, in_a, TokenResult::from(fresh(2)));
    // A released the lock; B got it and found its refresh answered by A's token.
    assert!(tabs.asked[b].is_empty(), "B never asked its own source");
    assert_eq!(tabs.tabs[b].refreshing(), None, "B's refresh was settled by A's token");
    assert_eq!((tabs.lock, tabs.unlocked[b]), (None, 1), "and B let the lock go at once");
    assert_eq!(tabs.settled[b], [(in_b, true)], "so B's refresh() answers true");
    assert_eq!(tabs.token_of(b), tabs.token_of(a));
    let names: Vec<&str> = tabs.events[b].iter().map(Event::name).collect();
    assert_eq!(names, ["token-set", "refresh-start", "refreshed"], "B's refresh-start is closed once");
}

#[test]
fn an_older_or_the_same_token_is_never_taken() {
    let mut tabs = Tabs::new();
    let a = tabs.open(Some(token(&jwt(T, T + 900_000.0, 1))), 1);
    let b = tabs.open(Some(token(&jwt(T, T + 300_000.0, 2))), 2);
    tabs.events.iter_mut().for_each(Vec::clear);
    // B shares its older token (setToken): A keeps its own.
    tabs.tabs[b].set_token(Some(token(&jwt(T, T + 300_000.0, 2))), T);
    tabs.pump();
    assert_ne!(tabs.token_of(a), tabs.token_of(b));
    assert!(tabs.events[a].is_empty());
    // A shares its own token again: B takes it once; A does not "adopt" its own echo.
    tabs.tabs[a].set_token(Some(token(&jwt(T, T + 900_000.0, 1))), T);
    tabs.pump();
    assert_eq!(tabs.token_of(a), tabs.token_of(b));
    tabs.tabs[a].set_token(Some(token(&jwt(T, T + 900_000.0, 1))), T);
    tabs.pump();
    assert_eq!(
        tabs.events[b].iter().filter(|e| e.name() == "refreshed").count(),
        1,
        "the same token is not taken twice"
    );
}

#[test]
fn clear_in_one_tab_clears_every_tab_and_signing_out_reaches_them_all() {
    let mut tabs = Tabs::new();
    let a = tabs.open(Some(token(&fresh(1))), 1);
    let b = tabs.open(None, 2);
    let c = tabs.open(None, 3);
    tabs.tabs[b].clear();
    tabs.pump();
    assert!((0..3).all(|i| !tabs.tabs[i].has_token()));
    assert!(tabs.events[a].contains(&Event::Cleared) && tabs.events[c].contains(&Event::Cleared));
    assert!((0..3).all(|i| !tabs.tabs[i].is_signed_out()), "clear() is not signing out");
    tabs.tabs[a].set_token(Some(token(&fresh(5))), T);
    tabs.pump();
    let Begin::Start(id) = tabs.tabs[c].refresh(Trigger::Status, T) else { panic!() };
    tabs.pump();
    tabs.answer(c, id, TokenResult::SignedOut);
    assert!((0..3).all(|i| !tabs.tabs[i].has_token() && tabs.tabs[i].is_signed_out()));
}

#[test]
fn tabs_that_left_or_went_silent_are_not_waited_for() {
    let mut tabs = Tabs::new();
    let a = tabs.open(Some(token(&fresh(1))), 1);
    let b = tabs.open(None, 2);
    let c = tabs.open(None, 3);
    tabs.tabs[b].close();
    tabs.pump();
    tabs.muted[c] = true; // frozen
    let Begin::Start(id) = tabs.tabs[a].refresh(Trigger::Manual, T) else { panic!() };
    tabs.pump();
    tabs.answer(a, id, TokenResult::from(fresh(2)));
    assert_eq!(tabs.lock, Some(a), "C has not answered: A keeps the lock");
    assert_eq!(tabs.tabs[a].poll_timeout(), Some(T + ACK_TIMEOUT_MS));
    tabs.tabs[a].handle_timeout(T + ACK_TIMEOUT_MS);
    tabs.pump();
    assert_eq!((tabs.lock, tabs.unlocked[a]), (None, 1), "the wait ended at its deadline");
    // C is forgotten until it speaks again: the next refresh does not wait for it.
    let Begin::Start(id) = tabs.tabs[a].refresh(Trigger::Manual, T) else { panic!() };
    tabs.pump();
    tabs.answer(a, id, TokenResult::from(fresh(3)));
    assert_eq!((tabs.lock, tabs.unlocked[a]), (None, 2), "released at once");
}

#[test]
fn without_sharing_nothing_is_posted() {
    let mut e = engine(config(60.0), Some(token("t")), T);
    e.set_token(Some(token("u")), T);
    e.clear();
    assert!(drain(&mut e).iter().all(|o| matches!(o, Output::Event(_))));
}
