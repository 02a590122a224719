//! The client's rules, natively: the refresh outcome the event, the state and `refresh()` agree on,
//! signing out, the timer plan, the refresh window under traffic, clock skew, and which requests
//! get the token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use support::*;
use tokenfetch_engine::call::{Call, Head, Input, Step};
use tokenfetch_engine::event::{Event, Reason, Trigger};
use tokenfetch_engine::expiry::MAX_TIMER_SLICE_MS;
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Begin, Failure, Output};

const T: f64 = 1_700_000_000_000.0;

#[test]
fn one_refresh_at_a_time_joiners_share_its_single_outcome() {
    let mut e = engine(config(60.0), None, T);
    let Begin::Start(id) = e.refresh(Trigger::Expiry, T) else { panic!() };
    assert_eq!(e.refresh(Trigger::Status, T), Begin::Join(id));
    assert_eq!(e.refresh(Trigger::Manual, T), Begin::Join(id));
    e.source_answered(id, answer("new"), T + 5.0);
    e.source_answered(id, answer("again"), T + 6.0); // stale: changes nothing
    let out = drain(&mut e);
    assert_eq!(names(&out), "refresh-start,refreshed");
    assert_eq!(out.iter().filter(|o| matches!(o, Output::Ask(_))).count(), 1, "the source was asked once");
    assert_eq!(out.iter().filter(|o| matches!(o, Output::Settled { outcome: Ok(()), .. })).count(), 1);
    assert_eq!(e.authorization().unwrap().as_str(), "Bearer new");
}

#[test]
fn a_failed_refresh_keeps_the_token_and_says_why() {
    let mut e = engine(config(60.0), Some(token("old")), T);
    drain(&mut e);
    let Begin::Start(id) = e.refresh(Trigger::Status, T) else { panic!() };
    e.source_answered(id, Err(Failure { reason: Reason::RefreshUrlStatus, status: Some(503) }), T);
    let out = drain(&mut e);
    assert_eq!(
        out,
        [
            Output::Event(Event::RefreshStart { trigger: Trigger::Status }),
            Output::Ask(id),
            Output::Event(Event::RefreshFailed { reason: Reason::RefreshUrlStatus, status: Some(503) }),
            Output::Settled {
                refresh: id,
                outcome: Err(Failure { reason: Reason::RefreshUrlStatus, status: Some(503) })
            },
        ]
    );
    assert_eq!(e.authorization().unwrap().as_str(), "Bearer old");
    assert!(e.in_failure_cooldown(T + 4_000.0) && !e.in_failure_cooldown(T + 5_000.0));
}

#[test]
fn a_refresh_superseded_by_set_token_installs_nothing_and_says_so_everywhere() {
    let mut e = engine(config(60.0), Some(token("old")), T);
    let Begin::Start(id) = e.refresh(Trigger::Manual, T) else { panic!() };
    e.set_token(Some(token("from-app")), T + 1.0);
    e.source_answered(id, answer("from-refresh"), T + 2.0);
    let out = drain(&mut e);
    assert_eq!(names(&out), "token-set,refresh-start,token-set,refresh-failed");
    assert!(events(&out).contains(&Event::RefreshFailed { reason: Reason::Superseded, status: None }));
    assert!(
        out.contains(&Output::Settled { refresh: id, outcome: Err(Failure::from(Reason::Superseded)) }),
        "refresh() answers false, for the same reason"
    );
    assert_eq!(e.authorization().unwrap().as_str(), "Bearer from-app", "the application's token stays");
    assert!(!e.in_failure_cooldown(T + 3.0), "being superseded is not a failure of the source");
}

#[test]
fn signing_out_clears_the_token_and_nothing_asks_again_until_set_token_or_refresh() {
    let exp = T + 3_600_000.0;
    let mut e = engine(config(60.0), Some(jwt_token(T, exp, 1)), T);
    let Begin::Start(id) = e.refresh(Trigger::Status, T) else { panic!() };
    e.source_answered(id, Ok(TokenResult::SignedOut), T);
    let out = drain(&mut e);
    assert_eq!(names(&out), "token-set,refresh-start,refresh-failed,cleared");
    assert!(events(&out).contains(&Event::RefreshFailed { reason: Reason::SignedOut, status: None }));
    assert!(out.contains(&Output::Settled { refresh: id, outcome: Err(Failure::from(Reason::SignedOut)) }));
    assert!(!e.has_token() && e.is_signed_out() && !e.may_refresh());
    assert_eq!(e.poll_timeout(), None, "the timer stops");
    // A request goes out without a token; its 401 is delivered without asking the source.
    let mut call = Call::default();
    assert!(matches!(call.next(&mut e, Input::Start, T), Step::Send { .. }));
    assert_eq!(call.next(&mut e, Input::Response(Head { status: 401, ..Head::default() }), T), Step::Deliver);
    assert_eq!(call.refreshes(), 0);
    // refresh() asks again.
    assert!(matches!(e.refresh(Trigger::Manual, T), Begin::Start(_)));
    assert!(!e.is_signed_out());
    // So does setToken.
    let mut e = engine(config(60.0), None, T);
    let Begin::Start(id) = e.refresh(Trigger::Expiry, T) else { panic!() };
    e.source_answered(id, Ok(TokenResult::SignedOut), T);
    e.set_token(Some(token("again")), T);
    assert!(e.may_refresh() && e.has_token());
}

