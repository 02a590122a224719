//! Whole lifecycles through time, driven the way the shell drives the engine: arm one timer for
//! `poll_timeout()`, call `handle_timeout(now)` when it fires, do what `poll()` says. Every
//! deadline is the engine's: the refresh timeout, the back-off after it, the wait for other tabs,
//! and the proactive refresh after the machine slept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use support::*;
use tokenfetch_engine::event::{Event, Reason, Trigger};
use tokenfetch_engine::expiry::MAX_TIMER_SLICE_MS;
use tokenfetch_engine::tabs::{Message, ACK_TIMEOUT_MS};
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Config, Engine, Failure, Output, RefreshId};

const T: f64 = 1_700_000_000_000.0;

/// Runs the engine's timer until `until` (local ms), answering nothing: what a shell whose source
/// never answers sees. Returns every output, with the time it came out.
fn run_timer(e: &mut Engine, mut now: f64, until: f64) -> Vec<(f64, Output)> {
    let mut seen = Vec::new();
    loop {
        while let Some(output) = e.poll() {
            seen.push((now, output));
        }
        match e.poll_timeout() {
            Some(at) if at <= until => {
                now = at.max(now);
                e.handle_timeout(now);
            }
            _ => return seen,
        }
    }
}

fn asks(seen: &[(f64, Output)]) -> Vec<(f64, RefreshId)> {
    seen.iter().filter_map(|(at, o)| if let Output::Ask(id) = o { Some((*at, *id)) } else { None }).collect()
}

#[test]
fn a_callback_that_never_answers_times_out_gives_up_backs_off_and_tries_again() {
    // A 10-minute token, due 9 minutes in (less jitter); the source never answers.
    let exp = T + 600_000.0;
    let mut e = engine(config(60.0), Some(jwt_token(T, exp, 1)), T);
    let seen = run_timer(&mut e, T, T + 580_000.0);
    let asked = asks(&seen);
    assert!(asked.len() >= 3, "{asked:?}");
    let (first, id) = asked[0];
    assert!((T + 534_000.0..=T + 540_000.0).contains(&first), "the first try is in the window");
    // The timeout is the engine's: 10 s after asking, the refresh fails with `timeout`.
    let failed: Vec<(f64, Output)> =
        seen.iter().filter(|(_, o)| matches!(o, Output::Settled { .. })).cloned().collect();
    assert_eq!(
        failed[0],
        (first + 10_000.0, Output::Settled { refresh: id, outcome: Err(Failure::from(Reason::Timeout)) })
    );
    assert!(seen.iter().any(|(at, o)| *at == first + 10_000.0
        && *o == Output::Event(Event::RefreshFailed { reason: Reason::Timeout, status: None })));
    // Then back-off: the next try 5 s after the failure, the one after 10 s after that failure.
    assert_eq!(asked[1].0, first + 10_000.0 + 5_000.0);
    assert_eq!(asked[2].0, asked[1].0 + 10_000.0 + 10_000.0);
    assert!(asked.windows(2).all(|w| w[0].1 < w[1].1), "a new refresh each time");
    // A late answer to the first refresh changes nothing.
    e.source_answered(id, Ok(TokenResult::from("late")), asked[2].0 + 1.0);
    assert_ne!(e.authorization().unwrap().as_str(), "Bearer late");
}

#[test]
fn a_refresh_that_times_out_settles_the_way_every_caller_sees_it() {
    let mut e = engine(config(60.0), Some(token("opaque")), T);
    let id = e.refresh(Trigger::Manual, T).id();
    drain(&mut e);
    assert_eq!(e.poll_timeout(), Some(T + 10_000.0));
    e.handle_timeout(T + 9_999.0);
    assert!(drain(&mut e).is_empty() && e.refreshing() == Some(id), "not yet");
    e.handle_timeout(T + 10_000.0);
    let out = drain(&mut e);
    assert_eq!(
        out,
        [
            Output::Event(Event::RefreshFailed { reason: Reason::Timeout, status: None }),
            Output::Settled { refresh: id, outcome: Err(Failure::from(Reason::Timeout)) },
        ],
        "the event and refresh()'s answer agree"
    );
    assert_eq!(e.refreshing(), None);
    assert!(e.has_token() && e.in_failure_cooldown(T + 10_001.0), "the token stays; requests wait a moment");
    let mut quick = config(60.0);
    quick.settings.refresh_timeout_ms = 250;
    let mut e = engine(quick, None, T);
    e.refresh(Trigger::Manual, T);
    assert_eq!(e.poll_timeout(), Some(T + 250.0), "refreshTimeoutMs decides");
}

