//! DPoP's decisions, natively: which request gets a proof and which scheme, what the proof says
//! (`htm`, `htu`, `iat` on the server's clock from the first request, `ath`, the origin's nonce),
//! the nonce store as requests meet it, the redirect rule, the application's own proofs, and when
//! the key is dropped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use support::*;
use tokenfetch_engine::call::{Call, Head, Input, Mode, Step};
use tokenfetch_engine::dpop::Proof;
use tokenfetch_engine::event::{Cause, Event, Trigger};
use tokenfetch_engine::tabs::Message;
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Config, Engine, Output};

const T: f64 = 1_700_000_000_000.0;

fn dpop_config() -> Config {
    Config { dpop: true, ..config(60.0) }
}

fn dpop_engine(initial: Option<&str>) -> Engine {
    engine(dpop_config(), initial.map(token), T)
}

fn send_of(step: Step) -> (Option<Proof>, Option<String>) {
    match step {
        Step::Send { proof, to } => (proof, to),
        other => panic!("expected a send, got {other:?}"),
    }
}

fn start(e: &mut Engine, mode: Mode, method: &str, url: &str) -> (Call, Option<Proof>) {
    let mut call = Call::new(mode, method.into(), url.into());
    let (proof, _) = send_of(call.next(e, Input::Start, T));
    (call, proof)
}

#[test]
fn a_bound_token_goes_as_dpop_with_a_proof_for_the_request() {
    let mut e = dpop_engine(Some(&jwt(T, T + 600_000.0, 1)));
    let (_, proof) = start(&mut e, Mode::Token, "PATCH", "https://api.example/v1/orders/7?expand=1#x");
    assert!(e.authorization().unwrap().as_str().starts_with("DPoP "));
    let proof = proof.unwrap();
    assert_eq!((proof.htm.as_str(), proof.htu.as_str()), ("PATCH", "https://api.example/v1/orders/7"));
    assert_eq!(proof.iat, (T / 1000.0) as u64);
    assert!(proof.ath && proof.nonce.is_none());
}

#[test]
fn a_bearer_token_goes_with_the_auth_scheme_and_no_proof() {
    let mut e = dpop_engine(None);
    let id = e.refresh(Trigger::Manual, T).id();
    let bearer =
        TokenResult::Token { token: "b".into(), expires_in: None, expires_at: None, token_type: Some("bearer".into()) };
    e.source_answered(id, Ok(bearer), T);
    let (_, proof) = start(&mut e, Mode::Token, "GET", "https://api.example/v1/me");
    assert_eq!((e.authorization().unwrap().as_str(), proof), ("Bearer b", None));
    let mut off = engine(config(60.0), Some(token("t")), T);
    let (_, proof) = start(&mut off, Mode::Token, "GET", "https://api.example/v1/me");
    assert_eq!((off.authorization().unwrap().as_str(), proof), ("Bearer t", None), "without dpop nothing changes");
}

#[test]
fn proof_only_requests_carry_a_proof_without_ath_and_never_refresh() {
    let mut e = dpop_engine(None);
    let (mut call, proof) = start(&mut e, Mode::Proof, "POST", "https://as.example/token");
    let proof = proof.unwrap();
    assert!(!proof.ath && proof.htu == "https://as.example/token");
    let unauthorized = Head { status: 401, ..Head::default() };
    assert_eq!(call.next(&mut e, Input::Response(unauthorized), T), Step::Deliver);
    assert_eq!(e.refreshing(), None);
    let mut off = engine(config(60.0), None, T);
    assert_eq!(start(&mut off, Mode::Proof, "POST", "https://as.example/token").1, None, "no dpop, no proof");
}

