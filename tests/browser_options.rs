//! Construction: option validation with errors that name the option, defaults, and secret
//! hygiene (the token never shows in errors, events, `JSON.stringify`, `Debug` or the console).
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use js_sys::{Array, Function};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn error_of(options: Opts) -> JsValue {
    options.try_build().expect_err("construction should throw")
}

fn message(error: &JsValue) -> String {
    field(error, "message").as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
fn wrong_types_throw_type_error_naming_the_option() {
    let cases: Vec<(&str, JsValue)> = vec![
        ("onTokenExpired", "not a function".into()),
        ("onEvent", 42.into()),
        ("token", 42.into()),
        ("refreshAheadSeconds", "60".into()),
        ("refreshTimeoutMs", true.into()),
        ("refreshOn", "401".into()),
        ("autoRefresh", "yes".into()),
        ("authScheme", 1.into()),
        ("baseUrl", Array::new().into()),
        ("refreshUrl", 5.into()),
        ("allowedOrigins", "https://a.example".into()),
        ("shareAcrossTabs", 1.into()),
    ];
    for (option, value) in cases {
        let error = error_of(Opts::empty().set(option, value));
        assert!(is_instance(&error, "TypeError"), "{option}: {}", describe(&error));
        assert!(message(&error).contains(option), "{option}: {}", message(&error));
    }
    let error = error_of(Opts::empty().set("allowedOrigins", Array::of1(&"not a url".into())));
    assert!(is_instance(&error, "TypeError") && message(&error).contains("allowedOrigins"));
    let error = AuthClientOptionsProbe::not_an_object();
    assert!(is_instance(&error, "TypeError") && message(&error).contains("options"));
}

/// Builds a client from a non-object options value.
struct AuthClientOptionsProbe;
impl AuthClientOptionsProbe {
    fn not_an_object() -> JsValue {
        use wasm_bindgen::JsCast;
        tokenfetch::AuthClient::new(Some(JsValue::from_str("oops").unchecked_into())).expect_err("must throw")
    }
}

#[wasm_bindgen_test]
fn out_of_range_numbers_throw_range_error_naming_the_option() {
    let cases: Vec<(&str, JsValue)> = vec![
        ("refreshAheadSeconds", (-1).into()),
        ("refreshAheadSeconds", f64::NAN.into()),
        ("refreshTimeoutMs", 0.into()),
        ("refreshOn", Array::of1(&42.into()).into()),
        ("authScheme", "Bearer x".into()),
    ];
    for (option, value) in cases {
        let error = error_of(Opts::empty().set(option, value));
        assert!(is_instance(&error, "RangeError"), "{option}: {}", describe(&error));
        assert!(message(&error).contains(option), "{option}: {}", message(&error));
    }
}

#[wasm_bindgen_test]
fn no_options_give_an_empty_client() {
    let client = Client::hold(tokenfetch::AuthClient::new(None).unwrap());
    assert_eq!(field(&client, "hasToken").as_bool(), Some(false));
    assert!(field(&client, "expiresAt").is_null());
    let opaque = Opts::empty().set("token", "opaque-token").build();
    assert_eq!(field(&opaque, "hasToken").as_bool(), Some(true));
    assert!(field(&opaque, "expiresAt").is_null(), "an opaque token has no known expiry");
}

#[wasm_bindgen_test]
async fn custom_auth_scheme_and_refresh_on_statuses_are_used() {
    let ns = ns("scheme");
    let echo = Opts::new().set("token", "abc").set("authScheme", "Token").build();
    let seen = get(&echo, &format!("/open/echo?ns={ns}")).await;
    assert_eq!(
        field(&seen, "body.authorization").as_string().as_deref(),
        Some("Token abc"),
        "the server received the scheme"
    );

    // /api/me?scheme=Token accepts only `Authorization: Token <jwt>`.
    let schemed = Opts::new().set("token", token(&ns, 300).await).set("authScheme", "Token").build();
    assert_eq!(status(&get(&schemed, "/api/me?scheme=Token").await), 200);
    let echoed = get(&schemed, "/api/echo?scheme=Token").await;
    assert_eq!(field(&echoed, "body.authScheme").as_string().as_deref(), Some("Token"));
    let stats = stats(&ns).await;
    assert_eq!(field(&stats, "lastAuthScheme").as_string().as_deref(), Some("Token"));
    assert_eq!(field(&stats, "authSchemes.Token").as_f64(), Some(2.0), "both protected requests went out as Token");
    assert!(field(&stats, "authSchemes.Bearer").is_undefined(), "none as Bearer");

    // 404 in refreshOn: a refresh and one retry, which is answered 404 again and delivered.
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let refresh_on = Array::of2(&401.into(), &404.into());
    let client = Opts::new()
        .set("token", token(&ns, 300).await)
        .set("refreshOn", refresh_on)
        .set("onTokenExpired", callback.clone())
        .build();
    assert_eq!(status(&get(&client, "/no/such/route").await), 404);
    assert_eq!(stat(&ns, "tokensIssued").await, 3.0, "two tokens minted by the test, one by the refresh");
    assert_eq!(calls(&callback), 1);
}

#[wasm_bindgen_test]
async fn the_token_never_shows_in_errors_events_json_or_console() {
    let ns = ns("secrets");
    let secret = token(&ns, 300).await;
    revoke(&ns).await;
    let console = record_console();
    let log = recorder();
    let sink = Function::from(log.clone());
    let mut seen = Vec::new();

    // A refresh that fails in every way the client reports.
    for kind in ["throw", "crlf", "null"] {
        let client = Opts::new()
            .set("token", secret.clone())
            .set("onTokenExpired", fixed_callback(kind))
            .set("onEvent", sink.clone())
            .build();
        get(&client, "/api/me").await;
        seen.push(describe(&client));
        seen.push(format!("{client:?}"));
    }
    // An onEvent that throws is reported on the console.
    let noisy = Opts::new().set("token", secret.clone()).set("onEvent", throwing_sink()).build();
    invoke(&noisy, "clear", &[]);
    // Errors from setToken and construction.
    let client = Opts::new().set("token", secret.clone()).build();
    let tainted = format!("{secret}\r\n");
    seen.push(describe(&try_invoke(&client, "setToken", &[tainted.clone().into()]).unwrap_err()));
    seen.push(describe(&error_of(Opts::empty().set("token", tainted))));
    let debug = format!("{:?}", Opts::empty().set("token", secret.clone()).try_build().unwrap());
    seen.push(debug);

    let console_text = stop_console(&console);
    seen.push(console_text.clone());
    seen.extend(events(&log).iter().map(|e| describe(&e)));
    assert!(console_text.contains("listener bug"), "the console was recorded: {console_text}");
    assert!(events(&log).length() >= 9, "events were recorded");
    for text in &seen {
        assert!(!text.contains(&secret), "token leaked into: {text}");
        // Nor any long piece of it (the signature part is the most sensitive).
        let signature = secret.rsplit('.').next().unwrap();
        assert!(!text.contains(signature), "signature leaked into: {text}");
    }
}
