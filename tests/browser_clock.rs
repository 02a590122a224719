//! Time: a local clock 10 minutes fast or slow, `Date`-header correction, wake-ups and a machine
//! that slept past the refresh time.
#![cfg(target_arch = "wasm32")]
// Tests fail by panicking: unwrap, expect and panic! are how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TEN_MINUTES: f64 = 600_000.0;

#[wasm_bindgen_test]
async fn a_clock_ten_minutes_fast_does_not_refresh_a_fresh_token() {
    let ns = ns("fast-clock");
    let fresh = js_token(&ns, 300).await;
    let _clock = ShiftedClock::by(TEN_MINUTES);
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", fresh).set("onTokenExpired", callback.clone()).build();

    assert_eq!(status(&get(&client, "/api/me").await), 200);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    sleep(1_000).await;

    assert_eq!(stat(&ns, "tokensIssued").await, 1.0, "the server issued no second token");
    assert_eq!(stat(&ns, "authorized").await, 2.0, "and accepted the first one twice");
    assert_eq!(calls(&callback), 0, "the token looked 5 minutes expired to the local clock, yet was fresh");
}

#[wasm_bindgen_test]
async fn a_clock_ten_minutes_slow_still_refreshes_ahead_in_time() {
    let ns = ns("slow-clock");
    // An 8-second token is due half-way (the window is min(60 s, half its lifetime)): within 4 s.
    let expiring = js_token(&ns, 8).await;
    let _clock = ShiftedClock::by(-TEN_MINUTES);
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", expiring).set("onTokenExpired", callback.clone()).build();

    sleep(5_500).await;

    assert_eq!(
        stat(&ns, "tokensIssued").await,
        2.0,
        "the server issued the refresh's token within 5.5 s, not 10 minutes late"
    );
    assert_eq!(calls(&callback), 1);
    assert_eq!(status(&get(&client, "/api/me").await), 200);
    assert_eq!(stat(&ns, "unauthorized").await, 0.0);
}

#[wasm_bindgen_test]
async fn date_headers_correct_the_clock_when_tokens_carry_no_iat() {
    let ns = ns("date-header");
    let _clock = ShiftedClock::by(TEN_MINUTES);
    let callback = returning(&fake_jwt_expiring_in(300));
    let client = Opts::new()
        .set("token", fake_jwt_expiring_in(300))
        .set("onTokenExpired", callback.clone())
        .set("autoRefresh", false)
        .build();

    // With nothing known yet, the token looks expired: one refresh is unavoidable.
    let first = get(&client, &format!("/open/echo?ns={ns}")).await;
    assert_eq!(calls(&callback), 1);
    // The response's Date header taught the client the offset: no second refresh.
    get(&client, &format!("/open/echo?ns={ns}")).await;
    get(&client, &format!("/open/echo?ns={ns}")).await;
    assert_eq!(calls(&callback), 1);
    assert_eq!(field(&first, "body.authScheme").as_string().as_deref(), Some("Bearer"));
    assert_eq!(stat(&ns, "openRequests").await, 3.0, "the server saw three requests, none held back");
    assert_eq!(stat(&ns, "openWithAuthorization").await, 3.0, "each with the token");
}

#[wasm_bindgen_test]
async fn coming_back_to_the_page_rechecks_expiry() {
    let ns = ns("wake");
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let client = Opts::new().set("token", js_token(&ns, 600).await).set("onTokenExpired", callback.clone()).build();
    let clock = ShiftedClock::by(0.0);

    clock.jump(9.5 * 60_000.0);
    dispatch_visibility_change();
    sleep(500).await;

    assert_eq!(stat(&ns, "tokensIssued").await, 2.0, "the server issued the refresh's token at once");
    assert_eq!(calls(&callback), 1, "the tab became visible 30 s before expiry: refreshed at once");
    assert_eq!(status(&get(&client, "/api/me").await), 200);
}

#[wasm_bindgen_test]
async fn a_machine_that_slept_past_the_refresh_time_refreshes_on_waking() {
    let ns = ns("sleep");
    let callback = token_callback(SERVER, &ns, 300, 0, "string");
    let log = recorder();
    let client = Opts::new()
        .set("token", js_token(&ns, 600).await)
        .set("onTokenExpired", callback.clone())
        .set("onEvent", log.clone())
        .build();
    let clock = ShiftedClock::by(0.0);

    // Timers do not run while a machine sleeps; it wakes with the wall clock far ahead.
    clock.jump(9.5 * 60_000.0);
    sleep(6_000).await;

    assert_eq!(stat(&ns, "tokensIssued").await, 2.0, "the server issued the refresh's token");
    assert_eq!(calls(&callback), 1, "the next timer tick saw the due time had passed");
    assert!(event_types(&log).contains("refresh-start,refreshed"));
    assert_eq!(status(&get(&client, "/api/me").await), 200);
}
