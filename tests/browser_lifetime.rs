//! Token lifetimes: a token that lives shorter than `refreshAheadSeconds` is refreshed about
//! twice per lifetime (the window is at most half of it), not on every request; and `expiresAt`
//! is the earlier of the JWT's `exp` and what the refresh answered.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LIFETIME_S: i32 = 8;
const RUN_MS: u32 = 20_000;

#[wasm_bindgen_test]
async fn eight_second_tokens_are_refreshed_about_twice_per_lifetime_not_per_request() {
    let ns = ns("short-lived");
    let callback = token_callback(SERVER, &ns, LIFETIME_S, 0, "string");
    let log = recorder();
    let started = real_time();
    // The default refreshAheadSeconds (60) is longer than the whole 8-second lifetime.
    let client = Opts::new()
        .set("token", js_token(&ns, LIFETIME_S).await)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();

    let run = steady(&client, "/api/me", 200, RUN_MS).await;

    let sent = field(&run, "sent").as_f64().unwrap_or(0.0);
    let stats = stats(&ns).await;
    let refreshes = field(&stats, "tokensIssued").as_f64().unwrap_or(f64::NAN) - 1.0;
    let gap = shortest_gap(&log, "refresh-start", started);
    web_sys::console::log_1(
        &format!(
            "{sent} requests in {} s ({}), {refreshes} refreshes, at least {gap} ms apart",
            RUN_MS / 1000,
            field(&run, "statuses").as_string().unwrap_or_default(),
        )
        .into(),
    );
    // Due at half its life (iat in whole seconds, up to 10 % jitter): every 2.6 to 4 s.
    assert!(sent >= 50.0, "the requests were steady: {sent}");
    assert!((4.0..=7.0).contains(&refreshes), "{refreshes} tokens issued for refreshes in 20 s of 8-second tokens");
    assert!(gap >= 2_400.0, "a token was refreshed {gap} ms after it was installed, before half its life");
    assert_eq!(field(&stats, "authorized").as_f64(), Some(sent), "every request went out with a valid token");
    assert_eq!(field(&stats, "unauthorized").as_f64(), Some(0.0));
    assert_eq!(f64::from(calls(&callback)), refreshes);
    assert_eq!(field(&run, "statuses").as_string(), Some(format!(r#"{{"200":{sent}}}"#)));
}

/// `expiresAt` after a refresh whose callback answers a JWT living `jwt_ttl` seconds with
/// `fields` beside it, and the JWT's `exp` in ms.
async fn expiry_after_refresh(jwt_ttl: i32, fields: JsValue) -> (f64, f64, JsValue) {
    let ns = ns("expiry");
    let callback = with_fields(&token_callback(SERVER, &ns, jwt_ttl, 0, "object"), &fields);
    let log = recorder();
    let client = Opts::new().set("onTokenExpired", callback.clone()).set("onEvent", log.clone()).build();

    let installed = settle(invoke(&client, "refresh", &[]).into()).await;

    assert_eq!(installed.as_bool(), Some(true));
    let exp_ms = field(&field(&callback, "lastClaims"), "exp").as_f64().unwrap() * 1000.0;
    let expires_at = field(&client, "expiresAt").as_f64().unwrap();
    let refreshed = events(&log).iter().find(|e| field(e, "type").as_string().as_deref() == Some("refreshed"));
    assert_eq!(
        refreshed.map(|e| field(&e, "expiresAt").as_f64()),
        Some(Some(expires_at)),
        "the refreshed event says the same"
    );
    (expires_at, exp_ms, log)
}

#[wasm_bindgen_test]
async fn expires_at_never_runs_past_the_jwt_exp() {
    // expires_in one hour, the JWT one minute: the JWT's exp.
    let (expires_at, exp_ms, _) = expiry_after_refresh(60, object(&[("expires_in", 3_600.into())])).await;
    assert_eq!(expires_at, exp_ms, "expires_in ran past the JWT's exp");

    // Numeric string, as Azure AD sends it.
    let (expires_at, exp_ms, _) = expiry_after_refresh(60, object(&[("expires_in", "3600".into())])).await;
    assert_eq!(expires_at, exp_ms, "\"3600\" ran past the JWT's exp");

    // An absolute expiry later than exp: still the JWT's exp.
    let later = (now() / 1000.0).floor() + 7_200.0;
    let (expires_at, exp_ms, _) = expiry_after_refresh(60, object(&[("expiresAt", later.into())])).await;
    assert_eq!(expires_at, exp_ms, "expiresAt ran past the JWT's exp");
}

#[wasm_bindgen_test]
async fn a_shorter_expires_in_than_the_jwt_wins() {
    let (expires_at, exp_ms, _) = expiry_after_refresh(300, object(&[("expires_in", 30.into())])).await;

    assert!(expires_at < exp_ms - 200_000.0, "the provider's 30 s, not the JWT's 300 s");
    assert!((expires_at - (now() + 30_000.0)).abs() < 3_000.0, "{expires_at} is about 30 s from now");
}
