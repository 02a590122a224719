//! The session's edges, from the app's side: signed out, the built-in cookie refresh, a token
//! service that is down, and options tokenfetch refuses.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use tokenfetch_rust_app::{Api, ApiError, Config, Event, OptionsErrorKind, Reason, RefreshError, Trigger};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_signed_out_answer_clears_the_token_and_nothing_asks_again_until_sign_in() {
    let ns = ns("signed-out");
    logout().await; // no session cookie: the token endpoint answers 401 no_session
    let api = Api::new(Config::new(SERVER, format!("/auth/refresh?ns={ns}"))).unwrap();
    api.sign_in(mint(&ns, 300).await).unwrap();
    revoke(&ns).await;

    let refused = api.me().await;

    assert!(matches!(refused, Err(ApiError::Status(401))), "the original 401: {refused:?}");
    assert!(!api.is_signed_in(), "the token is cleared");
    let state = api.auth_state();
    assert_eq!(state.token_requests, 1);
    assert_eq!(state.last_failure, Some(Reason::SignedOut));
    assert!(!state.signed_in);
    assert_eq!(state.event_names(), ["token-set", "refresh-start", "refresh-failed", "cleared"]);
    assert_eq!(stat(&ns, "refreshCalls").await, 1);
    assert_eq!(stat(&ns, "unauthorized").await, 1);

    // Signed out: the next call is refused without asking for a token.
    assert!(api.me().await.is_err_and(|e| e.is_unauthorized()));
    assert_eq!(api.auth_state().token_requests, 1, "the callback was not asked again");
    assert_eq!(stat(&ns, "refreshCalls").await, 1);

    // Signing in again ends it: calls work, and a refused token is renewed again.
    api.sign_in(mint(&ns, 300).await).unwrap();
    assert_eq!(api.me().await.unwrap().ns, ns);
    revoke(&ns).await;
    assert!(api.me().await.is_err_and(|e| e.is_unauthorized()));
    assert_eq!(api.auth_state().token_requests, 2, "asked again after sign_in");
    assert_eq!(stat(&ns, "refreshCalls").await, 2);
    drop(api);
}

#[wasm_bindgen_test]
async fn the_built_in_cookie_refresh_renews_without_a_callback() {
    let ns = ns("cookie");
    let access_token = login(&ns).await; // sets the HttpOnly tf_session cookie
    let api = Api::with_session_cookie(Config::new(SERVER, "/auth/refresh")).unwrap();
    api.sign_in(access_token).unwrap();
    revoke(&ns).await;

    let me = api.me().await.unwrap();

    assert_eq!(me.ns, ns);
    assert_eq!(api.auth_state().token_requests, 0, "no app callback involved");
    assert_eq!(api.auth_state().event_names(), ["token-set", "refresh-start", "refreshed", "retry"]);
    assert_eq!(stat(&ns, "refreshCalls").await, 1);
    assert_eq!(stat(&ns, "rotations").await, 1, "the session cookie's refresh token was redeemed");
    assert_eq!(stat(&ns, "unauthorized").await, 1);
    assert_eq!(stat(&ns, "authorized").await, 1);
    drop(api);
    logout().await;
}

#[wasm_bindgen_test]
async fn renew_reports_no_token_when_the_token_service_is_down() {
    let ns = ns("down");
    let access_token = login(&ns).await;
    post(&format!("/control/refresh-fail?ns={ns}&seconds=30")).await; // /auth/refresh answers 503
    let api = Api::new(Config::new(SERVER, "/auth/refresh")).unwrap();
    api.sign_in(access_token).unwrap();

    let renewed = api.renew().await;

    assert_eq!(renewed, Err(RefreshError { reason: Reason::NoToken, status: None }), "the callback gave up");
    assert!(api.is_signed_in(), "giving up keeps the token");
    let state = api.auth_state();
    assert_eq!(state.token_requests, 1);
    assert_eq!(state.events[1], Event::RefreshStart { trigger: Trigger::Manual });
    assert_eq!(state.events[2], Event::RefreshFailed { reason: Reason::NoToken, status: None });
    assert_eq!(state.last_failure, Some(Reason::NoToken));
    assert_eq!(stat(&ns, "refreshCalls").await, 1);
    assert_eq!(stat(&ns, "rotations").await, 0);

    post(&format!("/control/refresh-fail?ns={ns}&seconds=0")).await;
    assert_eq!(api.renew().await, Ok(()), "works again once the service is back");
    assert_eq!(stat(&ns, "rotations").await, 1);
    assert_eq!(api.me().await.unwrap().ns, ns);
    drop(api);
    logout().await;
}

#[wasm_bindgen_test]
fn options_tokenfetch_refuses_are_named() {
    let bad_base = Api::new(Config::new("http://", "/auth/refresh")).unwrap_err();
    assert_eq!(bad_base.kind(), OptionsErrorKind::Type);
    assert!(bad_base.message().contains("baseUrl"), "{bad_base}");

    let config = Config { refresh_ahead_seconds: Some(-1.0), ..Config::new(SERVER, "/auth/refresh") };
    let bad_ahead = Api::new(config).unwrap_err();
    assert_eq!(bad_ahead.kind(), OptionsErrorKind::Range);
    assert!(bad_ahead.message().contains("refreshAheadSeconds"), "{bad_ahead}");

    let api = Api::new(Config::new(SERVER, "/auth/refresh")).unwrap();
    let bad_token = api.sign_in("abc\r\nX-Injected: 1".to_owned()).unwrap_err();
    assert_eq!(bad_token.kind(), OptionsErrorKind::Type);
    assert!(bad_token.message().starts_with("token"), "{bad_token}");
    assert!(!bad_token.message().contains("X-Injected"), "the message never shows the token");
    assert!(!api.is_signed_in());
    drop(api);
}
