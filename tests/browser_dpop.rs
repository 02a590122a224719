//! DPoP (RFC 9449) in the browser, against the devserver's DPoP mode (bound tokens, strict proof
//! checks, nonces required): each test checks what the caller got and what the server's checks
//! saw (`/control/dpop-log`), in Chromium, Firefox and WebKit.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A `dpop: true` client of the test server (and its second origin) recording its events.
fn dpop_client(extra: impl FnOnce(Opts) -> Opts) -> (Client, JsValue) {
    let events = recorder();
    let opts = Opts::new().set("dpop", true).set("allowedOrigins", allowed()).set("onEvent", events.clone());
    (extra(opts).build(), events)
}

fn allowed() -> js_sys::Array {
    [SERVER, OTHER].iter().map(|o| JsValue::from_str(o)).collect()
}

/// A DPoP client signed in with a session bound to its key (`/oauth/login` with its proof), its
/// `onTokenExpired` redeeming the session's refresh token with `auth: "proof"`.
async fn signed_in(ns: &str) -> (Client, JsValue, JsValue, JsValue) {
    enable_dpop(ns).await;
    let callback = proof_grant_callback(SERVER, &JsValue::NULL, 300);
    let (client, events) = dpop_client(|o| o.set("onTokenExpired", callback.clone()));
    use_client(&callback, &client);
    let session = proof_login(&client, SERVER, ns, 300).await;
    assert_eq!(field(&session, "status").as_f64(), Some(200.0), "login: {}", describe(&session));
    use_session(&callback, &session);
    invoke(&client, "setToken", &[field(&session, "access_token")]);
    (client, events, session, callback)
}

/// The devserver's route that answers 307 to `target`.
fn redirect_to(target: &str) -> String {
    format!("/redirect?to={}&status=307", js_sys::encode_uri_component(target))
}

fn retries(events: &JsValue, cause: &str) -> usize {
    self::events(events).iter().filter(|e| field(e, "type") == "retry" && field(e, "cause") == cause).count()
}

/// The entries of a DPoP log, oldest first.
fn entries(log: &JsValue) -> Vec<JsValue> {
    field(log, "entries").unchecked_into::<js_sys::Array>().iter().collect()
}

/// The entries of a DPoP log for `route` (a path), oldest first.
fn entries_for(log: &JsValue, route: &str) -> Vec<JsValue> {
    entries(log).into_iter().filter(|e| field(e, "route") == route).collect()
}

/// The current nonce of `origin` in a DPoP log.
fn current_nonce(log: &JsValue, origin: &str) -> JsValue {
    js_sys::Reflect::get(&field(log, "nonces"), &origin.into()).map(|n| field(&n, "current")).unwrap()
}

/// The client's `dpop-key` events.
fn key_events(recorder: &JsValue) -> Vec<JsValue> {
    events(recorder).iter().filter(|e| field(e, "type") == "dpop-key").collect()
}

