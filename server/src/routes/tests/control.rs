//! `/control/*`: chaos mode end to end, and the stats body.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

use super::{app, call, cookie_pair, stats, token};

#[tokio::test]
async fn chaos_mode() {
    let app = app();
    let auth = format!("Bearer {}", token(&app, "ns=c").await);
    let me = |id: &'static str| {
        let app = app.clone();
        let auth = auth.clone();
        async move {
            let req = Request::get("/api/me")
                .header("authorization", auth)
                .header("x-request-id", id)
                .body(Body::empty())
                .expect("request");
            app.oneshot(req).await.expect("infallible")
        }
    };

    // Bad parameters are refused, naming the parameter.
    let (status, _, body) = call(&app, "POST", "/control/chaos?ns=c&seconds=5&p401=2", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().expect("detail").contains("p401"));

    let (status, _, body) = call(&app, "POST", "/control/chaos?ns=c&seconds=30&p401=1&seed=5", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["chaosActive"], true);
    assert_eq!(body["seed"], "5");
    assert_eq!(body["refresh"], "ok");
    let res = me("a").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()[header::WWW_AUTHENTICATE], r#"Bearer error="invalid_token""#);
    // An invalid token keeps its own reason and is not a chaos 401.
    let (status, _, body) = call(&app, "GET", "/api/me?ns=c", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "missing");
    // Other namespaces are untouched.
    let other = format!("Bearer {}", token(&app, "ns=c2").await);
    let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &other)]).await;
    assert_eq!(status, StatusCode::OK);

    call(&app, "POST", "/control/chaos?ns=c&seconds=30&p500=1", &[]).await;
    let (status, _, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, json!({"error": "chaos"}));

    // A dropped request's body fails (hyper then cuts the connection).
    call(&app, "POST", "/control/chaos?ns=c&seconds=30&pDrop=1", &[]).await;
    for id in ["a", "b"] {
        let res = me(id).await;
        assert!(axum::body::to_bytes(res.into_body(), usize::MAX).await.is_err());
    }

    // Token endpoints follow `refresh`; `/auth/token` calls are counted whatever the answer.
    call(&app, "POST", "/control/chaos?ns=c&seconds=30&refresh=fail", &[]).await;
    let (status, _, body) = call(&app, "POST", "/auth/token?ns=c", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"error": "refresh_unavailable"}));
    call(&app, "POST", "/control/chaos?ns=c&seconds=30&refresh=garbage", &[]).await;
    let res = app
        .clone()
        .oneshot(Request::post("/auth/token?ns=c").body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
    assert!(serde_json::from_slice::<Value>(&bytes).is_err());

    let seen = stats(&app, "c").await;
    assert_eq!(seen["chaosActive"], true);
    assert_eq!(seen["chaos401"], 1);
    assert_eq!(seen["chaos500"], 1);
    assert_eq!(seen["chaosDropped"], 2);
    assert_eq!(seen["tokenCalls"], 3);
    assert_eq!(seen["tokensIssued"], 1);
    // Sends are counted on arrival, dropped ones included.
    assert_eq!(seen["maxSendsPerRequestId"], 2);
    assert_eq!(seen["distinctRequestIds"], 2);
    assert_eq!(seen["requests"], 5);
    assert_eq!(seen["authorized"], 4);

    // Chaos ends by itself, with `seconds=0`, and with a reset.
    call(&app, "POST", "/control/chaos?ns=c&seconds=0.1&p500=1", &[]).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::OK);
    let seen = stats(&app, "c").await;
    assert_eq!(seen["chaosActive"], false);
    call(&app, "POST", "/control/chaos?ns=c&seconds=30&p500=1", &[]).await;
    let (_, _, body) = call(&app, "POST", "/control/chaos?ns=c&seconds=0", &[]).await;
    assert_eq!(body["chaosActive"], false);
    let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::OK);
    call(&app, "POST", "/control/chaos?ns=c&seconds=30&p500=1&refresh=fail", &[]).await;
    call(&app, "POST", "/control/reset?ns=c", &[]).await;
    let fresh = format!("Bearer {}", token(&app, "ns=c").await);
    let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &fresh)]).await;
    assert_eq!(status, StatusCode::OK);
    let seen = stats(&app, "c").await;
    assert_eq!(seen["chaosActive"], false);
    assert_eq!(seen["chaos500"], 0);
    assert_eq!(seen["tokenCalls"], 1);
}

#[tokio::test]
async fn chaos_faults_on_refresh_spend_no_token() {
    let app = app();
    let (_, headers, _) = call(&app, "POST", "/auth/login?ns=cr", &[]).await;
    let cookie = cookie_pair(&headers);
    call(&app, "POST", "/control/chaos?ns=cr&seconds=30&refresh=garbage", &[]).await;
    let (status, headers, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null), "garbage, not JSON");
    assert!(headers.get(header::SET_COOKIE).is_none());
    call(&app, "POST", "/control/chaos?ns=cr&seconds=0", &[]).await;
    let (status, _, _) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::OK, "the cookie was not spent by the garbage answer");
    assert_eq!(stats(&app, "cr").await["reuseDetected"], 0);
}

#[tokio::test]
async fn stats_keep_every_counter_name() {
    let app = app();
    let seen = stats(&app, "names").await;
    // Names the browser tests, demos and benchmarks read, and the ones rotation added.
    for name in [
        "tokensIssued",
        "refreshCalls",
        "requests",
        "authorized",
        "unauthorized",
        "scopeRequests",
        "openRequests",
        "openWithAuthorization",
        "generation",
        "maxSendsPerRequestId",
        "distinctRequestIds",
        "tokenCalls",
        "chaos401",
        "chaos500",
        "chaosDropped",
        "chaosActive",
        "sessionsOpened",
        "rotations",
        "reuseTolerated",
        "reuseDetected",
        "sessionsRevoked",
        "invalidGrants",
        "lastAuthScheme",
        "authSchemes",
        "dpop",
    ] {
        assert!(seen.get(name).is_some(), "{name} missing from {seen}");
    }
    assert_eq!(seen.as_object().unwrap().len(), 25, "{seen}");
    let dpop = &seen["dpop"];
    for name in ["enabled", "proofs", "accepted", "refused", "nonceChallenges", "boundTokensIssued"] {
        assert!(dpop.get(name).is_some(), "dpop.{name} missing from {seen}");
    }
}
