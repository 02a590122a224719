//! `client.fetch` behaves like `fetch` where the contract says so: the arguments are read before
//! it returns, an already-aborted signal rejects at once, a missing input or a bad URL rejects
//! with a `TypeError`, and a request that carries its own `Authorization` is sent as given.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use js_sys::{Array, Promise};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A client whose token is revoked (its first send of a request gets a 401), with a callback.
async fn revoked_client(ns: &str) -> (Client, JsValue) {
    let old = token(ns, 300).await;
    revoke(ns).await;
    let callback = token_callback(SERVER, ns, 300, 0, "string");
    (Opts::new().set("token", old).set("onTokenExpired", callback.clone()).build(), callback)
}

fn fetch_with(client: &JsValue, input: &JsValue, init: &JsValue) -> Promise {
    invoke(client, "fetch", &[input.clone(), init.clone()]).into()
}

/// `Basic user:pass`, as an application that talks to a Basic-auth endpoint sets it.
const BASIC: &str = "Basic dXNlcjpwYXNz";

#[wasm_bindgen_test]
async fn a_request_body_is_used_when_fetch_returns() {
    let ns = ns("body-used");
    let (client, callback) = revoked_client(&ns).await;
    let url = format!("{SERVER}/api/echo");
    let plain = request_object(&url, "POST", "payload");
    let ours = request_object(&url, "POST", "payload");

    let by_fetch = fetch_with(&js_sys::global(), &plain, &JsValue::UNDEFINED);
    let fetch_used = field(&plain, "bodyUsed").as_bool();
    let by_client = fetch_with(&client, &ours, &JsValue::UNDEFINED);
    let client_used = field(&ours, "bodyUsed").as_bool();

    assert_eq!(fetch_used, Some(true), "the global fetch marks the body used at once");
    assert_eq!(client_used, Some(true), "so does client.fetch, right when it returns");
    settle(by_fetch).await;
    let response: web_sys::Response = settle(by_client).await.into();
    assert_eq!(response.status(), 200, "and the body it read is what the refresh's retry sends");
    let echo = settle(response.json().unwrap()).await;
    assert_eq!(field(&echo, "bodyLength").as_f64(), Some(7.0));
    assert_eq!(calls(&callback), 1);
}

#[wasm_bindgen_test]
async fn a_stream_body_is_locked_when_fetch_returns_as_with_fetch() {
    let ns = ns("stream-locked");
    let client = Opts::new().set("token", token(&ns, 300).await).build();

    let locked = stream_locked_on_return(&client, &format!("{SERVER}/open/echo?ns={ns}")).await;

    // The contract: locked at once wherever streams are bodies. Chromium's own fetch does that;
    // WebKit's locks later; Firefox does not take streams as bodies at all.
    let (client, global, streams) =
        (field(&locked, "client").as_bool(), field(&locked, "global").as_bool(), field(&locked, "streams").as_bool());
    assert_eq!(client, streams, "locked right after the call where the engine sends stream bodies");
    if global == Some(true) {
        assert_eq!(client, Some(true), "never later than the global fetch");
    }
}