#[test]
fn signed_out_while_the_token_was_replaced_is_superseded() {
    let mut e = engine(config(60.0), Some(token("old")), T);
    let Begin::Start(id) = e.refresh(Trigger::Status, T) else { panic!() };
    e.set_token(Some(token("fresh-login")), T);
    e.source_answered(id, Ok(TokenResult::SignedOut), T);
    assert!(e.has_token() && !e.is_signed_out(), "the newer login wins");
    assert!(events(&drain(&mut e)).contains(&Event::RefreshFailed { reason: Reason::Superseded, status: None }));
}

#[test]
fn the_timer_fires_in_the_window_moved_earlier_by_jitter_and_sleeps_in_slices() {
    // 10-minute token, refreshAheadSeconds 60: due 9 minutes in, up to 6 s earlier with jitter.
    let mut e = engine(config(60.0), Some(jwt_token(T, T + 600_000.0, 1)), T);
    assert_eq!(e.poll_timeout(), Some(T + MAX_TIMER_SLICE_MS), "long waits are sliced");
    e.handle_timeout(T + 5_000.0);
    assert_eq!(e.refreshing(), None, "not due yet");
    let mut now = T;
    while e.refreshing().is_none() {
        now = e.poll_timeout().unwrap();
        e.handle_timeout(now);
        assert!(now <= T + 540_000.0 + 1.0, "fired late");
    }
    assert!(now >= T + 540_000.0 - 6_000.0, "fired too early: {} s", (now - T) / 1000.0);
    assert_eq!(e.poll_timeout(), Some(now + 10_000.0), "while refreshing only its timeout is planned");
    let out = drain(&mut e);
    assert!(events(&out).contains(&Event::RefreshStart { trigger: Trigger::Timer }));
}

#[test]
fn a_machine_that_slept_past_the_due_time_refreshes_on_the_first_tick() {
    let mut e = engine(config(60.0), Some(jwt_token(T, T + 600_000.0, 1)), T);
    e.handle_timeout(T + 590_000.0);
    assert!(e.refreshing().is_some(), "woke 10 s before expiry");
}

#[test]
fn failures_back_off_and_stop_once_the_token_expired() {
    let exp = T + 600_000.0;
    let mut e = engine(config(60.0), Some(jwt_token(T, exp, 1)), T);
    let mut now = T + 545_000.0;
    let mut gaps = Vec::new();
    let mut last = now;
    while now < exp + 60_000.0 {
        e.handle_timeout(now);
        if let Some(id) = e.refreshing() {
            gaps.push(((now - last) / 1000.0).round());
            last = now;
            e.source_answered(id, Err(Failure::from(Reason::NetworkError)), now);
        }
        match e.poll_timeout() {
            Some(at) => now = at.max(now + 1.0),
            None => break,
        }
    }
    assert_eq!(gaps[1..], [5.0, 10.0, 20.0], "back-off until expiry, then requests take over");
    assert!(now < exp + 60_000.0, "the timer stopped once the token expired");
}

#[test]
fn no_timer_without_an_expiry_a_source_or_auto_refresh() {
    let opaque = engine(config(60.0), Some(token("opaque")), T);
    assert_eq!(opaque.poll_timeout(), None);
    let mut sourceless = config(60.0);
    sourceless.has_source = false;
    assert_eq!(engine(sourceless, Some(jwt_token(T, T + 60_000.0, 1)), T).poll_timeout(), None);
    let mut manual = config(60.0);
    manual.settings.auto_refresh = false;
    assert_eq!(engine(manual, Some(jwt_token(T, T + 60_000.0, 1)), T).poll_timeout(), None);
}

#[test]
fn a_refreshed_token_that_is_due_already_waits_half_its_remaining_life() {
    // The provider hands out a token issued 10 minutes ago that expires in 20 s: due at once by
    // the window, so the timer waits 10 s instead of refreshing in a loop.
    let mut e = engine(config(60.0), None, T);
    let Begin::Start(id) = e.refresh(Trigger::Manual, T) else { panic!() };
    e.source_answered(id, answer(&jwt(T - 600_000.0, T + 20_000.0, 1)), T);
    let mut now = T;
    while e.refreshing().is_none() {
        now = e.poll_timeout().unwrap();
        e.handle_timeout(now);
    }
    assert!((now - T - 10_000.0).abs() <= 1_000.0, "waited {} ms", now - T);
}

