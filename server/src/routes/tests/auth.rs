//! `/auth/*`: login, the rotating session cookie, reuse detection, token lifetimes.

use axum::http::{header, StatusCode};
use axum::Router;
use serde_json::Value;

use super::{app, call, cookie_pair, stats};
use crate::clock::now_secs;

/// `/api/me` with `access_token` from `body`: status and claims.
async fn me(app: &Router, body: &Value) -> (StatusCode, Value) {
    let auth = format!("Bearer {}", body["access_token"].as_str().expect("token"));
    let (status, _, me) = call(app, "GET", "/api/me", &[("authorization", &auth)]).await;
    (status, me)
}

#[tokio::test]
async fn login_refresh_fault_logout() {
    let app = app();
    let (status, headers, body) = call(&app, "POST", "/auth/login?ns=s&ttl=5", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let set_cookie = headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(set_cookie.contains("HttpOnly; Path=/; SameSite=Lax"));
    assert!(body.get("refresh_token").is_none(), "page scripts never see it");
    let cookie = cookie_pair(&headers);

    let (status, headers, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["expires_in"], 5);
    assert!(body.get("refresh_token").is_none());
    let cookie = cookie_pair(&headers);

    call(&app, "POST", "/control/refresh-fail?ns=s&seconds=30", &[]).await;
    let (status, _, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "refresh_unavailable");
    call(&app, "POST", "/control/refresh-fail?ns=s&seconds=0", &[]).await;

    let (_, headers, body) = call(&app, "POST", "/auth/logout", &[("cookie", &cookie)]).await;
    assert_eq!(body["hadSession"], true);
    assert!(headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let (status, _, body) = call(&app, "POST", "/auth/refresh?ns=s", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "no_session");
    let (status, _, body) = call(&app, "POST", "/auth/refresh?ns=s", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "no_session");

    let seen = stats(&app, "s").await;
    assert_eq!(seen["refreshCalls"], 4);
    assert_eq!(seen["sessionsOpened"], 1);
    assert_eq!(seen["rotations"], 1);
    // A missing or logged-out session is not an invalid grant.
    assert_eq!(seen["invalidGrants"], 0);
}

#[tokio::test]
async fn cookie_refresh_rotates_and_reuse_revokes_the_session() {
    let app = app();
    let (_, headers, _) = call(&app, "POST", "/auth/login?ns=rot&ttl=60", &[]).await;
    let c0 = cookie_pair(&headers);
    let (status, headers, first) = call(&app, "POST", "/auth/refresh", &[("cookie", &c0)]).await;
    assert_eq!(status, StatusCode::OK);
    let c1 = cookie_pair(&headers);
    assert_ne!(c1, c0, "the cookie is rotated");
    assert!(c1.starts_with("tf_session="));
    let (status, headers, _) = call(&app, "POST", "/auth/refresh", &[("cookie", &c1)]).await;
    assert_eq!(status, StatusCode::OK);
    let c2 = cookie_pair(&headers);

    // c1 again (a stolen copy, or a lost answer): reuse. 401 invalid_grant, session revoked.
    let (status, headers, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &c1)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_grant");
    assert!(headers.get(header::SET_COOKIE).is_none());
    // The newest cookie dies with it.
    let (status, _, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &c2)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_grant");
    // Access tokens already issued stay valid until they expire.
    assert_eq!(me(&app, &first).await.0, StatusCode::OK);

    let seen = stats(&app, "rot").await;
    assert_eq!(seen["refreshCalls"], 4);
    assert_eq!(seen["rotations"], 2);
    assert_eq!(seen["reuseDetected"], 1);
    assert_eq!(seen["sessionsRevoked"], 1);
    assert_eq!(seen["invalidGrants"], 2);
    assert_eq!(seen["tokensIssued"], 3);
}

#[tokio::test]
async fn reuse_within_the_interval_gets_the_current_cookie() {
    let app = app();
    let (_, headers, _) = call(&app, "POST", "/auth/login?ns=grace&reuseInterval=30", &[]).await;
    let c0 = cookie_pair(&headers);
    let (_, headers, _) = call(&app, "POST", "/auth/refresh", &[("cookie", &c0)]).await;
    let c1 = cookie_pair(&headers);
    // Two tabs raced with c0: the late one gets c1 too, and the session lives on.
    let (status, headers, _) = call(&app, "POST", "/auth/refresh", &[("cookie", &c0)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cookie_pair(&headers), c1);
    let (status, _, _) = call(&app, "POST", "/auth/refresh", &[("cookie", &c1)]).await;
    assert_eq!(status, StatusCode::OK);
    let seen = stats(&app, "grace").await;
    assert_eq!((seen["rotations"].clone(), seen["reuseTolerated"].clone()), (2.into(), 1.into()));
    assert_eq!(seen["sessionsRevoked"], 0);
}

#[tokio::test]
async fn tokens_of_any_lifetime() {
    let app = app();
    // /auth/token, /auth/login and /auth/refresh all take ?ttl; iat is always the issue time.
    for ttl in [2, 8] {
        let (_, _, body) = call(&app, "POST", &format!("/auth/token?ns=life&ttl={ttl}"), &[]).await;
        assert_eq!(body["expires_in"], ttl);
        let (status, claims) = me(&app, &body).await;
        assert_eq!(status, StatusCode::OK);
        let iat = claims["iat"].as_i64().expect("iat");
        assert!((now_secs() - iat).abs() <= 1);
        assert_eq!(claims["exp"].as_i64(), Some(iat + ttl));
    }
    let (_, headers, body) = call(&app, "POST", "/auth/login?ns=life&ttl=300", &[]).await;
    assert_eq!(body["expires_in"], 300);
    let cookie = cookie_pair(&headers);
    let (_, headers, body) = call(&app, "POST", "/auth/refresh?ttl=8", &[("cookie", &cookie)]).await;
    assert_eq!(body["expires_in"], 8);
    let (_, claims) = me(&app, &body).await;
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 8);
    // Already expired, on request.
    let cookie = cookie_pair(&headers);
    let (_, headers, body) = call(&app, "POST", "/auth/refresh?ttl=-5", &[("cookie", &cookie)]).await;
    assert_eq!(body["expires_in"], -5);
    let (status, refused) = me(&app, &body).await;
    assert_eq!((status, refused["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("expired")));
    // Without ?ttl, the session's lifetime again.
    let cookie = cookie_pair(&headers);
    let (_, _, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
    assert_eq!(body["expires_in"], 300);
}

#[tokio::test]
async fn bad_login_parameters_are_named() {
    let app = app();
    for (query, name) in [
        ("ttl=soon", "ttl"),
        ("ttl=99999999999", "ttl"),
        ("reuseInterval=-1", "reuseInterval"),
        ("reuseInterval=x", "reuseInterval"),
    ] {
        let (status, headers, body) = call(&app, "POST", &format!("/auth/login?ns=bad&{query}"), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body["detail"].as_str().unwrap().contains(name), "{query}: {body}");
        assert!(headers.get(header::SET_COOKIE).is_none());
    }
    let (status, _, body) = call(&app, "POST", "/auth/refresh?ttl=x", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("ttl"));
    assert_eq!(stats(&app, "bad").await["sessionsOpened"], 0);
}