#[test]
fn the_first_proof_is_on_the_servers_clock_and_dates_take_over() {
    // The page's clock is 5 minutes fast; the token was issued just now on the server's clock.
    for offset in [300_000.0, -300_000.0] {
        let local = T + offset;
        let mut e = engine(dpop_config(), Some(jwt_token(T, T + 3_600_000.0, 1)), local);
        let mut call = Call::new(Mode::Token, "GET".into(), "https://api.example/a".into());
        let (proof, _) = send_of(call.next(&mut e, Input::Start, local));
        assert_eq!(proof.unwrap().iat, (T / 1000.0) as u64, "offset {offset}");
        // A response's Date (the server moved on 10 s) decides from then on.
        let head = Head { status: 200, date_ms: Some(T + 10_000.0), ..Head::default() };
        call.next(&mut e, Input::Response(head), local + 10_000.0);
        let mut next = Call::new(Mode::Token, "GET".into(), "https://api.example/a".into());
        let (proof, _) = send_of(next.next(&mut e, Input::Start, local + 10_000.0));
        let iat = proof.unwrap().iat as f64 * 1000.0;
        assert!((iat - (T + 10_000.0)).abs() <= 1_000.0, "offset {offset}: iat {iat}");
    }
}

#[test]
fn nonces_are_kept_per_request_origin_and_learned_from_every_response() {
    let mut e = dpop_engine(Some("t"));
    let (mut call, proof) = start(&mut e, Mode::Token, "GET", "https://api.example/a");
    assert_eq!(proof.unwrap().nonce, None);
    // A nonce challenge: once more with the new nonce, and a `retry` that says why.
    let challenge = Head {
        status: 401,
        www_authenticate: Some(r#"DPoP error="use_dpop_nonce""#),
        dpop_nonce: Some("api-1"),
        ..Head::default()
    };
    let (proof, _) = send_of(call.next(&mut e, Input::Response(challenge), T));
    assert_eq!(proof.unwrap().nonce.as_deref(), Some("api-1"));
    assert!(drain(&mut e).contains(&Output::Event(Event::Retry { status: 401, cause: Cause::DpopNonce })));
    // The successful retry's response rotates the nonce: the next request uses the new one.
    let ok = Head { status: 200, dpop_nonce: Some("api-2"), ..Head::default() };
    assert_eq!(call.next(&mut e, Input::Response(ok), T), Step::Deliver);
    assert_eq!(start(&mut e, Mode::Token, "GET", "https://api.example/b").1.unwrap().nonce.as_deref(), Some("api-2"));
    // Another origin has its own (none yet), also when a redirect answered from elsewhere.
    let (mut token_call, proof) = start(&mut e, Mode::Proof, "POST", "https://as.example/token");
    assert_eq!(proof.unwrap().nonce, None);
    let from_as =
        Head { status: 200, dpop_nonce: Some("as-1"), redirected_to: Some("https://api.example/x"), ..Head::default() };
    token_call.next(&mut e, Input::Response(from_as), T);
    assert_eq!(
        start(&mut e, Mode::Proof, "POST", "https://as.example/token").1.unwrap().nonce.as_deref(),
        Some("as-1")
    );
    assert_eq!(start(&mut e, Mode::Token, "GET", "https://api.example/c").1.unwrap().nonce.as_deref(), Some("api-2"));
}

#[test]
fn a_400_is_a_nonce_challenge_only_when_its_json_says_so() {
    let mut e = dpop_engine(None);
    let (mut call, _) = start(&mut e, Mode::Proof, "POST", "https://as.example/token");
    let bad_request = Head { status: 400, dpop_nonce: Some("as-1"), ..Head::default() };
    assert_eq!(call.next(&mut e, Input::Response(bad_request), T), Step::ReadError);
    let (proof, _) = send_of(call.next(&mut e, Input::ErrorCode(Some("use_dpop_nonce")), T));
    assert_eq!(proof.unwrap().nonce.as_deref(), Some("as-1"));
    let (mut other, _) = start(&mut e, Mode::Proof, "POST", "https://as.example/token");
    let bad_request = Head { status: 400, dpop_nonce: Some("as-2"), ..Head::default() };
    assert_eq!(other.next(&mut e, Input::Response(bad_request), T), Step::ReadError);
    assert_eq!(other.next(&mut e, Input::ErrorCode(Some("invalid_grant")), T), Step::Deliver);
    let (mut same, _) = start(&mut e, Mode::Proof, "POST", "https://as.example/token");
    let same_nonce = Head { status: 400, dpop_nonce: Some("as-2"), ..Head::default() };
    assert_eq!(same.next(&mut e, Input::Response(same_nonce), T), Step::Deliver, "the nonce just sent: no retry");
}

#[test]
fn a_get_that_a_redirect_took_elsewhere_is_sent_once_to_the_url_that_answered() {
    let mut e = dpop_engine(Some("t"));
    let moved = Head {
        status: 401,
        www_authenticate: Some(r#"DPoP error="invalid_dpop_proof""#),
        redirected_to: Some("https://api.example/new?x=1"),
        ..Head::default()
    };
    let (mut call, _) = start(&mut e, Mode::Token, "GET", "https://api.example/old");
    let (proof, to) = send_of(call.next(&mut e, Input::Response(moved), T));
    assert_eq!(
        (proof.unwrap().htu.as_str(), to.as_deref()),
        ("https://api.example/new", Some("https://api.example/new?x=1"))
    );
    assert_eq!((call.refreshes(), call.retries(), call.sends()), (0, 0, 2), "no refresh for it");
    // POST: which method the redirect left it cannot be seen; another origin never gets the token.
    let (mut post, _) = start(&mut e, Mode::Token, "POST", "https://api.example/old");
    assert!(matches!(post.next(&mut e, Input::Response(moved), T), Step::Wait(_)), "the usual 401 rules");
    let mut e = dpop_engine(Some("t"));
    let away = Head { redirected_to: Some("https://evil.example/x"), ..moved };
    let (mut get, _) = start(&mut e, Mode::Token, "GET", "https://api.example/old");
    assert!(matches!(get.next(&mut e, Input::Response(away), T), Step::Wait(_)), "not resent to another origin");
}

#[test]
fn the_applications_own_proofs_are_checked_and_carry_the_nonce() {
    let mut e = dpop_engine(None);
    e.learn_nonce("https://api.example/z", "n-1");
    let proof = e.app_proof("DELETE", "https://api.example/items/3?force=1", T).unwrap();
    assert_eq!(
        (proof.htm.as_str(), proof.htu.as_str(), proof.nonce.as_deref(), proof.ath),
        ("DELETE", "https://api.example/items/3", Some("n-1"), false)
    );
    assert!(e.app_proof("GET /x", "https://api.example/", T).unwrap_err().message.contains("method"));
    assert!(e.app_proof("", "https://api.example/", T).unwrap_err().message.contains("method"));
    assert!(e.app_proof("GET", "data:,x", T).unwrap_err().message.contains("url"));
    assert!(engine(config(60.0), None, T).app_proof("GET", "https://a/", T).unwrap_err().message.contains("dpop"));
}

#[test]
fn the_key_is_dropped_on_clear_and_signing_out_here_and_in_other_tabs() {
    let mut e = dpop_engine(Some("t"));
    drain(&mut e);
    e.clear();
    assert!(drain(&mut e).contains(&Output::DropKey { delete: true }));
    let id = e.refresh(Trigger::Manual, T).id();
    e.source_answered(id, Ok(TokenResult::SignedOut), T);
    assert!(drain(&mut e).contains(&Output::DropKey { delete: true }), "signing out deletes it");
    let shared = Config { share_across_tabs: true, ..dpop_config() };
    let mut tab = Engine::new(shared, Some(token("t")), 3, T);
    drain(&mut tab);
    tab.handle_message(Message::Cleared { from: 99, signed_out: true }, T);
    assert!(drain(&mut tab).contains(&Output::DropKey { delete: false }), "another tab deleted it: forget it here");
    let mut off = engine(config(60.0), Some(token("t")), T);
    off.clear();
    assert!(!drain(&mut off).iter().any(|o| matches!(o, Output::DropKey { .. })), "no key without dpop");
    e.note_key(false);
    assert_eq!(drain(&mut e), [Output::Event(Event::DpopKey { stored: false })]);
}
