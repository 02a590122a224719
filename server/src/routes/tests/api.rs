//! `/api/*`: the gate's verdicts, any-lifetime tokens, what the protected echo reports, schemes.

use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use serde_json::json;

use super::{app, call, stats, token};
use crate::clock::now_secs;
use crate::tokens::TokenKeys;

#[tokio::test]
async fn mint_use_revoke() {
    let app = app();
    let t = token(&app, "ns=t1").await;
    let auth = format!("Bearer {t}");
    let (status, _, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ns"], "t1");
    assert_eq!(body["sub"], "user-t1");

    let (_, _, body) = call(&app, "POST", "/control/revoke?ns=t1", &[]).await;
    assert_eq!(body["generation"], 1);
    let (status, headers, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], r#"Bearer error="invalid_token""#);
    assert_eq!(body, json!({"error": "invalid_token", "reason": "revoked"}));

    let fresh = format!("Bearer {}", token(&app, "ns=t1").await);
    let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &fresh)]).await;
    assert_eq!(status, StatusCode::OK);

    let seen = stats(&app, "t1").await;
    assert_eq!(seen["tokensIssued"], 2);
    assert_eq!(seen["requests"], 3);
    assert_eq!(seen["authorized"], 2);
    assert_eq!(seen["unauthorized"], 1);
    assert_eq!(seen["generation"], 1);
    // Namespaces are isolated.
    assert_eq!(stats(&app, "t2").await["requests"], 0);
}

#[tokio::test]
async fn delayed_request_keeps_its_arrival_verdict() {
    let app = app();
    let auth = format!("Bearer {}", token(&app, "ns=d").await);
    let started = Instant::now();
    let auth_header = [("authorization", auth.as_str())];
    let slow = call(&app, "GET", "/api/me?delay=300", &auth_header);
    let revoke = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        call(&app, "POST", "/control/revoke?ns=d", &[]).await
    };
    let ((status, _, _), _) = tokio::join!(slow, revoke);
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let (status, _, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "revoked");
}

#[tokio::test]
async fn rejection_reasons() {
    let app = app();
    let expired = format!("Bearer {}", token(&app, "ns=r&ttl=0").await);
    let foreign = TokenKeys::from_secret(b"other").mint("r", 0, 60, now_secs(), None).expect("mint");
    let foreign = format!("Bearer {foreign}");
    for (auth, reason) in [
        (None, "missing"),
        (Some("Bearer not-a-jwt"), "malformed"),
        (Some("Basic abc"), "malformed"),
        (Some(expired.as_str()), "expired"),
        (Some(foreign.as_str()), "bad_signature"),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let (status, _, body) = call(&app, "GET", "/api/me?ns=r", &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(body["reason"], reason);
    }
    assert_eq!(stats(&app, "r").await["unauthorized"], 5);
}

#[tokio::test]
async fn short_lived_tokens_work_until_their_exp() {
    let app = app();
    let (_, _, body) = call(&app, "POST", "/auth/token?ns=short&ttl=2", &[]).await;
    assert_eq!(body["expires_in"], 2);
    let auth = format!("Bearer {}", body["access_token"].as_str().unwrap());
    let (status, _, me) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::OK);
    let iat = me["iat"].as_i64().expect("iat");
    assert_eq!(me["exp"].as_i64(), Some(iat + 2));
    assert!((now_secs() - iat).abs() <= 1);
}

#[tokio::test]
async fn echo_reports_the_authorization_it_received() {
    let app = app();
    let t = token(&app, "ns=e").await;
    let auth = format!("Bearer {t}");
    for _ in 0..2 {
        let (status, _, body) = call(
            &app,
            "DELETE",
            "/api/echo?a=1",
            &[("authorization", &auth), ("x-request-id", "r1"), ("cookie", "c=1")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["method"], "DELETE");
        assert_eq!(body["query"], "a=1");
        assert_eq!(body["requestId"], "r1");
        assert_eq!(body["hasAuthorization"], true);
        assert_eq!(body["authScheme"], "Bearer");
        assert_eq!(body["authorization"], auth.as_str());
        assert!(body["headers"].get("authorization").is_none());
        assert!(body["headers"].get("cookie").is_none());
    }
    let seen = stats(&app, "e").await;
    assert_eq!(seen["maxSendsPerRequestId"], 2);
    assert_eq!(seen["distinctRequestIds"], 1);
    assert_eq!(seen["lastAuthScheme"], "Bearer");
}

#[tokio::test]
async fn a_route_may_expect_another_scheme() {
    let app = app();
    let t = token(&app, "ns=scheme").await;
    let as_token = format!("Token {t}");
    let as_bearer = format!("Bearer {t}");

    // `?scheme=Token`: that scheme passes, Bearer does not (a client ignoring authScheme fails).
    let (status, _, body) = call(&app, "POST", "/api/echo?scheme=Token", &[("authorization", &as_token)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["authScheme"], "Token");
    assert_eq!(body["authorization"], as_token.as_str());
    let (status, _, body) = call(&app, "GET", "/api/me?scheme=Token&ns=scheme", &[("authorization", &as_bearer)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "malformed");
    // A refused token's request counts for `?ns=`, its own namespace being unknown.
    let (status, _, _) = call(&app, "GET", "/api/me?ns=scheme", &[("authorization", &as_token)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "Bearer is the default");

    // The server notes what it saw, per scheme and last.
    let seen = stats(&app, "scheme").await;
    assert_eq!(seen["lastAuthScheme"], "Token");
    assert_eq!(seen["authSchemes"], json!({"Bearer": 1, "Token": 2}));
    let (status, _, body) = call(&app, "GET", "/api/me?scheme=a%20b", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("scheme"));
}

#[tokio::test]
async fn scope_is_never_a_token_problem() {
    let app = app();
    let (status, headers, _) = call(&app, "GET", "/api/scope?ns=sc", &[("authorization", "Token x")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], r#"Bearer error="insufficient_scope", scope="admin""#);
    let seen = stats(&app, "sc").await;
    assert_eq!(seen["scopeRequests"], 1);
    assert_eq!(seen["lastAuthScheme"], "Token");
    assert_eq!(seen["requests"], 0);
}
