//! `/oauth/*`: refresh grants that rotate, reuse that revokes the session, bad requests.

use axum::http::{header, StatusCode};
use axum::Router;
use serde_json::{json, Value};

use super::{app, call, call_with, stats};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// `POST /oauth/token{query}` with a refresh grant for `refresh_token`, form-encoded.
async fn grant(app: &Router, query: &str, refresh_token: &str) -> (StatusCode, Value) {
    let body = format!("grant_type=refresh_token&refresh_token={refresh_token}");
    let (status, _, body) = call_with(app, "POST", &format!("/oauth/token{query}"), &[FORM], body).await;
    (status, body)
}

async fn login(app: &Router, query: &str) -> Value {
    let (status, headers, body) = call(app, "POST", &format!("/oauth/login?{query}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::SET_COOKIE).is_none());
    body
}

fn refresh_token(body: &Value) -> String {
    body["refresh_token"].as_str().expect("refresh_token").to_owned()
}

#[tokio::test]
async fn refresh_grants_rotate_and_reuse_revokes_the_session() {
    let app = app();
    let opened = login(&app, "ns=o&ttl=8").await;
    assert_eq!(opened["token_type"], "Bearer");
    assert_eq!(opened["expires_in"], 8);
    let r0 = refresh_token(&opened);

    let (status, first) = grant(&app, "", &r0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 8);
    assert!(first["access_token"].as_str().is_some_and(|t| t.split('.').count() == 3));
    let r1 = refresh_token(&first);
    assert_ne!(r1, r0);
    let (status, second) = grant(&app, "", &r1).await;
    assert_eq!(status, StatusCode::OK);
    let r2 = refresh_token(&second);

    // r0 again: reuse. 400 invalid_grant, and the whole family is revoked, r2 included.
    let (status, body) = grant(&app, "", &r0).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].as_str().unwrap().contains("reuse"));
    let (status, body) = grant(&app, "", &r2).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Another session of the namespace is untouched.
    let other = refresh_token(&login(&app, "ns=o").await);
    assert_eq!(grant(&app, "", &other).await.0, StatusCode::OK);

    let seen = stats(&app, "o").await;
    assert_eq!(seen["sessionsOpened"], 2);
    assert_eq!(seen["rotations"], 3);
    assert_eq!(seen["reuseDetected"], 1);
    assert_eq!(seen["sessionsRevoked"], 1);
    assert_eq!(seen["invalidGrants"], 2);
    assert_eq!(seen["refreshCalls"], 5);
    assert_eq!(seen["tokensIssued"], 5);
}

#[tokio::test]
async fn racing_grants_with_one_token_revoke_the_session_unless_tolerated() {
    let app = app();
    for (query, tolerated) in [("ns=race", false), ("ns=race-ok&reuseInterval=5", true)] {
        let r0 = refresh_token(&login(&app, query).await);
        // Both arrive before either is answered (the delay holds them), as from two tabs.
        let (a, b) = tokio::join!(grant(&app, "?delay=50", &r0), grant(&app, "?delay=50", &r0));
        let statuses = [a.0, b.0];
        if tolerated {
            assert_eq!(statuses, [StatusCode::OK; 2]);
            assert_eq!(refresh_token(&a.1), refresh_token(&b.1), "both get the current token");
        } else {
            assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
            assert!(statuses.contains(&StatusCode::BAD_REQUEST), "{statuses:?}");
            let winner = if a.0 == StatusCode::OK { a.1 } else { b.1 };
            assert_eq!(grant(&app, "", &refresh_token(&winner)).await.0, StatusCode::BAD_REQUEST);
        }
    }
}

#[tokio::test]
async fn json_bodies_and_any_lifetime() {
    let app = app();
    let r0 = refresh_token(&login(&app, "ns=j&ttl=600").await);
    let body = json!({"grant_type": "refresh_token", "refresh_token": r0, "client_id": "x"});
    let (status, _, granted) =
        call_with(&app, "POST", "/oauth/token?ttl=2", &[("content-type", "application/json")], body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    assert_eq!(granted["expires_in"], 2);
    let auth = format!("Bearer {}", granted["access_token"].as_str().unwrap());
    let (status, _, me) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["exp"].as_i64().unwrap() - me["iat"].as_i64().unwrap(), 2);
    // A negative ttl: expired on arrival.
    let (_, expired) = grant(&app, "?ttl=-1", &refresh_token(&granted)).await;
    assert_eq!(expired["expires_in"], -1);
    let auth = format!("Bearer {}", expired["access_token"].as_str().unwrap());
    let (_, _, me) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
    assert_eq!(me["reason"], "expired");
}

#[tokio::test]
async fn bad_token_requests_say_what_is_wrong() {
    let app = app();
    let r0 = refresh_token(&login(&app, "ns=bad").await);
    let json_type = ("content-type", "application/json");
    for (headers, body, error, names) in [
        (FORM, String::new(), "invalid_request", "grant_type"),
        (FORM, "grant_type=password&username=a".into(), "unsupported_grant_type", "password"),
        (FORM, "grant_type=refresh_token".into(), "invalid_request", "refresh_token"),
        (FORM, "grant_type=refresh_token&refresh_token=".into(), "invalid_request", "refresh_token"),
        (
            FORM,
            format!("grant_type=refresh_token&refresh_token={r0}&refresh_token={r0}"),
            "invalid_request",
            "more than once",
        ),
        (json_type, "[1]".into(), "invalid_request", "JSON"),
        (json_type, "{".into(), "invalid_request", "JSON"),
        (FORM, "grant_type=refresh_token&refresh_token=nope".into(), "invalid_grant", "unknown"),
    ] {
        let (status, _, answer) = call_with(&app, "POST", "/oauth/token?ns=bad", &[headers], body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["error"], error, "{body}");
        assert!(answer["error_description"].as_str().unwrap().contains(names), "{body}: {answer}");
    }
    let (status, answer) = grant(&app, "?ttl=x", &r0).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["detail"].as_str().unwrap().contains("ttl"));
    // None of that spent the session's token.
    assert_eq!(grant(&app, "", &r0).await.0, StatusCode::OK);
    assert_eq!(stats(&app, "bad").await["invalidGrants"], 1);
}

#[tokio::test]
async fn a_broken_or_chaotic_endpoint_spends_nothing() {
    let app = app();
    let r0 = refresh_token(&login(&app, "ns=down").await);
    call(&app, "POST", "/control/refresh-fail?ns=down&seconds=30", &[]).await;
    let (status, body) = grant(&app, "", &r0).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("refresh_unavailable")));
    call(&app, "POST", "/control/refresh-fail?ns=down&seconds=0", &[]).await;
    call(&app, "POST", "/control/chaos?ns=down&seconds=30&refresh=fail", &[]).await;
    assert_eq!(grant(&app, "", &r0).await.0, StatusCode::SERVICE_UNAVAILABLE);
    call(&app, "POST", "/control/chaos?ns=down&seconds=0", &[]).await;
    let (status, _) = grant(&app, "", &r0).await;
    assert_eq!(status, StatusCode::OK, "the token survived both outages");
    let seen = stats(&app, "down").await;
    assert_eq!((seen["refreshCalls"].clone(), seen["rotations"].clone()), (3.into(), 1.into()));
}
