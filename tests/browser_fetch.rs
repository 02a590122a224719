//! `client.fetch` semantics: body replay, origins, redirects, `auth: false`, errors and abort.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A client whose token is revoked, so its first send of every request gets a 401.
async fn revoked_client(ns: &str) -> (Client, JsValue) {
    let old = token(ns, 300).await;
    revoke(ns).await;
    let callback = token_callback(SERVER, ns, 300, 0, "string");
    (Opts::new().set("token", old).set("onTokenExpired", callback.clone()).build(), callback)
}

#[wasm_bindgen_test]
async fn the_retry_replays_every_kind_of_body_with_its_content_type() {
    for (kind, method) in [
        ("string", "POST"),
        ("blob", "PUT"),
        ("arraybuffer", "PATCH"),
        ("typedarray", "POST"),
        ("formdata", "POST"),
        ("urlsearchparams", "POST"),
    ] {
        let ns = ns("replay");
        let (client, callback) = revoked_client(&ns).await;
        let expected = reference_echo(SERVER, kind, method).await;

        let result = call(&client, &"/api/echo".into(), &body_init(kind, method)).await;

        assert_eq!(status(&result), 200, "{kind}");
        assert_eq!(calls(&callback), 1, "{kind}: went through a refresh and retry");
        assert_eq!(stat(&ns, "unauthorized").await, 1.0, "{kind}");
        assert_eq!(field(&result, "body.method"), JsValue::from_str(method), "{kind}");
        let replayed = field(&result, "body");
        assert!(!echoed_body(&replayed).is_empty(), "{kind}");
        assert_eq!(echoed_body(&replayed), echoed_body(&expected), "{kind}: same bytes as plain fetch sends");
        if kind == "formdata" {
            let content_type = field(&replayed, "contentType").as_string().unwrap_or_default();
            assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
        } else {
            assert_eq!(field(&replayed, "contentType"), field(&expected, "contentType"), "{kind}");
        }
        assert_eq!(field(&result, "body.headers.x-custom").as_string().as_deref(), Some("kept"), "{kind}");
    }
}

#[wasm_bindgen_test]
async fn a_request_object_is_accepted_and_replayed() {
    let ns = ns("request-object");
    let (client, callback) = revoked_client(&ns).await;
    let request = request_object(&format!("{SERVER}/api/echo"), "POST", "payload");

    let result = call(&client, &request, &JsValue::UNDEFINED).await;

    assert_eq!(status(&result), 200);
    assert_eq!(calls(&callback), 1);
    assert_eq!(field(&result, "body.bodyLength").as_f64(), Some(7.0));
    assert_eq!(field(&result, "body.contentType").as_string().as_deref(), Some("text/plain"));
}

#[wasm_bindgen_test]
async fn other_origins_never_get_the_token() {
    let ns = ns("origins");
    let fresh = token(&ns, 300).await;
    let client = Opts::new().set("token", fresh.clone()).build();

    let same = get(&client, &format!("{SERVER}/open/echo?ns={ns}")).await;
    let other = get(&client, &format!("{OTHER}/open/echo?ns={ns}")).await;

    assert_eq!(field(&same, "body.hasAuthorization").as_bool(), Some(true));
    assert_eq!(field(&other, "body.hasAuthorization").as_bool(), Some(false));

    let both = js_sys::Array::of2(&SERVER.into(), &OTHER.into());
    let widened = Opts::new().set("token", fresh).set("allowedOrigins", both).build();
    let other = get(&widened, &format!("{OTHER}/open/echo?ns={ns}")).await;
    assert_eq!(field(&other, "body.hasAuthorization").as_bool(), Some(true), "allowedOrigins widens it");
}

#[wasm_bindgen_test]
async fn a_401_from_another_origin_is_not_refreshed() {
    let ns = ns("other-401");
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", token(&ns, 300).await).set("onTokenExpired", callback.clone()).build();

    let result = get(&client, &format!("{OTHER}/api/me?ns={ns}")).await;

    assert_eq!(status(&result), 401);
    assert_eq!(calls(&callback), 0);
}