#[wasm_bindgen_test]
async fn headers_changed_after_the_call_change_nothing_that_is_sent() {
    let ns = ns("headers-live");
    let (client, callback) = revoked_client(&ns).await;
    let pairs = object(&[("X-Custom", "before".into())]);
    let live = init_with_headers(&pairs);
    let (init, headers): (JsValue, JsValue) = (field(&live, "init"), field(&live, "headers"));

    // The first send is answered 401; the retry after the refresh is what the echo reports.
    let pending = start_call(&client, &"/api/echo".into(), &init);
    invoke(&headers, "set", &["X-Custom".into(), "after".into()]);
    invoke(&headers, "set", &["X-Late".into(), "1".into()]);
    js_sys::Reflect::set(&init, &"method".into(), &"DELETE".into()).unwrap();
    let result = settle(pending).await;

    assert_eq!(status(&result), 200);
    assert_eq!(calls(&callback), 1, "went through a refresh and a retry");
    assert_eq!(field(&result, "body.headers.x-custom").as_string().as_deref(), Some("before"));
    assert!(field(&result, "body.headers.x-late").is_undefined(), "a header added after the call was not sent");
    assert_eq!(field(&result, "body.method").as_string().as_deref(), Some("GET"));
    assert_eq!(stat(&ns, "requests").await, 2.0);
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_rejects_at_once_and_sends_nothing() {
    let ns = ns("aborted-at-once");
    let client = Opts::new().set("token", token(&ns, 300).await).build();
    let url: JsValue = format!("{SERVER}/api/me?delay=200").into();
    let other: JsValue = format!("{OTHER}/open/echo?ns={ns}&delay=200").into();
    let init = object(&[("signal", aborted_signal())]);

    let by_fetch = turns_to_settle(&JsValue::NULL, &url, &init).await.as_f64().unwrap();
    let by_client = turns_to_settle(&client, &url, &init).await.as_f64().unwrap();
    let untouched = turns_to_settle(&client, &other, &init).await.as_f64().unwrap();
    let request = js_sys::Reflect::construct(
        &js_sys::Reflect::get(&js_sys::global(), &"Request".into()).unwrap().into(),
        &Array::of2(&url, &init),
    )
    .unwrap();
    let by_request = turns_to_settle(&client, &request, &JsValue::UNDEFINED).await.as_f64().unwrap();
    let error = rejection(&fetch_with(&client, &url, &init)).await;
    sleep(400).await;

    web_sys::console::log_1(&format!("microtask turns to rejection: fetch {by_fetch}, client {by_client}, other origin {untouched}, Request input {by_request}").into());
    for (what, turns) in [("allowed origin", by_client), ("other origin", untouched), ("Request input", by_request)] {
        assert!(turns <= by_fetch.max(1.0), "{what}: {turns} microtask turns, the global fetch takes {by_fetch}");
    }
    assert_eq!(field(&error, "name").as_string().as_deref(), Some("AbortError"));
    assert_eq!(stat(&ns, "requests").await, 0.0, "no request reached the server");
    assert_eq!(stat(&ns, "openRequests").await, 0.0);
}

#[wasm_bindgen_test]
async fn a_missing_input_or_a_bad_url_rejects_with_a_type_error() {
    let client = Opts::new().build();
    let cases: [(&str, Array); 3] = [
        ("no input", Array::new()),
        ("bad URL", Array::of1(&"http://[::1".into())),
        ("bad scheme-relative URL", Array::of1(&"http://".into())),
    ];
    for (what, args) in cases {
        let by_fetch = settle_of(&JsValue::NULL, &args).await;
        let by_client = settle_of(&client, &args).await;

        assert_eq!(field(&by_client, "threw").as_bool(), Some(false), "{what}: rejects, does not throw");
        assert_eq!(
            field(&by_client, "resolved").as_bool(),
            Some(false),
            "{what}: {}",
            describe(&field(&by_client, "value"))
        );
        assert_eq!(
            field(&by_client, "isTypeError").as_bool(),
            Some(true),
            "{what}: {}",
            describe(&field(&by_client, "error"))
        );
        assert_eq!(field(&by_fetch, "isTypeError").as_bool(), Some(true), "{what}: as the global fetch does");
    }
}

#[wasm_bindgen_test]
async fn a_request_with_its_own_authorization_is_sent_exactly_as_given() {
    let ns = ns("own-authorization");
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let log = recorder();
    let client = Opts::new()
        .set("token", token(&ns, 300).await)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();
    let echo = format!("{SERVER}/open/echo?ns={ns}");

    // As a plain object, in a Headers object (lower case), and on a Request input.
    let plain =
        call(&client, &echo.clone().into(), &object(&[("headers", object(&[("Authorization", BASIC.into())]))])).await;
    let headers = field(&init_with_headers(&object(&[("authorization", BASIC.into())])), "init");
    let lower = call(&client, &echo.clone().into(), &headers).await;
    let request = js_sys::Reflect::construct(
        &js_sys::Reflect::get(&js_sys::global(), &"Request".into()).unwrap().into(),
        &Array::of2(&echo.into(), &headers),
    )
    .unwrap();
    let from_request = call(&client, &request, &JsValue::UNDEFINED).await;
    for (what, result) in [("object", &plain), ("Headers", &lower), ("Request", &from_request)] {
        assert_eq!(
            field(result, "body.authorization").as_string().as_deref(),
            Some(BASIC),
            "{what}: the server got the caller's value"
        );
    }

    // A protected route answers 401 to Basic: handed back as is, no refresh, no retry.
    let protected = call(
        &client,
        &format!("/api/me?ns={ns}").into(),
        &object(&[("headers", object(&[("Authorization", BASIC.into())]))]),
    )
    .await;
    let stats = stats(&ns).await;

    assert_eq!(status(&protected), 401);
    assert_eq!(field(&stats, "requests").as_f64(), Some(1.0), "sent once, not retried");
    assert_eq!(field(&stats, "lastAuthScheme").as_string().as_deref(), Some("Basic"));
    assert!(field(&stats, "authSchemes.Bearer").is_undefined(), "no bearer token went out");
    assert_eq!(field(&stats, "tokensIssued").as_f64(), Some(1.0), "the server issued no token for a refresh");
    assert_eq!(calls(&callback), 0, "onTokenExpired was not called");
    assert_eq!(event_types(&log), "token-set", "no refresh, no retry");
    // The same client still adds its own token where the caller did not.
    let own = get(&client, &format!("/open/echo?ns={ns}")).await;
    assert_eq!(field(&own, "body.authScheme").as_string().as_deref(), Some("Bearer"));
}