/// Steady traffic (a request every 250 ms) with 8-second tokens and the default
/// refreshAheadSeconds (60): a refresh about every 4 s (twice per lifetime), never one per request.
fn short_lived_tokens(auto_refresh: bool) -> (u32, u32) {
    let mut cfg = config(60.0);
    cfg.settings.auto_refresh = auto_refresh;
    let mut e = engine(cfg, Some(jwt_token(T, T + 8_000.0, 0)), T);
    let (mut refreshes, mut requests, mut marker) = (0, 0, 1);
    let mut now = T;
    let run = |e: &mut tokenfetch_engine::Engine, id, now: f64, marker: &mut u32| {
        *marker += 1;
        let issued = (now / 1000.0).floor() * 1000.0;
        e.source_answered(id, answer(&jwt(issued, issued + 8_000.0, *marker)), now);
    };
    while now < T + 80_000.0 {
        e.handle_timeout(now);
        if let Some(id) = e.refreshing() {
            refreshes += 1;
            run(&mut e, id, now, &mut marker);
        }
        let mut call = Call::default();
        requests += 1;
        let mut step = call.next(&mut e, Input::Start, now);
        if let Step::Wait(refresh) = step {
            refreshes += 1;
            run(&mut e, refresh, now, &mut marker);
            step = call.next(&mut e, Input::Settled, now);
        }
        assert!(matches!(step, Step::Send { .. }));
        assert_eq!(call.next(&mut e, Input::Response(Head { status: 200, ..Head::default() }), now), Step::Deliver);
        now += 250.0;
    }
    (refreshes, requests)
}

#[test]
fn short_lived_tokens_are_refreshed_about_twice_per_lifetime_never_per_request() {
    for auto_refresh in [false, true] {
        let (refreshes, requests) = short_lived_tokens(auto_refresh);
        // 80 s of 8 s tokens: 10 lifetimes, so about 20 refreshes (whole-second iat rounds some up).
        assert!(
            (18..=24).contains(&refreshes),
            "autoRefresh {auto_refresh}: {refreshes} refreshes for {requests} requests"
        );
    }
}

#[test]
fn expiry_decisions_use_the_servers_clock() {
    // The local clock is 10 minutes fast; the token (no iat) has 5 minutes left in server time.
    let skewed_now = T + 600_000.0;
    let mut e = engine(config(60.0), None, skewed_now);
    e.set_token(Some(token(&jwt_exp_only(T + 300_000.0))), skewed_now);
    assert!(e.is_due(skewed_now), "by the local clock the token expired");
    e.observe_response(Some(T), false, skewed_now);
    assert!(!e.is_due(skewed_now), "the Date header taught the offset");
    let mut cached = engine(config(60.0), None, skewed_now);
    cached.set_token(Some(token(&jwt_exp_only(T + 300_000.0))), skewed_now);
    cached.observe_response(Some(T), true, skewed_now);
    assert!(cached.is_due(skewed_now), "a cached response (Age) says nothing about the clock");
    // A fresh token whose iat looks 10 minutes old yet which looks expired tells the offset too.
    let mut by_iat = engine(config(60.0), None, skewed_now);
    by_iat.set_token(Some(jwt_token(T - 1_000.0, T + 300_000.0, 1)), skewed_now);
    assert!(!by_iat.is_due(skewed_now));
}

#[test]
fn only_allowed_origins_without_an_opt_out_or_own_authorization_get_the_token() {
    let e = engine(config(60.0), Some(token("t")), T);
    assert!(e.authorizes("https://api.example/v1/me", false, false));
    assert!(!e.authorizes("https://evil.example/v1/me", false, false));
    assert!(!e.authorizes("https://api.example.evil.example/", false, false));
    assert!(!e.authorizes("http://api.example/v1/me", false, false), "another scheme is another origin");
    assert!(!e.authorizes("blob:https://api.example/1f2e", false, false));
    assert!(!e.authorizes("https://api.example/", true, false), "auth: false");
    assert!(!e.authorizes("https://api.example/", false, true), "the caller's own Authorization");
}

#[test]
fn clear_and_close() {
    let mut e = engine(config(60.0), Some(token("t")), T);
    e.clear();
    assert!(!e.has_token());
    assert_eq!(names(&drain(&mut e)), "token-set,cleared");
    e.set_token(Some(token("u")), T);
    e.set_token(None, T);
    assert_eq!(names(&drain(&mut e)), "token-set,cleared", "setToken(null) clears");
    let Begin::Start(id) = e.refresh(Trigger::Manual, T) else { panic!() };
    drain(&mut e);
    e.close();
    e.source_answered(id, answer("late"), T);
    let out = drain(&mut e);
    assert_eq!(names(&out), "", "a closed client emits nothing more");
    assert!(out.iter().any(|o| matches!(o, Output::Settled { refresh, outcome: Err(_) } if *refresh == id)));
    assert!(!e.has_token() && e.poll_timeout().is_none());
}