#[wasm_bindgen_test]
async fn a_redirect_to_another_origin_drops_the_token() {
    let ns = ns("redirect");
    let client = Opts::new().set("token", token(&ns, 300).await).build();
    let target = format!("{OTHER}/open/echo?ns={ns}");
    let url = format!("/redirect?to={}&status=307", js_sys::encode_uri_component(&target));

    let result = get(&client, &url).await;

    assert_eq!(status(&result), 200);
    assert_eq!(field(&result, "body.hasAuthorization").as_bool(), Some(false));
    assert_eq!(stat(&ns, "openWithAuthorization").await, 0.0);
}

#[wasm_bindgen_test]
async fn a_same_origin_redirect_keeps_the_token() {
    let ns = ns("redirect-same");
    let client = Opts::new().set("token", token(&ns, 300).await).build();

    let result = get(&client, "/redirect?to=%2Fapi%2Fme&status=302").await;

    assert_eq!(status(&result), 200);
    assert_eq!(field(&result, "body.ns").as_string(), Some(ns));
}

#[wasm_bindgen_test]
async fn auth_false_skips_the_token_and_the_refresh() {
    let ns = ns("auth-false");
    let (client, callback) = revoked_client(&ns).await;
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"auth".into(), &false.into()).unwrap();

    let open = call(&client, &format!("/open/echo?ns={ns}").into(), &init).await;
    let protected = call(&client, &"/api/me".into(), &init).await;

    assert_eq!(field(&open, "body.hasAuthorization").as_bool(), Some(false));
    assert_eq!(status(&protected), 401);
    assert_eq!(calls(&callback), 0);
}

#[wasm_bindgen_test]
async fn relative_paths_resolve_against_base_url() {
    let ns = ns("base");
    let client = Opts::empty().set("baseUrl", format!("{SERVER}/api/")).set("token", token(&ns, 300).await).build();

    let result = get(&client, "me").await;

    assert_eq!(status(&result), 200);
    assert_eq!(field(&result, "body.ns").as_string(), Some(ns));
}

#[wasm_bindgen_test]
async fn other_statuses_resolve_untouched() {
    let ns = ns("statuses");
    let (client, callback) = revoked_client(&ns).await;

    let missing = get(&client, "/no/such/route").await;

    assert_eq!(status(&missing), 404);
    assert_eq!(calls(&callback), 0);
}

#[wasm_bindgen_test]
async fn network_errors_reject_with_the_browsers_type_error() {
    let client = Opts::new().build();
    let promise: js_sys::Promise = invoke(&client, "fetch", &["http://127.0.0.1:9/".into()]).into();

    let error = rejection(&promise).await;

    assert!(is_instance(&error, "TypeError"), "{error:?}");
}

#[wasm_bindgen_test]
async fn an_aborted_signal_rejects_with_abort_error_and_sends_nothing() {
    let ns = ns("abort");
    let client = Opts::new().set("token", token(&ns, 300).await).build();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"signal".into(), &aborted_signal()).unwrap();

    let promise: js_sys::Promise = invoke(&client, "fetch", &["/api/me?delay=300".into(), init.into()]).into();
    let error = rejection(&promise).await;
    sleep(500).await;

    assert_eq!(stat(&ns, "requests").await, 0.0, "no request reached the server");
    assert!(is_instance(&error, "DOMException"), "{}", describe(&error));
    assert_eq!(field(&error, "name").as_string().as_deref(), Some("AbortError"));
}

#[wasm_bindgen_test]
async fn aborting_while_a_refresh_runs_rejects_only_that_caller() {
    let ns = ns("abort-refresh");
    let old = token(&ns, 300).await;
    revoke(&ns).await;
    let callback = token_callback(SERVER, &ns, 300, 800, "string");
    let client = Opts::new().set("token", old).set("onTokenExpired", callback.clone()).build();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"signal".into(), &abort_later(200)).unwrap();

    let patient = start_call(&client, &"/api/me".into(), &JsValue::UNDEFINED);
    let started = now();
    let impatient: js_sys::Promise = invoke(&client, "fetch", &["/api/me".into(), init.into()]).into();
    let error = rejection(&impatient).await;
    let waited = now() - started;

    assert_eq!(field(&error, "name").as_string().as_deref(), Some("AbortError"));
    assert!(waited < 700.0, "rejected when aborted, not when the refresh ended ({waited} ms)");
    assert_eq!(status(&settle(patient).await), 200, "the shared refresh went on for the other caller");
    assert_eq!(calls(&callback), 1);
}
