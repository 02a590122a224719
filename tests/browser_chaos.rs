//! Chaos: 500 concurrent requests from 5 clients while the server answers with random 401s,
//! 500s, delays and dropped connections and its token endpoint fails, hangs or returns garbage.
//! Every request settles, nothing is sent more than twice, refreshes stay single-flight and
//! bounded, and every client works normally once the faults stop.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use js_sys::Array;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CLIENTS: u32 = 5;
const PER_CLIENT: u32 = 100;

#[wasm_bindgen_test]
async fn under_chaos_every_request_settles_and_nothing_loops() {
    let ns = ns("chaos");
    let mut clients = Vec::new();
    let callbacks = Array::new();
    let logs = Array::new();
    // A session cookie for the clients that refresh through refreshUrl.
    control(&format!("/auth/login?ns={ns}&ttl=300")).await;
    for index in 0..CLIENTS {
        // The token endpoint lives on the second origin: its hung answers then hold that origin's
        // connections, not the six the browser allows for the API itself.
        let callback = token_callback(OTHER, &ns, 300, 0, "string");
        let log = recorder();
        let options = Opts::new()
            .set("token", js_token(&ns, 300).await)
            .set("refreshTimeoutMs", 1_000)
            .set("onEvent", log.clone());
        // Two clients refresh through refreshUrl (the client aborts a hung refresh itself).
        let options = if index < 2 {
            options.set("refreshUrl", format!("{OTHER}/auth/refresh"))
        } else {
            options.set("onTokenExpired", callback.clone())
        };
        clients.push(options.build());
        callbacks.push(&callback);
        logs.push(&log);
    }
    control(&format!(
        "/control/chaos?ns={ns}&seconds=60&p401=0.15&p500=0.05&pDrop=0.03&maxDelayMs=200&refresh=mixed&seed=11"
    ))
    .await;

    let outcome = storm(&array_of(&clients), PER_CLIENT, "/api/me", 90_000).await;
    control(&format!("/control/chaos?ns={ns}&seconds=0")).await;

    let number = |name: &str| field(&outcome, name).as_f64().unwrap_or(-1.0);
    let callback_calls: u32 = callbacks.iter().map(|c| calls(&c)).sum();
    let refreshes: u32 = logs.iter().map(|l| count_events(&l, "refresh-start")).sum();
    let refreshes_installed: u32 = logs.iter().map(|l| count_events(&l, "refreshed")).sum();
    let server_401s = stat(&ns, "chaos401").await + stat(&ns, "unauthorized").await;
    let max_sends = stat(&ns, "maxSendsPerRequestId").await;
    web_sys::console::log_1(
        &format!(
            "chaos: {} sent, {} settled ({} resolved, {} of them with a broken body, {} rejected; {}), max {} ms, {} ms in all ({}); \
             {refreshes} refreshes ({callback_calls} by callback), {refreshes_installed} tokens installed, {server_401s} 401s on the server, \
             at most {max_sends} sends per request; failed refreshes {}",
            number("sent"),
            number("settled"),
            number("resolved"),
            number("brokenBodies"),
            number("rejected"),
            field(&outcome, "statuses").as_string().unwrap_or_default(),
            number("maxMs"),
            number("elapsedMs"),
            field(&outcome, "latency").as_string().unwrap_or_default(),
            failure_reasons(&logs),
        )
        .into(),
    );

    assert_eq!(number("settled"), f64::from(CLIENTS * PER_CLIENT), "every request settled before the deadline");
    assert!(stat(&ns, "chaosDropped").await > 0.0 && stat(&ns, "chaos401").await > 0.0, "the chaos was real");
    assert!(
        number("resolved") > 0.0 && number("rejected") + number("brokenBodies") > 0.0,
        "the callers saw it: some requests answered, some cut (rejected, or a body that failed)"
    );
    assert!(max_sends <= 2.0, "no request was sent more than twice (the original and one retry): {max_sends}");
    if refreshes_installed > 0 {
        assert_eq!(max_sends, 2.0, "the request whose 401 led to a new token was retried");
    }
    assert!(refreshes >= 1, "the random 401s led to refreshes");
    assert!(f64::from(refreshes) <= server_401s, "every refresh was caused by a 401: {refreshes} > {server_401s}");
    assert!(logs.iter().all(|l| refreshes_never_overlap(&l)), "refreshes of one client never overlapped");

    for client in &clients {
        for _ in 0..3 {
            assert_eq!(status(&get(client, "/api/me").await), 200, "works normally after the chaos");
        }
    }
}
