//! A refused token, from the app's side: one renewal through the app's token callback, one retry,
//! and what the server saw.
#![cfg(target_arch = "wasm32")]

mod support;

use futures_util::future::join_all;
use serde_json::json;
use support::*;
use tokenfetch_rust_app::{Api, Cause, Event, Trigger};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// An app signed in with a token the server has since revoked.
async fn revoked_app(ns: &str) -> Api {
    let api = Api::new(config(ns)).unwrap();
    api.sign_in(mint(ns, 300).await).unwrap();
    revoke(ns).await;
    api
}

#[wasm_bindgen_test]
async fn a_revoked_token_is_renewed_once_and_the_call_succeeds() {
    let ns = ns("retry");
    let api = revoked_app(&ns).await;
    let minted = stat(&ns, "tokenCalls").await;

    let me = api.me().await.unwrap();

    assert_eq!(me.ns, ns);
    assert_eq!(api.auth_state().token_requests, 1, "the token callback ran once");
    assert_eq!(stat(&ns, "tokenCalls").await - minted, 1, "the token endpoint was asked once");
    assert_eq!(stat(&ns, "unauthorized").await, 1, "the first send was refused");
    assert_eq!(stat(&ns, "authorized").await, 1, "the retry was accepted");
    assert!(api.is_signed_in());
    drop(api);
}

#[wasm_bindgen_test]
async fn twenty_concurrent_refusals_share_one_renewal() {
    let ns = ns("concurrent");
    let api = revoked_app(&ns).await;
    let minted = stat(&ns, "tokenCalls").await;

    let results = join_all((0..20).map(|_| api.me())).await;

    assert!(results.iter().all(|me| me.as_ref().is_ok_and(|me| me.ns == ns)), "{results:?}");
    assert_eq!(api.auth_state().token_requests, 1, "one callback call for twenty 401s");
    assert_eq!(stat(&ns, "tokenCalls").await - minted, 1);
    assert_eq!(stat(&ns, "unauthorized").await, 20);
    assert_eq!(stat(&ns, "authorized").await, 20, "each call retried once");
    drop(api);
}

#[wasm_bindgen_test]
async fn the_retry_sends_the_same_post_body() {
    let ns = ns("replay");
    let api = revoked_app(&ns).await;
    let note = json!({ "title": "Grüße", "items": [1, 2, 3] });

    let echo = api.echo(&note).await.unwrap();

    assert_eq!(echo.method, "POST");
    assert_eq!(echo.content_type.as_deref(), Some("application/json"));
    assert_eq!(echo.body, note.to_string(), "the body the server got on the retry");
    assert_eq!(api.auth_state().token_requests, 1);
    assert_eq!(stat(&ns, "unauthorized").await, 1);
    assert_eq!(stat(&ns, "authorized").await, 1);
    drop(api);
}

#[wasm_bindgen_test]
async fn the_app_sees_the_events_in_order() {
    let ns = ns("events");
    let api = revoked_app(&ns).await;

    api.me().await.unwrap();

    let state = api.auth_state();
    assert_eq!(state.event_names(), ["token-set", "refresh-start", "refreshed", "retry"]);
    assert!(matches!(state.events[0], Event::TokenSet { expires_at_ms: Some(_) }), "{:?}", state.events);
    assert_eq!(state.events[1], Event::RefreshStart { trigger: Trigger::Status });
    let Event::Refreshed { expires_at_ms: Some(expires_at), from_tab: false } = state.events[2] else {
        panic!("{:?}", state.events[2]);
    };
    assert_eq!(Some(expires_at), api.client().expires_at(), "the new token's expiry");
    assert_eq!(state.events[3], Event::Retry { status: 401, cause: Cause::Token });
    assert!(state.signed_in && !state.refreshing && state.last_failure.is_none(), "{state:?}");
    assert_eq!(stat(&ns, "authorized").await, 1);
    drop(api);
}
