//! Refresh and retry rules of the contract, in a real browser against the test server.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_401_refreshes_once_retries_once_and_succeeds() {
    let ns = ns("retry");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let log = recorder();
    let client =
        Opts::new().set("token", old).set("onTokenExpired", callback.clone()).set("onEvent", log.clone()).build();

    let result = get(&client, "/api/me").await;

    assert_eq!(status(&result), 200);
    assert_eq!(calls(&callback), 1);
    assert_eq!(stat(&ns, "unauthorized").await, 1.0, "the server saw the revoked token once");
    assert_eq!(stat(&ns, "authorized").await, 1.0, "and the new token once");
    assert_eq!(event_types(&log), "token-set,refresh-start,refreshed,retry");
    assert_eq!(field(&events(&log).get(3), "status").as_f64(), Some(401.0));
}

#[wasm_bindgen_test]
async fn fifty_concurrent_401s_share_one_refresh() {
    let ns = ns("storm");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let callback = token_callback(SERVER, &ns, 300, 50, "string");
    let client = Opts::new().set("token", old).set("onTokenExpired", callback.clone()).build();

    let results: js_sys::Array = call_many(&client, "/api/me", 50).await.into();

    let ok = results.iter().filter(|r| status(r) == 200).count();
    assert_eq!(ok, 50, "every request succeeds");
    assert_eq!(calls(&callback), 1, "the callback ran once");
    assert_eq!(stat(&ns, "authorized").await, 50.0);
    assert_eq!(stat(&ns, "tokensIssued").await, 2.0, "the initial token and one refresh");
}

#[wasm_bindgen_test]
async fn a_late_401_for_a_replaced_token_is_retried_without_a_second_refresh() {
    let ns = ns("stale");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", old).set("onTokenExpired", callback.clone()).build();

    // The slow request leaves first with the revoked token; its 401 arrives after the fast one refreshed.
    let slow = start_call(&client, &"/api/me?delay=700".into(), &JsValue::UNDEFINED);
    let fast = get(&client, "/api/me").await;
    assert_eq!(status(&fast), 200);
    assert_eq!(calls(&callback), 1);
    let slow = settle(slow).await;

    assert_eq!(status(&slow), 200, "the slow request was retried with the new token");
    assert_eq!(calls(&callback), 1, "without a second refresh");
    assert_eq!(stat(&ns, "unauthorized").await, 2.0);
    assert_eq!(stat(&ns, "authorized").await, 2.0);
}

#[wasm_bindgen_test]
async fn a_token_about_to_expire_is_refreshed_before_sending() {
    let ns = ns("ahead");
    // Issued 270 s ago, 30 s left: inside the 60 s window of a 5-minute token. Unsigned, so the
    // server would count it as unauthorized in `ns` had it been sent.
    let expiring = fake_jwt_lived(270, 30);
    let callback = token_callback(SERVER, &ns, 300, 0, "object");
    let log = recorder();
    let client = Opts::new()
        .set("token", expiring)
        .set("refreshAheadSeconds", 60)
        .set("autoRefresh", false)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();

    let result = get(&client, &format!("/api/me?ns={ns}")).await;

    assert_eq!(stat(&ns, "unauthorized").await, 0.0, "no request went out with the old token");
    assert_eq!(stat(&ns, "authorized").await, 1.0, "the one request went out with the new token");
    assert_eq!(status(&result), 200);
    assert_eq!(calls(&callback), 1);
    assert_eq!(field(&events(&log).get(1), "trigger").as_string().as_deref(), Some("expiry"));
    let expires_at = field(&client, "expiresAt").as_f64().unwrap();
    assert!((expires_at - (now() + 300_000.0)).abs() < 5_000.0, "expires_in sets expiresAt: {expires_at}");
}

#[wasm_bindgen_test]
async fn a_fresh_token_is_sent_without_refreshing() {
    let ns = ns("fresh");
    let fresh = token(&ns, 600).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", fresh).set("onTokenExpired", callback.clone()).build();

    assert_eq!(status(&get(&client, "/api/me").await), 200);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    assert_eq!(stat(&ns, "tokensIssued").await, 1.0, "the server issued no token beyond the first");
    assert_eq!(stat(&ns, "authorized").await, 2.0, "and saw both requests with it");
    assert_eq!(calls(&callback), 0);
}

