//! Hostile input, redirect modes, bounds and secret hygiene in memory: what must never happen
//! (a panic, header injection, a hang, a token left in wasm memory) does not.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use js_sys::{Object, Reflect};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn init_with(key: &str, value: &str) -> JsValue {
    let init = Object::new();
    Reflect::set(&init, &key.into(), &value.into()).unwrap();
    init.into()
}

/// The `reason` of the first `refresh-failed` event.
fn failure_reason(log: &JsValue) -> Option<String> {
    events(log)
        .iter()
        .find(|e| field(e, "type").as_string().as_deref() == Some("refresh-failed"))
        .and_then(|e| field(&e, "reason").as_string())
}

#[wasm_bindgen_test]
async fn hostile_callback_results_are_refused_and_never_reach_the_wire() {
    let cases: Vec<(&str, JsValue, &str)> = vec![
        ("1 MB string", big_string(1 << 20), "invalid-token"),
        ("CR/LF", "abc\r\nX-Evil: 1".into(), "invalid-token"),
        ("non-ASCII", "tökén".into(), "invalid-token"),
        ("space", "Bearer abc".into(), "invalid-token"),
        ("number", 12345.into(), "invalid-type"),
        ("array", js_sys::Array::of1(&"abc".into()).into(), "invalid-type"),
        ("boolean", true.into(), "invalid-type"),
        ("object with array token", js_sys::JSON::parse(r#"{"access_token":["abc"]}"#).unwrap(), "invalid-type"),
        ("object without token", js_sys::JSON::parse(r#"{"expires_in":60}"#).unwrap(), "no-token"),
        ("bad expiry", js_sys::JSON::parse(r#"{"access_token":"abc","expires_in":"soon"}"#).unwrap(), "invalid-expiry"),
        (
            "negative expiry",
            js_sys::JSON::parse(r#"{"access_token":"abc","expires_in":-5}"#).unwrap(),
            "invalid-expiry",
        ),
    ];
    for (name, value, reason) in cases {
        let ns = ns("hostile");
        let old = js_token(&ns, 300).await;
        revoke(&ns).await;
        let callback = returning(&value);
        let log = recorder();
        let client =
            Opts::new().set("token", old).set("onTokenExpired", callback.clone()).set("onEvent", log.clone()).build();

        let result = get(&client, "/api/me").await;

        assert_eq!(status(&result), 401, "{name}");
        assert_eq!(failure_reason(&log).as_deref(), Some(reason), "{name}");
        assert_eq!(stat(&ns, "requests").await, 1.0, "{name}: nothing more was sent");
        assert_eq!(field(&client, "hasToken").as_bool(), Some(true), "{name}: the old token is kept");
    }
}

#[wasm_bindgen_test]
fn hostile_tokens_from_the_application_throw_a_clear_type_error() {
    let client = Opts::new().build();
    for (name, value) in [
        ("1 MB", big_string(1 << 20)),
        ("CR/LF", "abc\r\nX-Evil: 1".into()),
        ("non-ASCII", "tökén".into()),
        ("number", 42.into()),
    ] {
        let text = value_text(&value);
        let error = try_invoke(&client, "setToken", &[value]).expect_err(name);
        assert!(is_instance(&error, "TypeError"), "{name}");
        let message = field(&error, "message").as_string().unwrap();
        assert!(message.contains("token"), "{name}: {message}");
        assert!(!message.contains(&text), "{name}: the message echoes the input: {message:?}");
    }
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));
}

#[wasm_bindgen_test]
async fn odd_jwt_claims_never_break_the_client() {
    let ns = ns("claims");
    for claims in [
        r#"{"exp":"tomorrow"}"#,
        r#"{"exp":1e300}"#,
        r#"{"exp":1700000000.5}"#,
        r#"{"exp":null}"#,
        r#"{"exp":[1]}"#,
        r#"{"sub":"no exp"}"#,
        "not json at all",
        r#"{"exp":-5}"#,
    ] {
        let client = Opts::new().set("token", fake_jwt(claims)).set("autoRefresh", false).build();
        assert_eq!(field(&client, "hasToken").as_bool(), Some(true), "{claims}");
        let expires_at = field(&client, "expiresAt");
        assert!(expires_at.is_null() || expires_at.as_f64().is_some_and(f64::is_finite), "{claims}");
        // The server rejects the unsigned token, and the client hands the 401 back without looping.
        let result = get(&client, &format!("/api/me?ns={ns}")).await;
        assert_eq!(status(&result), 401, "{claims}");
    }
    let garbage = Opts::new().set("token", "not.base64!.at-all").build();
    assert!(field(&garbage, "expiresAt").is_null());
}

#[wasm_bindgen_test]
async fn redirect_manual_and_error_are_respected() {
    let ns = ns("redirect-modes");
    let client = Opts::new().set("token", js_token(&ns, 300).await).build();
    let target = format!("{OTHER}/open/echo?ns={ns}");
    let url = format!("/redirect?to={}&status=302", js_sys::encode_uri_component(&target));

    let manual: web_sys::Response =
        settle(invoke(&client, "fetch", &[url.clone().into(), init_with("redirect", "manual")]).into()).await.into();
    assert_eq!(manual.type_(), web_sys::ResponseType::Opaqueredirect);
    assert_eq!(manual.status(), 0);

    let error_mode: js_sys::Promise = invoke(&client, "fetch", &[url.into(), init_with("redirect", "error")]).into();
    let error = rejection(&error_mode).await;
    assert!(is_instance(&error, "TypeError"), "{}", describe(&error));
    assert_eq!(stat(&ns, "openRequests").await, 0.0, "the redirect was never followed");
}

#[wasm_bindgen_test]
async fn refresh_url_is_bounded_by_refresh_timeout_ms() {
    let ns = ns("refresh-timeout");
    control(&format!("/auth/login?ns={ns}&ttl=300")).await;
    let log = recorder();
    let client = Opts::new()
        .set("refreshUrl", "/auth/refresh?delay=3000")
        .set("refreshTimeoutMs", 300)
        .set("onEvent", log.clone())
        .build();

    let started = now();
    let promise: js_sys::Promise = invoke(&client, "refresh", &[]).into();
    let installed = settle(promise).await;
    let elapsed = now() - started;

    assert_eq!(installed.as_bool(), Some(false));
    assert!(elapsed < 2_000.0, "gave up after about 300 ms, took {elapsed} ms");
    assert_eq!(failure_reason(&log).as_deref(), Some("timeout"));
}

#[wasm_bindgen_test]
async fn replaced_cleared_and_freed_tokens_are_zeroized_in_wasm_memory() {
    let memory = wasm_bindgen::memory();
    let ns = ns("zeroize");
    let first = js_token(&ns, 300).await;
    let second = js_token(&ns, 300).await;
    let third = js_token(&ns, 300).await;
    let client = Opts::new().set("token", first.clone()).build();
    assert_eq!(status(&get(&client, "/api/me").await), 200, "the header was built from the token");
    assert!(memory_contains(&memory, &first), "the scan finds a token that is held");

    invoke(&client, "setToken", std::slice::from_ref(&second));
    assert!(!memory_contains(&memory, &first), "a replaced token is zeroized");
    assert!(!memory_contains(&memory, &last_segment(&first)), "including its signature");
    assert!(memory_contains(&memory, &second));

    invoke(&client, "clear", &[]);
    assert!(!memory_contains(&memory, &second), "a cleared token is zeroized");

    let other = Opts::new().set("token", third.clone()).build();
    assert!(memory_contains(&memory, &third));
    other.free();
    assert!(!memory_contains(&memory, &third), "a freed client's token is zeroized");
}
