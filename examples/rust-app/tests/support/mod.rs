//! What the tests need from the devserver besides the app: its address, fresh namespaces,
//! tokens, faults and its counters. Plain `web_sys` fetch, no tokenfetch.
#![allow(dead_code)]

use serde_json::Value;
use tokenfetch_rust_app::Config;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// The devserver (`TOKENFETCH_TEST_SERVER` when the tests were compiled).
pub const SERVER: &str = match option_env!("TOKENFETCH_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:8787",
};

/// A fresh namespace: counters, revocations and faults of the test's own. Every test starts here,
/// so a missing devserver fails each of them at once, saying how to start it.
pub fn ns(name: &str) -> String {
    require_server();
    format!("{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// Panics with how to start the devserver when it does not answer at [`SERVER`]: a synchronous
/// request, so a refused connection fails the test at once instead of letting it time out.
fn require_server() {
    thread_local!(static ANSWERS: std::cell::OnceCell<bool> = const { std::cell::OnceCell::new() });
    let answers = ANSWERS.with(|answers| {
        *answers.get_or_init(|| {
            let Ok(xhr) = web_sys::XmlHttpRequest::new() else { return false };
            xhr.open_with_async("GET", &format!("{SERVER}/health"), false).is_ok()
                && xhr.send().is_ok()
                && xhr.status() == Ok(200)
        })
    });
    assert!(
        answers,
        "no tokenfetch-devserver answers at {SERVER}: start it with `cargo devserver` in the repository \
         root (a second terminal), then run the tests again; to use another address, start it with \
         `cargo run -p tokenfetch-devserver -- --port N --other-port M` and build the tests with \
         TOKENFETCH_TEST_SERVER=http://127.0.0.1:N"
    );
}

/// The app's configuration against the devserver: tokens for `ns` from `/auth/token`.
pub fn config(ns: &str) -> Config {
    Config::new(SERVER, format!("/auth/token?ns={ns}&ttl=300"))
}

async fn send(method: &str, path: &str) -> Value {
    let response = request(method, path, None).await;
    assert!(response.ok(), "{method} {path}: HTTP {}", response.status());
    let text = JsFuture::from(response.text().unwrap()).await.unwrap().as_string().unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A request to the devserver (cookies included) with `authorization` as its only extra header.
async fn request(method: &str, path: &str, authorization: Option<&str>) -> Response {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::Include);
    let window = web_sys::window().unwrap();
    if let Some(authorization) = authorization {
        let headers = web_sys::Headers::new().unwrap();
        headers.set("Authorization", authorization).unwrap();
        init.set_headers(&headers);
    }
    let promise = window.fetch_with_str_and_init(&format!("{SERVER}{path}"), &init);
    JsFuture::from(promise).await.unwrap().dyn_into().unwrap()
}

/// The status of `GET path` sent with `authorization` and no DPoP proof: what a copied token gets.
pub async fn status_with(path: &str, authorization: &str) -> u16 {
    request("GET", path, Some(authorization)).await.status()
}

/// POSTs to a route of the devserver (cookies included) and returns its JSON answer.
pub async fn post(path: &str) -> Value {
    send("POST", path).await
}

/// A token for `ns` living `ttl` seconds.
pub async fn mint(ns: &str, ttl: u32) -> String {
    post(&format!("/auth/token?ns={ns}&ttl={ttl}")).await["access_token"].as_str().unwrap().to_owned()
}

/// Revokes every token of `ns` issued so far: the next request with one gets a 401.
pub async fn revoke(ns: &str) {
    post(&format!("/control/revoke?ns={ns}")).await;
}

/// Opens a cookie session for `ns` (the `tf_session` cookie) and returns its access token.
pub async fn login(ns: &str) -> String {
    post(&format!("/auth/login?ns={ns}&ttl=300")).await["access_token"].as_str().unwrap().to_owned()
}

/// Ends the cookie session, if any, and clears the cookie.
pub async fn logout() {
    post("/auth/logout").await;
}

/// One of the server's counters for `ns` (`authorized`, `unauthorized`, `tokenCalls`, ...).
pub async fn stat(ns: &str, name: &str) -> u64 {
    let stats = send("GET", &format!("/control/stats?ns={ns}")).await;
    stats[name].as_u64().unwrap_or_else(|| panic!("no counter {name} in {stats}"))
}

/// Turns DPoP mode on for `ns`: bound tokens, proofs checked strictly, nonces required.
pub async fn dpop_on(ns: &str) {
    post(&format!("/control/dpop?ns={ns}")).await;
}

/// Opens a cookie session for `ns` bound to the key `jkt` (the authorization request's
/// `dpop_jkt`) and returns its access token.
pub async fn login_bound(ns: &str, jkt: &str) -> String {
    post(&format!("/auth/login?ns={ns}&ttl=300&dpop_jkt={jkt}")).await["access_token"].as_str().unwrap().to_owned()
}

/// What the devserver's DPoP checks saw for `ns`: `entries` (one per judged request, with
/// `route`, `accepted`, `reason`, `jkt`, `nonce`, ...), `keys`, `counts`.
pub async fn dpop_log(ns: &str) -> Value {
    send("GET", &format!("/control/dpop-log?ns={ns}")).await
}