#[wasm_bindgen_test]
async fn giving_up_returns_the_original_401_with_its_body_and_keeps_the_token() {
    for (kind, reason) in [
        ("null", "no-token"),
        ("undefined", "no-token"),
        ("empty", "no-token"),
        ("throw", "callback-error"),
        ("reject", "callback-error"),
        ("number", "invalid-type"),
        ("crlf", "invalid-token"),
    ] {
        let ns = ns("giveup");
        let old = token(&ns, 300).await;
        revoke(&ns).await;
        let callback = fixed_callback(kind);
        let log = recorder();
        let client =
            Opts::new().set("token", old).set("onTokenExpired", callback.clone()).set("onEvent", log.clone()).build();

        let result = get(&client, "/api/me").await;

        assert_eq!(status(&result), 401, "{kind}");
        assert_eq!(field(&result, "body.error").as_string().as_deref(), Some("invalid_token"), "{kind}: body readable");
        assert_eq!(calls(&callback), 1, "{kind}");
        assert_eq!(field(&client, "hasToken").as_bool(), Some(true), "{kind}: token kept");
        let failed = events(&log).iter().find(|e| field(e, "type").as_string().as_deref() == Some("refresh-failed"));
        assert_eq!(failed.map(|e| field(&e, "reason").as_string()), Some(Some(reason.to_owned())), "{kind}");
        assert_eq!(stat(&ns, "requests").await, 1.0, "{kind}: no retry after giving up");
    }
}

#[wasm_bindgen_test]
async fn a_callback_that_never_settles_times_out() {
    let ns = ns("hang");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let log = recorder();
    let client = Opts::new()
        .set("token", old)
        .set("onTokenExpired", fixed_callback("never"))
        .set("refreshTimeoutMs", 400)
        .set("onEvent", log.clone())
        .build();

    let started = now();
    let result = get(&client, "/api/me").await;
    let elapsed = now() - started;

    assert_eq!(stat(&ns, "requests").await, 1.0, "sent once: no retry after the timeout");
    assert_eq!(status(&result), 401);
    assert!((400.0..3_000.0).contains(&elapsed), "gave up after refreshTimeoutMs, took {elapsed} ms");
    assert!(event_types(&log).ends_with("refresh-start,refresh-failed"));
    assert_eq!(field(&events(&log).get(2), "reason").as_string().as_deref(), Some("timeout"));
}

#[wasm_bindgen_test]
async fn after_a_failed_refresh_a_later_one_still_works() {
    let ns = ns("recover");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let failing = Opts::new().set("token", old.clone()).set("onTokenExpired", fixed_callback("reject")).build();
    assert_eq!(status(&get(&failing, "/api/me").await), 401);

    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", old).set("onTokenExpired", callback.clone()).build();
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    assert_eq!(calls(&callback), 1);
}

#[wasm_bindgen_test]
async fn insufficient_scope_is_not_refreshed() {
    let ns = ns("scope");
    let fresh = token(&ns, 300).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", fresh).set("onTokenExpired", callback.clone()).build();

    let result = get(&client, &format!("/api/scope?ns={ns}")).await;

    assert_eq!(status(&result), 401);
    assert_eq!(calls(&callback), 0);
    assert_eq!(stat(&ns, "scopeRequests").await, 1.0, "sent once, not retried");
}

#[wasm_bindgen_test]
async fn refresh_url_posts_with_the_session_cookie() {
    let ns = ns("cookie");
    let login = control(&format!("/auth/login?ns={ns}&ttl=300")).await;
    let old = field(&login, "access_token");
    revoke(&ns).await;
    let client = Opts::new().set("token", old).set("refreshUrl", "/auth/refresh").build();

    let result = get(&client, "/api/me").await;

    assert_eq!(status(&result), 200);
    assert_eq!(stat(&ns, "refreshCalls").await, 1.0);
}

#[wasm_bindgen_test]
async fn refresh_url_gets_no_authorization_header() {
    let ns = ns("refresh-noauth");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    // The echo route counts Authorization headers; its body holds no token, so the refresh fails.
    let log = recorder();
    let client = Opts::new()
        .set("token", old)
        .set("refreshUrl", format!("/open/echo?ns={ns}"))
        .set("onEvent", log.clone())
        .build();

    assert_eq!(status(&get(&client, "/api/me").await), 401);
    assert_eq!(stat(&ns, "openRequests").await, 1.0);
    assert_eq!(stat(&ns, "openWithAuthorization").await, 0.0);
    assert!(event_types(&log).contains("refresh-failed"));
}

