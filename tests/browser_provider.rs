//! The token provider's side: `false` from `onTokenExpired` signs out (the token is cleared and
//! nothing asks again until `setToken()` or `refresh()`), also when it comes from an OAuth
//! `invalid_grant`; and a callback doing refresh-token rotation rotates once however many 401s
//! and timer ticks need a token together, so the provider never sees a reused refresh token.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn refresh_now(client: &JsValue) -> js_sys::Promise {
    invoke(client, "refresh", &[]).into()
}

fn failure_reason(log: &JsValue) -> Option<String> {
    events(log)
        .iter()
        .find(|e| field(e, "type").as_string().as_deref() == Some("refresh-failed"))
        .and_then(|e| field(&e, "reason").as_string())
}

#[wasm_bindgen_test]
async fn false_after_a_401_signs_out_until_set_token_or_refresh() {
    let ns = ns("signed-out");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let callback = fixed_callback("false");
    let log = recorder();
    let client =
        Opts::new().set("token", old).set("onTokenExpired", callback.clone()).set("onEvent", log.clone()).build();

    let result = get(&client, "/api/me").await;

    assert_eq!(status(&result), 401, "the caller gets the original 401");
    assert_eq!(field(&result, "body.error").as_string().as_deref(), Some("invalid_token"), "with its body");
    assert_eq!(stat(&ns, "requests").await, 1.0, "not retried");
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false), "the token is cleared");
    assert!(field(&client, "expiresAt").is_null());
    assert_eq!(event_types(&log), "token-set,refresh-start,refresh-failed,cleared");
    assert_eq!(failure_reason(&log).as_deref(), Some("signed-out"));
    assert_eq!(calls(&callback), 1);

    // Signed out: requests go without a token and without asking; wake-ups do not ask either.
    let later = get(&client, &format!("/api/me?ns={ns}")).await;
    dispatch_visibility_change();
    sleep(300).await;
    assert_eq!(status(&later), 401);
    assert_eq!(calls(&callback), 1, "nothing asked for a token while signed out");
    let stats = stats(&ns).await;
    assert_eq!(field(&stats, "requests").as_f64(), Some(2.0));
    assert!(field(&stats, "lastAuthScheme").is_null(), "sent without Authorization");

    // refresh() asks again (the callback answers false again: still signed out).
    assert_eq!(settle(refresh_now(&client)).await.as_bool(), Some(false));
    assert_eq!(calls(&callback), 2, "refresh() asked");
    get(&client, &format!("/api/me?ns={ns}")).await;
    assert_eq!(calls(&callback), 2, "and signed out again");

    // setToken() ends it: a 401 asks again.
    invoke(&client, "setToken", &[js_token(&ns, 300).await]);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    revoke(&ns).await;
    assert_eq!(status(&get(&client, "/api/me").await), 401);
    assert_eq!(calls(&callback), 3, "setToken() ended signing out");
}

#[wasm_bindgen_test]
async fn false_from_the_timer_signs_out_and_the_timer_stops_asking() {
    let ns = ns("signed-out-timer");
    let callback = fixed_callback("false");
    let log = recorder();
    // A 2-second token: the timer asks after about 1 s.
    let client = Opts::new()
        .set("token", js_token(&ns, 2).await)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();

    sleep(1_800).await;
    assert_eq!(calls(&callback), 1, "the timer asked once");
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));
    assert!(event_types(&log).ends_with("refresh-failed,cleared"), "{}", event_types(&log));

    let later = get(&client, &format!("/api/me?ns={ns}")).await;
    dispatch_visibility_change();
    sleep(6_000).await;

    assert_eq!(status(&later), 401);
    assert_eq!(calls(&callback), 1, "neither the request nor the timer (nor a wake-up) asked again");
    assert_eq!(stat(&ns, "requests").await, 1.0);
}

