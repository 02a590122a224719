//! DPoP from the app's side (RFC 9449): `Config::dpop` on, a session bound to the client's key,
//! calls with proofs the server accepts, and a copied token refused everywhere else.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::Value;
use support::*;
use tokenfetch_rust_app::{Api, Cause, Config, Event};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// An app with DPoP on whose session (cookie refresh) is bound to the client's key, on a
/// namespace that requires nonces; and that key's thumbprint.
async fn bound_app(ns: &str) -> (Api, String) {
    dpop_on(ns).await;
    let mut config = Config::new(SERVER, "/auth/refresh");
    config.dpop = true;
    let api = Api::with_session_cookie(config).unwrap();
    let jkt = api.client().dpop_thumbprint().await.unwrap();
    api.sign_in(login_bound(ns, &jkt).await).unwrap();
    (api, jkt)
}

/// The log's entries for `route` as `(accepted, reason, jkt)`.
fn judged(log: &Value, route: &str) -> Vec<(bool, Option<String>, Option<String>)> {
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    entries
        .iter()
        .filter(|e| e["route"].as_str().is_some_and(|r| r.starts_with(route)))
        .map(|e| (e["accepted"] == true, e["reason"].as_str().map(str::to_owned), e["jkt"].as_str().map(str::to_owned)))
        .collect()
}

#[wasm_bindgen_test]
async fn calls_carry_proofs_of_the_clients_key_after_one_nonce_challenge() {
    let ns = ns("dpop-calls");
    let (api, jkt) = bound_app(&ns).await;

    let first = api.me().await.unwrap();
    let second = api.me().await.unwrap();

    assert_eq!((first.ns.as_str(), second.ns.as_str()), (ns.as_str(), ns.as_str()));
    let log = dpop_log(&ns).await;
    let api_me = judged(&log, "/api/me");
    let nonce = Some("use_dpop_nonce".to_owned());
    let mine = Some(jkt.clone());
    assert_eq!(
        api_me,
        [(false, nonce, mine.clone()), (true, None, mine.clone()), (true, None, mine)],
        "one nonce challenge, then the retry and the next call accepted, all signed with the client's key"
    );
    assert_eq!(log["keys"], serde_json::json!([jkt]), "the server saw one key");
    let retries: Vec<Cause> = api
        .auth_state()
        .events
        .iter()
        .filter_map(|e| if let Event::Retry { cause, .. } = e { Some(*cause) } else { None })
        .collect();
    assert_eq!(retries, [Cause::DpopNonce], "the nonce retry says why");
    drop(api);
}

#[wasm_bindgen_test]
async fn a_refused_bound_token_is_renewed_with_a_proof_and_the_retry_proves_the_new_token() {
    let ns = ns("dpop-renew");
    let (api, jkt) = bound_app(&ns).await;
    api.me().await.unwrap(); // learns the API's nonce
    let refused = stat(&ns, "unauthorized").await;
    revoke(&ns).await;

    let me = api.me().await.unwrap();

    assert_eq!(me.ns, ns);
    let log = dpop_log(&ns).await;
    let refreshes = judged(&log, "/auth/refresh");
    assert!(
        refreshes.last().is_some_and(|(accepted, _, key)| *accepted && key.as_deref() == Some(&*jkt)),
        "{refreshes:?}"
    );
    assert!(refreshes.iter().filter(|(accepted, ..)| *accepted).count() == 1, "one renewal: {refreshes:?}");
    let last = log["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["route"].as_str(), last["accepted"].as_bool()), (Some("/api/me"), Some(true)), "{last}");
    assert_eq!(last["athMatched"], true, "the retry's proof hashes the new token");
    assert_eq!(stat(&ns, "unauthorized").await - refused, 1, "the revoked token's one 401, no nonce challenge");
    drop(api);
}

#[wasm_bindgen_test]
async fn a_token_copied_out_of_the_app_is_refused_without_its_key() {
    let ns = ns("dpop-copied");
    dpop_on(&ns).await;
    let mut config = Config::new(SERVER, "/auth/refresh");
    config.dpop = true;
    let api = Api::with_session_cookie(config).unwrap();
    let jkt = api.client().dpop_thumbprint().await.unwrap();
    let token = login_bound(&ns, &jkt).await;
    api.sign_in(token.clone()).unwrap();
    assert_eq!(api.me().await.unwrap().ns, ns, "the app itself gets through");

    let as_dpop = status_with(&format!("/api/me?ns={ns}"), &format!("DPoP {token}")).await;
    let as_bearer = status_with(&format!("/api/me?ns={ns}"), &format!("Bearer {token}")).await;

    assert_eq!((as_dpop, as_bearer), (401, 401), "no proof, no access");
    let log = dpop_log(&ns).await;
    let copied: Vec<_> = judged(&log, "/api/me").into_iter().filter(|(accepted, ..)| !accepted).collect();
    assert!(copied.len() >= 2, "the server judged and refused both copies: {copied:?}");
    drop(api);
}