#[wasm_bindgen_test]
async fn refresh_url_failure_reports_the_status() {
    let ns = ns("refresh-503");
    control(&format!("/auth/login?ns={ns}&ttl=300")).await;
    control(&format!("/control/refresh-fail?ns={ns}&seconds=30")).await;
    let log = recorder();
    let client = Opts::new().set("refreshUrl", "/auth/refresh").set("onEvent", log.clone()).build();

    assert_eq!(invoke_refresh(&client).await, Some(false));
    let failed = events(&log).get(1);
    assert_eq!(field(&failed, "reason").as_string().as_deref(), Some("refresh-url-status"));
    assert_eq!(field(&failed, "status").as_f64(), Some(503.0));
    control(&format!("/control/refresh-fail?ns={ns}&seconds=0")).await;
    assert_eq!(invoke_refresh(&client).await, Some(true), "works again once the endpoint recovers");
}

/// Calls `client.refresh()` at once and returns a future of its result.
fn invoke_refresh(client: &JsValue) -> impl std::future::Future<Output = Option<bool>> {
    let promise: js_sys::Promise = invoke(client, "refresh", &[]).into();
    async move { wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()) }
}

#[wasm_bindgen_test]
async fn manual_refresh_is_single_flight() {
    let ns = ns("manual");
    let callback = token_callback(SERVER, &ns, 300, 100, "string");
    let log = recorder();
    let client = Opts::new().set("onTokenExpired", callback.clone()).set("onEvent", log.clone()).build();

    let a = invoke_refresh(&client);
    let b = invoke_refresh(&client);
    let c = invoke_refresh(&client);
    assert_eq!((a.await, b.await, c.await), (Some(true), Some(true), Some(true)));
    assert_eq!(stat(&ns, "tokensIssued").await, 1.0, "the server issued one token for the three calls");
    assert_eq!(calls(&callback), 1);
    assert_eq!(field(&client, "hasToken").as_bool(), Some(true));
    assert_eq!(field(&events(&log).get(0), "trigger").as_string().as_deref(), Some("manual"));

    let giving_up = Opts::new().set("onTokenExpired", fixed_callback("null")).build();
    assert_eq!(invoke_refresh(&giving_up).await, Some(false));
}

#[wasm_bindgen_test]
async fn the_timer_refreshes_ahead_of_expiry_with_no_request() {
    let ns = ns("timer");
    let short = token(&ns, 3).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let log = recorder();
    let client = Opts::new()
        .set("token", short)
        .set("refreshAheadSeconds", 2)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();
    let first_expiry = field(&client, "expiresAt").as_f64().unwrap();

    sleep(2_000).await;

    assert_eq!(calls(&callback), 1, "refreshed about 1 s after construction");
    assert_eq!(field(&events(&log).get(1), "trigger").as_string().as_deref(), Some("timer"));
    assert!(field(&client, "expiresAt").as_f64().unwrap() > first_expiry + 100_000.0);
    assert_eq!(stat(&ns, "requests").await, 0.0);
}

#[wasm_bindgen_test]
async fn clear_forgets_the_token_and_cancels_the_timer() {
    let ns = ns("clear");
    let short = token(&ns, 2).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let log = recorder();
    let client = Opts::new()
        .set("token", short)
        .set("refreshAheadSeconds", 1)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();

    invoke(&client, "clear", &[]);
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));
    assert!(field(&client, "expiresAt").is_null());
    sleep(1_500).await;
    assert_eq!(calls(&callback), 0, "the timer was cancelled");
    assert_eq!(event_types(&log), "token-set,cleared");
}

#[wasm_bindgen_test]
async fn free_cancels_the_timer() {
    let ns = ns("free");
    let short = token(&ns, 2).await;
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client =
        Opts::new().set("token", short).set("refreshAheadSeconds", 1).set("onTokenExpired", callback.clone()).build();

    client.free();
    sleep(1_500).await;
    assert_eq!(calls(&callback), 0);
    assert_eq!(stat(&ns, "tokensIssued").await, 1.0);
}

#[wasm_bindgen_test]
async fn set_token_installs_and_reports_expiry() {
    let ns = ns("set");
    let fresh = token(&ns, 600).await;
    let log = recorder();
    let client = Opts::new().set("onEvent", log.clone()).build();
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));

    invoke(&client, "setToken", &[fresh.into()]);

    assert_eq!(field(&client, "hasToken").as_bool(), Some(true));
    let expires_at = field(&client, "expiresAt").as_f64().unwrap();
    assert!((expires_at - (now() + 600_000.0)).abs() < 5_000.0, "read from the JWT exp: {expires_at}");
    assert_eq!(field(&events(&log).get(0), "expiresAt").as_f64(), Some(expires_at));
    assert_eq!(status(&get(&client, "/api/me").await), 200);
}