#[wasm_bindgen_test]
async fn an_oauth_invalid_grant_signs_out() {
    let ns = ns("oauth-signed-out");
    let session = oauth_login(&ns, 300).await;
    let callback = oauth_callback(&session, 300, 0);
    // Someone else redeems the refresh token first: the callback's copy is spent, and presenting
    // it is a reuse, which revokes the session.
    let stolen = oauth_token(&field(&session, "refresh_token")).await;
    assert_eq!(field(&stolen, "status").as_f64(), Some(200.0));
    revoke(&ns).await;
    let log = recorder();
    let client = Opts::new()
        .set("token", field(&session, "access_token"))
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();

    let result = get(&client, "/api/me").await;

    let stats = stats(&ns).await;
    assert_eq!(field(&stats, "reuseDetected").as_f64(), Some(1.0), "the provider saw the spent token");
    assert_eq!(field(&stats, "sessionsRevoked").as_f64(), Some(1.0));
    assert_eq!(field(&callback, "refused").as_f64(), Some(1.0), "and answered invalid_grant");
    assert_eq!(status(&result), 401);
    assert_eq!(field(&result, "body.error").as_string().as_deref(), Some("invalid_token"));
    assert_eq!(field(&stats, "requests").as_f64(), Some(1.0), "not retried");
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));
    assert_eq!(failure_reason(&log).as_deref(), Some("signed-out"));
    assert!(event_types(&log).ends_with("cleared"));

    get(&client, &format!("/api/me?ns={ns}")).await;
    assert_eq!(calls(&callback), 1, "a later request did not ask");
    assert_eq!(stat(&ns, "refreshCalls").await, 2.0, "the thief's grant and the callback's");

    // Signed in again with setToken(): the next 401 asks again, and the revoked session refuses.
    invoke(&client, "setToken", &[js_token(&ns, 300).await]);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    revoke(&ns).await;
    assert_eq!(status(&get(&client, "/api/me").await), 401);
    assert_eq!(calls(&callback), 2);
    assert_eq!(stat(&ns, "invalidGrants").await, 2.0);
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));
}

#[wasm_bindgen_test]
async fn fifty_401s_and_the_timer_together_rotate_the_refresh_token_once() {
    let ns = ns("rotation");
    // 4-second access tokens: the window is 2 s, so the timer comes due 1.8 to 2 s before exp.
    let session = oauth_login(&ns, 4).await;
    // Each grant takes 800 ms: the timer's moment falls inside the refresh the 401s start.
    let callback = oauth_callback(&session, 300, 800);
    revoke(&ns).await;
    let log = recorder();
    let client = Opts::new()
        .set("token", field(&session, "access_token"))
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();
    let due = field(&client, "expiresAt").as_f64().unwrap() - 2_000.0;
    let wait = due - 300.0 - now();
    assert!(wait > 0.0, "the timer is not due yet ({wait} ms)");
    sleep(wait as u32).await;

    let results: js_sys::Array = settle(start_call_many(&client, "/api/me", 50)).await.into();

    let ok = results.iter().filter(|r| status(r) == 200).count();
    let stats = stats(&ns).await;
    let start = events(&log).iter().find(|e| field(e, "type").as_string().as_deref() == Some("refresh-start"));
    let end = events(&log).iter().find(|e| field(e, "type").as_string().as_deref() == Some("refreshed"));
    let trigger = start.as_ref().and_then(|e| field(e, "trigger").as_string());
    let (started_at, ended_at) = (start.map(|e| field(&e, "at").as_f64()), end.map(|e| field(&e, "at").as_f64()));
    web_sys::console::log_1(
        &format!(
            "timer due at {due}, refresh {started_at:?}..{ended_at:?} (trigger {trigger:?}), {} retries",
            count_events(&log, "retry")
        )
        .into(),
    );
    assert_eq!(field(&stats, "rotations").as_f64(), Some(1.0), "exactly one rotation");
    assert_eq!(field(&stats, "reuseDetected").as_f64(), Some(0.0), "no refresh token was presented twice");
    assert_eq!(field(&stats, "sessionsRevoked").as_f64(), Some(0.0));
    assert_eq!(ok, 50, "every request succeeded");
    assert_eq!(field(&stats, "unauthorized").as_f64(), Some(50.0), "each was answered 401 first");
    assert_eq!(field(&stats, "authorized").as_f64(), Some(50.0), "and retried once");
    assert_eq!(calls(&callback), 1);
    assert_eq!(count_events(&log, "refresh-start"), 1);
    assert_eq!(count_events(&log, "retry"), 50);
    if let (Some(Some(started_at)), Some(Some(ended_at))) = (started_at, ended_at) {
        assert!(started_at - 200.0 <= due && due <= ended_at, "the timer came due while the refresh ran");
    } else {
        panic!("no refresh: {}", event_types(&log));
    }

    // The timer is re-armed for the new token: nothing more within the next second.
    sleep(1_000).await;
    assert_eq!(stat(&ns, "rotations").await, 1.0);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
}