#[test]
fn a_tab_that_never_acknowledges_holds_the_lock_only_until_the_deadline() {
    let shared = Config { share_across_tabs: true, ..config(60.0) };
    let mut a = Engine::new(shared.clone(), Some(token("a")), 1, T);
    let mut silent = Engine::new(shared, None, 2, T);
    // The silent tab says hello once, then never answers again.
    let hello = drain(&mut silent).into_iter().find_map(|o| if let Output::Post(m) = o { Some(m) } else { None });
    a.handle_message(hello.unwrap(), T);
    drain(&mut a);
    let id = a.refresh(Trigger::Manual, T).id();
    assert!(drain(&mut a).contains(&Output::Lock(id)), "with tabs, the lock first");
    assert_eq!(a.poll_timeout(), None, "no timeout runs while waiting for the lock");
    a.lock_granted(id, T + 50.0);
    assert!(drain(&mut a).contains(&Output::Ask(id)));
    a.source_answered(id, Ok(TokenResult::from("new")), T + 100.0);
    let out = drain(&mut a);
    assert!(out.iter().any(|o| matches!(o, Output::Post(Message::Token { .. }))));
    assert!(!out.contains(&Output::Unlock), "the lock is kept for the acknowledgements");
    assert_eq!(a.poll_timeout(), Some(T + 100.0 + ACK_TIMEOUT_MS));
    a.handle_timeout(T + 100.0 + ACK_TIMEOUT_MS);
    assert_eq!(drain(&mut a), [Output::Unlock]);
    assert_eq!(a.poll_timeout(), None, "nothing left to wait for");
}

#[test]
fn a_page_asleep_for_an_hour_refreshes_as_soon_as_it_wakes() {
    let exp = T + 600_000.0;
    let mut e = engine(config(60.0), Some(jwt_token(T, exp, 1)), T);
    drain(&mut e);
    // The timer was armed for a slice; the machine slept and the timer fires an hour late.
    assert_eq!(e.poll_timeout(), Some(T + MAX_TIMER_SLICE_MS));
    let woke = T + 3_600_000.0;
    e.handle_timeout(woke);
    let out = drain(&mut e);
    assert!(out.contains(&Output::Event(Event::RefreshStart { trigger: Trigger::Timer })));
    let id = e.refreshing().unwrap();
    assert_eq!(e.poll_timeout(), Some(woke + 10_000.0), "its timeout counts from waking");
    e.source_answered(id, Ok(TokenResult::from(jwt(woke, woke + 600_000.0, 2))), woke + 80.0);
    assert!(!e.is_due(woke + 100.0));
    assert_eq!(e.poll_timeout(), Some(woke + 80.0 + MAX_TIMER_SLICE_MS));
}

#[test]
fn a_wake_up_looks_at_the_deadlines_only_when_the_page_is_shown() {
    let mut e = engine(config(60.0), Some(jwt_token(T, T + 600_000.0, 1)), T);
    assert!(e.wants_wake_ups());
    e.handle_wake_up(T + 700_000.0, false);
    assert_eq!(e.refreshing(), None, "hidden: nothing");
    e.handle_wake_up(T + 700_000.0, true);
    assert!(e.refreshing().is_some(), "shown after the due time: refresh now");
    let mut manual = config(60.0);
    manual.settings.auto_refresh = false;
    assert!(!engine(manual, None, T).wants_wake_ups());
    let mut sourceless = config(60.0);
    sourceless.has_source = false;
    assert!(!engine(sourceless, None, T).wants_wake_ups());
}