/// The log's entries for `route` (a path) as `"<METHOD> <origin> <accepted|reason>"` lines.
fn judged(log: &JsValue, route: &str) -> Vec<String> {
    entries_for(log, route)
        .iter()
        .map(|e| {
            let outcome =
                if field(e, "accepted") == true { "accepted".to_owned() } else { value_text(&field(e, "reason")) };
            format!("{} {} {outcome}", value_text(&field(e, "method")), value_text(&field(e, "origin")))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn login_binds_the_session_and_calls_pass_after_one_nonce_challenge_per_origin() {
    let ns = ns("dpop-login");
    let (client, events, session, _) = signed_in(&ns).await;
    let jkt = thumbprint(&client).await;

    let results: Vec<u16> = [
        get(&client, "/api/me").await,
        get(&client, "/api/me").await,
        get(&client, &format!("{OTHER}/api/me")).await,
        get(&client, &format!("{OTHER}/api/me")).await,
    ]
    .iter()
    .map(status)
    .collect();

    assert_eq!(results, [200, 200, 200, 200]);
    assert_eq!(field(&session, "token_type"), "DPoP");
    assert_eq!(
        field(&jwt_claims(&field(&session, "access_token")), "cnf.jkt"),
        JsValue::from_str(&jkt),
        "bound to the key"
    );
    let log = dpop_log(&ns).await;
    assert_eq!(
        judged(&log, "/oauth/login"),
        [format!("POST {SERVER} use_dpop_nonce"), format!("POST {SERVER} accepted")],
        "the token endpoint's nonce challenge, answered once"
    );
    assert_eq!(
        judged(&log, "/api/me"),
        [
            format!("GET {SERVER} accepted"), // the login taught the client this origin's nonce
            format!("GET {SERVER} accepted"),
            format!("GET {OTHER} use_dpop_nonce"), // another origin, another nonce
            format!("GET {OTHER} accepted"),
            format!("GET {OTHER} accepted"),
        ]
    );
    assert_ne!(current_nonce(&log, SERVER), current_nonce(&log, OTHER), "the two origins have nonces of their own");
    // Each accepted proof carried its own origin's nonce: the token endpoint's (and this API's)
    // on the first origin, the other origin's there.
    for entry in entries(&log).iter().filter(|e| field(e, "accepted") == true) {
        let origin = value_text(&field(entry, "origin"));
        assert_eq!(field(entry, "nonce"), current_nonce(&log, &origin), "{}", describe(entry));
    }
    assert_eq!(value_text(&field(&log, "keys")), jkt, "one key signed everything");
    assert_eq!(retries(&events, "dpop-nonce"), 2, "{}", events_text(&events));
    assert_eq!(count_events(&events, "dpop-key"), 1, "{}", events_text(&events));
}

#[wasm_bindgen_test]
async fn thirty_calls_with_a_refused_bound_token_share_one_refresh_and_the_retries_prove_the_new_token() {
    let ns = ns("dpop-storm");
    let (client, events, _, callback) = signed_in(&ns).await;
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    revoke(&ns).await;

    let results: js_sys::Array = call_many(&client, "/api/me", 30).await.unchecked_into();

    assert!(results.iter().all(|r| status(&r) == 200), "{}", describe(&results));
    assert_eq!(calls(&callback), 1, "one refresh for thirty 401s");
    let log = dpop_log(&ns).await;
    let token_grants = judged(&log, "/oauth/token");
    assert_eq!(token_grants, [format!("POST {SERVER} accepted")], "one refresh grant, proven with the key");
    let me = judged(&log, "/api/me");
    assert_eq!(me.iter().filter(|l| l.ends_with("token_revoked")).count(), 30, "{me:?}");
    assert_eq!(me.iter().filter(|l| l.ends_with("accepted")).count(), 31, "{me:?}");
    let retried: Vec<JsValue> = entries_for(&log, "/api/me").into_iter().skip(31).collect();
    assert_eq!(retried.len(), 30);
    assert!(
        retried.iter().all(|e| field(e, "accepted") == true && field(e, "athMatched") == true),
        "every retry's ath hashes the new token"
    );
    assert_eq!(retries(&events, "token"), 30, "{}", events_text(&events));
    assert!(!last_token(&callback).is_undefined());
}

#[wasm_bindgen_test]
async fn thirty_calls_with_an_expired_bound_token_share_one_refresh_before_sending() {
    let ns = ns("dpop-expired");
    enable_dpop(&ns).await;
    let callback = proof_grant_callback(SERVER, &JsValue::NULL, 300);
    let (client, events) = dpop_client(|o| o.set("onTokenExpired", callback.clone()).set("autoRefresh", false));
    use_client(&callback, &client);
    let session = proof_login(&client, SERVER, &ns, 2).await;
    assert_eq!(field(&session, "status").as_f64(), Some(200.0), "login: {}", describe(&session));
    use_session(&callback, &session);
    invoke(&client, "setToken", &[field(&session, "access_token")]);
    sleep(2_200).await; // the 2 s token has expired (no timer: autoRefresh false)

    let results: js_sys::Array = call_many(&client, "/api/me", 30).await.unchecked_into();

    assert!(results.iter().all(|r| status(&r) == 200), "{}", describe(&results));
    assert_eq!(calls(&callback), 1, "one refresh for thirty calls");
    let log = dpop_log(&ns).await;
    assert_eq!(judged(&log, "/oauth/token"), [format!("POST {SERVER} accepted")], "{}", dpop_outcomes(&log));
    let me = entries_for(&log, "/api/me");
    assert_eq!(me.len(), 30, "refreshed before sending, no 401 first: {}", dpop_outcomes(&log));
    let jkt = thumbprint(&client).await;
    assert!(
        me.iter().all(|e| field(e, "accepted") == true
            && field(e, "athMatched") == true
            && field(e, "boundJkt") == JsValue::from_str(&jkt)),
        "{}",
        dpop_outcomes(&log)
    );
    assert_eq!(retries(&events, "token"), 0, "{}", events_text(&events));
    assert_ne!(last_token(&callback), field(&session, "access_token"), "the calls went out with the new token");
}

#[wasm_bindgen_test]
async fn two_clients_of_one_channel_started_together_in_one_page_sign_with_one_stored_key() {
    let ns = ns("dpop-together");
    enable_dpop(&ns).await;
    let channel = format!("together-{ns}");
    let (first, first_events) = dpop_client(|o| o.set("shareAcrossTabs", channel.clone()));
    let (second, second_events) = dpop_client(|o| o.set("shareAcrossTabs", channel.clone()));
    // Both ask for their key in the same turn, before either has stored one.
    let a: js_sys::Promise = invoke(&first, "dpopThumbprint", &[]).unchecked_into();
    let b: js_sys::Promise = invoke(&second, "dpopThumbprint", &[]).unchecked_into();
    let (a, b) = (settle(a).await, settle(b).await);

    assert_eq!(a, b, "one key for the channel");
    assert_eq!(stored_thumbprint(&channel).await, a, "the stored one");
    for events in [&first_events, &second_events] {
        let keys = key_events(events);
        assert!(!keys.is_empty(), "{}", events_text(events));
        assert!(keys.iter().all(|e| field(e, "stored") == true), "{}", events_text(events));
    }
    let token = bound_token(&ns, 300, &value_text(&a)).await;
    invoke(&first, "setToken", std::slice::from_ref(&token));
    invoke(&second, "setToken", &[token]);
    assert_eq!([status(&get(&first, "/api/me").await), status(&get(&second, "/api/me").await)], [200, 200]);
    let log = dpop_log(&ns).await;
    assert_eq!(value_text(&field(&log, "keys")), value_text(&a), "one key signed both: {}", dpop_outcomes(&log));
}

#[wasm_bindgen_test]
async fn a_copied_token_is_refused_with_another_key_or_without_a_proof() {
    let ns = ns("dpop-copied");
    let (client, _, session, _) = signed_in(&ns).await;
    assert_eq!(status(&get(&client, "/api/me").await), 200, "the client itself gets through");
    let token = field(&session, "access_token");
    let url = format!("{SERVER}/api/me");
    let log = dpop_log(&ns).await;
    let nonce = current_nonce(&log, SERVER);

    let foreign = foreign_proof("GET", &url, &nonce, &token).await;
    let with_other_key = replay_token(&url, "DPoP", &token, &field(&foreign, "proof")).await;
    let without_proof = replay_token(&url, "DPoP", &token, &JsValue::UNDEFINED).await;
    let as_bearer = replay_token(&url, "Bearer", &token, &JsValue::UNDEFINED).await;

    assert_eq!([status(&with_other_key), status(&without_proof), status(&as_bearer)], [401, 401, 401]);
    let log = dpop_log(&ns).await;
    assert_eq!(dpop_refusals(&log, SERVER, "jkt_mismatch"), 1, "{}", dpop_outcomes(&log));
    assert_eq!(dpop_refusals(&log, SERVER, "missing_proof"), 1, "{}", dpop_outcomes(&log));
    assert_eq!(dpop_refusals(&log, SERVER, "bearer_for_bound_token"), 1, "{}", dpop_outcomes(&log));
    assert_eq!(status(&get(&client, "/api/me").await), 200, "the client is not affected");
}

#[wasm_bindgen_test]
async fn proofs_are_on_the_servers_clock_from_the_first_request_when_the_page_clock_is_off() {
    for minutes in [5.0, -5.0] {
        let ns = ns("dpop-clock");
        enable_dpop(&ns).await;
        let clock = ShiftedClock::by(minutes * 60_000.0);
        let (client, _) = dpop_client(|o| o);
        let token = bound_token(&ns, 300, &thumbprint(&client).await).await;
        invoke(&client, "setToken", &[token]);

        let first = status(&get(&client, "/api/me").await);
        let other = status(&get(&client, &format!("{OTHER}/api/me")).await);
        let again = status(&get(&client, "/api/me").await);

        assert_eq!([first, other, again], [200, 200, 200], "{minutes} min");
        assert!((now() - real_time() - minutes * 60_000.0).abs() < 5_000.0, "the page's clock is off");
        let log = dpop_log(&ns).await;
        assert_eq!(dpop_refusals(&log, "", "iat_out_of_window"), 0, "{minutes} min: {}", dpop_outcomes(&log));
        let gap = largest_iat_gap(&log);
        assert!(
            (0.0..=60.0).contains(&gap),
            "{minutes} min: every proof's iat within 60 s of the server's, got {gap} s"
        );
        drop(clock);
    }
}

#[wasm_bindgen_test]
async fn a_redirected_get_is_sent_again_with_a_proof_for_the_url_that_answered() {
    let ns = ns("dpop-redirect");
    let (client, _, _, _) = signed_in(&ns).await;
    let target = format!("{SERVER}/api/me");
    let redirect = redirect_to(&target);

    let result = get(&client, &redirect).await;

    assert_eq!(status(&result), 200, "{}", describe(&result));
    let log = dpop_log(&ns).await;
    assert_eq!(
        judged(&log, "/api/me"),
        [format!("GET {SERVER} htu_mismatch"), format!("GET {SERVER} accepted")],
        "the browser re-sent the first proof (htu of /redirect); the client sent /api/me its own"
    );
    let last = entries(&log).pop().unwrap();
    assert_eq!(field(&last, "htu"), JsValue::from_str(&target));
}

#[wasm_bindgen_test]
async fn bodies_are_replayed_on_a_nonce_retry() {
    for (kind, method) in
        [("string", "POST"), ("blob", "PUT"), ("arraybuffer", "PUT"), ("formdata", "POST"), ("urlsearchparams", "POST")]
    {
        let ns = ns("dpop-body");
        enable_dpop(&ns).await;
        let (client, events) = dpop_client(|o| o);
        invoke(&client, "setToken", &[bound_token(&ns, 300, &thumbprint(&client).await).await]);
        let expected = reference_echo(SERVER, kind, method).await;

        let result = call(&client, &"/api/echo".into(), &body_init(kind, method)).await;

        assert_eq!(status(&result), 200, "{kind}: {}", describe(&result));
        assert_eq!(retries(&events, "dpop-nonce"), 1, "{kind}: the first send met the nonce challenge");
        let replayed = field(&result, "body");
        assert!(!echoed_body(&replayed).is_empty(), "{kind}");
        assert_eq!(echoed_body(&replayed), echoed_body(&expected), "{kind}: the same bytes on the nonce retry");
        let log = dpop_log(&ns).await;
        assert_eq!(
            judged(&log, "/api/echo"),
            [format!("{method} {SERVER} use_dpop_nonce"), format!("{method} {SERVER} accepted")]
        );
    }
}

#[wasm_bindgen_test]
async fn a_nonce_that_repeats_or_keeps_changing_gets_one_retry_per_send() {
    for mode in ["fixed", "fresh"] {
        let ns = ns("dpop-nonce-loop");
        enable_dpop(&ns).await;
        let (client, events) = dpop_client(|o| o);
        invoke(&client, "setToken", &[bound_token(&ns, 300, &thumbprint(&client).await).await]);
        let fake = fake_nonces(mode, 20);

        let result = get(&client, "/api/me").await;
        unshadow_all();

        assert_eq!(status(&result), 401, "{mode}: the server never accepts a nonce it did not issue");
        let log = dpop_log(&ns).await;
        assert_eq!(
            judged(&log, "/api/me"),
            [format!("GET {SERVER} use_dpop_nonce"), format!("GET {SERVER} use_dpop_nonce")],
            "{mode}: the first send and one nonce retry, no more"
        );
        assert_eq!(replaced_nonces(&fake), 2, "{mode}");
        assert_eq!(retries(&events, "dpop-nonce"), 1, "{mode}: {}", events_text(&events));
        assert_eq!(retries(&events, "token"), 0, "{mode}: a nonce challenge is not a token problem");
    }
}

#[wasm_bindgen_test]
async fn the_key_is_stored_per_channel_kept_by_a_new_client_never_exported_and_deleted_by_clear() {
    let ns = ns("dpop-key");
    let channel = format!("keys-{ns}");
    let (first, first_events) = dpop_client(|o| o.set("shareAcrossTabs", channel.clone()));
    let jkt = thumbprint(&first).await;
    assert_eq!(stored_thumbprint(&channel).await, JsValue::from_str(&jkt), "stored in IndexedDB");
    let keys = key_events(&first_events);
    assert_eq!(keys.len(), 1, "{}", events_text(&first_events));
    assert_eq!(field(&keys[0], "stored"), true);

    // A reload: a new client of the same channel signs with the same key.
    first.free();
    let (second, second_events) = dpop_client(|o| o.set("shareAcrossTabs", channel.clone()));
    assert_eq!(thumbprint(&second).await, jkt, "the same key after a reload");
    assert_eq!(count_events(&second_events, "dpop-key"), 1);
    let proof = try_proof(&second, "GET", &format!("{SERVER}/api/me")).await.unwrap();
    assert_eq!(proof_verifies(&proof).await, true);
    assert_eq!(field(&decode_jws(&proof), "header.jwk.d"), JsValue::UNDEFINED, "public members only");

    let exported = export_stored_private_key(&channel).await;
    assert_eq!(field(&exported, "found"), true);
    assert_eq!(field(&exported, "extractable"), false);
    assert!(value_text(&field(&exported, "jwk")).starts_with("rejected"), "{}", describe(&exported));
    assert!(value_text(&field(&exported, "pkcs8")).starts_with("rejected"), "{}", describe(&exported));

    // Signing out deletes it; the next key is a new one, stored in its place.
    invoke(&second, "clear", &[]);
    let next = thumbprint(&second).await;
    assert_ne!(next, jkt, "a new key after clear()");
    assert_eq!(
        stored_thumbprint(&channel).await,
        JsValue::from_str(&next),
        "the deleted key is gone, the new one stored"
    );
}

#[wasm_bindgen_test]
async fn without_indexed_db_or_when_it_refuses_the_key_it_lives_in_memory_and_requests_work() {
    for case in ["missing", "refuses"] {
        let ns = ns("dpop-memory");
        enable_dpop(&ns).await;
        let channel = format!("memory-{ns}");
        if case == "missing" {
            hide_indexed_db();
        } else {
            refuse_indexed_db_put();
        }
        let (client, events) = dpop_client(|o| o.set("shareAcrossTabs", channel.clone()));
        let jkt = thumbprint(&client).await;
        invoke(&client, "setToken", &[bound_token(&ns, 300, &jkt).await]);

        let result = get(&client, "/api/me").await;
        unshadow_all();

        assert_eq!(status(&result), 200, "{case}");
        let keys = key_events(&events);
        assert_eq!(keys.len(), 1, "{case}: {}", events_text(&events));
        assert_eq!(field(&keys[0], "stored"), false, "{case}");
        assert_eq!(stored_thumbprint(&channel).await, JsValue::NULL, "{case}: nothing stored");
        assert_eq!(value_text(&field(&dpop_log(&ns).await, "keys")), jkt, "{case}: the server saw the memory key");
    }
}

#[wasm_bindgen_test]
async fn a_bearer_token_type_is_sent_as_bearer_without_a_proof() {
    let ns = ns("dpop-bearer");
    enable_dpop(&ns).await;
    let body = bearer_token_body(&ns, 300).await;
    assert_eq!(field(&body, "token_type"), "Bearer");
    let (client, _) = dpop_client(|o| o.set("onTokenExpired", returning(&body)));
    assert_eq!(settle(invoke(&client, "refresh", &[]).into()).await, true);

    let result = get(&client, "/api/me").await;

    assert_eq!(status(&result), 200);
    let log = dpop_log(&ns).await;
    let me = entries_for(&log, "/api/me");
    assert_eq!(me.len(), 1, "{}", dpop_outcomes(&log));
    assert_eq!(
        (field(&me[0], "scheme"), field(&me[0], "proof")),
        ("Bearer".into(), false.into()),
        "{}",
        describe(&me[0])
    );
}

#[wasm_bindgen_test]
async fn bad_dpop_input_is_refused_with_errors_that_name_it() {
    let refused = Opts::new().set("dpop", "yes").try_build().map(drop).unwrap_err();
    assert!(is_instance(&refused, "TypeError"), "{}", describe(&refused));
    assert!(value_text(&refused).contains("dpop"), "{}", value_text(&refused));

    hide_subtle();
    let insecure = Opts::new().set("dpop", true).try_build().map(drop);
    let without_dpop = Opts::new().set("dpop", false).try_build().map(drop);
    unshadow_all();
    assert!(has_subtle());
    let insecure = insecure.unwrap_err();
    assert!(is_instance(&insecure, "Error"), "{}", describe(&insecure));
    let message = value_text(&insecure);
    assert!(message.contains("dpop") && message.contains("secure context"), "{message}");
    assert!(without_dpop.is_ok(), "dpop: false needs no WebCrypto");

    let (client, _) = dpop_client(|o| o);
    for (method, url) in
        [("G ET", "https://api.example.com/"), ("", "https://api.example.com/"), ("GET", "http://[::1")]
    {
        let rejected = try_proof(&client, method, url).await.unwrap_err();
        assert!(is_instance(&rejected, "TypeError"), "{method:?} {url:?}: {}", describe(&rejected));
    }
    let plain = Opts::new().build();
    assert!(try_proof(&plain, "GET", SERVER).await.is_err(), "dpopProof needs dpop: true");
}

#[wasm_bindgen_test]
async fn ten_thousand_proofs_have_ten_thousand_distinct_jti() {
    let (client, _) = dpop_client(|o| o);

    let proofs = many_proofs(&client, "POST", &format!("{SERVER}/api/echo?x=1#f"), 10_000).await;

    assert_eq!(field(&proofs, "distinct").as_f64(), Some(10_000.0));
    assert!(field(&proofs, "shortestJtiBytes").as_f64().unwrap_or(0.0) >= 16.0, "at least 128 random bits");
    assert_eq!(field(&proofs, "firstVerifies"), true);
    let proof = try_proof(&client, "post", &format!("{SERVER}/api/echo?x=1#f")).await.unwrap();
    let claims = field(&decode_jws(&proof), "claims");
    assert_eq!(field(&claims, "htu"), JsValue::from_str(&format!("{SERVER}/api/echo")), "no query, no fragment");
    assert_eq!(field(&claims, "ath"), JsValue::UNDEFINED, "dpopProof has no ath");
    assert_eq!(field(&decode_jws(&proof), "header.typ"), "dpop+jwt");
}

#[wasm_bindgen_test]
async fn no_token_proof_or_key_material_in_events_errors_or_the_console() {
    let ns = ns("dpop-secrets");
    let console = record_console();
    let (client, events, session, _) = signed_in(&ns).await;
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    revoke(&ns).await;
    assert_eq!(status(&get(&client, &format!("{OTHER}/api/me")).await), 200);
    let proof = try_proof(&client, "GET", SERVER).await.unwrap();
    let failed = try_proof(&client, "G ET", SERVER).await.unwrap_err();
    let lines = stop_console(&console);

    let token = value_text(&field(&session, "access_token"));
    let signature = value_text(&proof).rsplit('.').next().unwrap_or_default().to_owned();
    let seen = [events_text(&events), lines, describe(&failed), describe(&client), value_text(&client)];
    for text in &seen {
        for secret in [&token, &value_text(&proof), &signature] {
            assert!(!text.contains(secret.as_str()), "a secret in {text}");
        }
        assert!(!text.contains("\"d\":"), "no private key member in {text}");
    }
    assert!(seen[0].contains("dpop-key") && seen[0].contains("retry"), "the events were recorded: {}", seen[0]);
}

#[wasm_bindgen_test]
async fn the_built_in_refresh_url_post_proves_the_key_and_renews_a_bound_session() {
    let ns = ns("dpop-refresh-url");
    enable_dpop(&ns).await;
    let refresh_url = format!("{SERVER}/auth/refresh?ns={ns}&ttl=300");
    let (client, events) = dpop_client(|o| o.set("refreshUrl", refresh_url.clone()));
    let jkt = thumbprint(&client).await;
    // The login binds the cookie session to the client's key (the authorization request's dpop_jkt).
    let login = control(&format!("/auth/login?ns={ns}&ttl=300&dpop_jkt={jkt}")).await;
    invoke(&client, "setToken", &[field(&login, "access_token")]);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    revoke(&ns).await;

    let result = get(&client, "/api/me").await;

    assert_eq!(status(&result), 200, "{}", describe(&result));
    assert_eq!(stat(&ns, "refreshCalls").await, 1.0);
    let log = dpop_log(&ns).await;
    assert_eq!(
        judged(&log, "/auth/refresh"),
        [format!("POST {SERVER} accepted")],
        "the POST carried a proof of the session's key (no challenge: the origin's nonce was known)"
    );
    assert_eq!(judged(&log, "/api/me").last().map(String::as_str), Some(&*format!("GET {SERVER} accepted")));
    assert_eq!(retries(&events, "token"), 1, "{}", events_text(&events));
}

#[wasm_bindgen_test]
async fn a_redirected_post_refused_where_it_landed_is_never_sent_to_the_url_that_answered() {
    let ns = ns("dpop-redirect-post");
    let (client, events, _, callback) = signed_in(&ns).await;
    let target = format!("{SERVER}/api/echo");
    let redirect = redirect_to(&target);

    let result = call(&client, &redirect.into(), &body_init("string", "POST")).await;

    assert_eq!(status(&result), 401, "the caller gets the 401: {}", describe(&result));
    let log = dpop_log(&ns).await;
    let landed: Vec<String> = entries_for(&log, "/api/echo").iter().map(|e| value_text(&field(e, "htu"))).collect();
    // Rule 4's one refresh and retry still apply to the 401; neither send went to /api/echo itself.
    assert_eq!(landed, [format!("{SERVER}/redirect"), format!("{SERVER}/redirect")], "{}", dpop_outcomes(&log));
    assert_eq!(calls(&callback), 1);
    assert_eq!(
        (retries(&events, "token"), retries(&events, "dpop-nonce")),
        (1, 1),
        "the login's nonce retry only: {}",
        events_text(&events)
    );
}
