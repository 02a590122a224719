//! CORS on every answer, preflights, the JSON 404.

use axum::http::{header, StatusCode};

use super::{app, call};

#[tokio::test]
async fn cors_and_preflight() {
    let app = app();
    let (status, headers, _) = call(
        &app,
        "OPTIONS",
        "/oauth/token",
        &[("origin", "null"), ("access-control-request-headers", "content-type")],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers["access-control-allow-origin"], "null");
    assert_eq!(headers["access-control-allow-headers"], "content-type");
    assert_eq!(headers["access-control-allow-credentials"], "true");

    // The second origin's DPoP requests: the DPoP header may be sent, the nonce and the
    // challenge read.
    let asked = [("origin", "http://127.0.0.1:8788"), ("access-control-request-headers", "authorization,dpop")];
    let (status, headers, _) = call(&app, "OPTIONS", "/api/me", &asked).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers["access-control-allow-headers"], "authorization,dpop");
    let (_, headers, _) = call(&app, "OPTIONS", "/api/me", &[("origin", "http://127.0.0.1:8788")]).await;
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("DPoP"));
    let (_, headers, _) = call(&app, "GET", "/api/me", &[("origin", "http://127.0.0.1:8788")]).await;
    let exposed = headers["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("DPoP-Nonce") && exposed.contains("WWW-Authenticate"), "{exposed}");

    let (status, headers, _) = call(&app, "GET", "/nope", &[("origin", "http://127.0.0.1:9")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["access-control-allow-origin"], "http://127.0.0.1:9");
    assert_eq!(headers["vary"], "Origin");

    // Answers of the new routes carry CORS headers too, errors included.
    let (status, headers, _) = call(&app, "POST", "/oauth/token", &[("origin", "http://127.0.0.1:9")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers["access-control-allow-origin"], "http://127.0.0.1:9");

    let (_, headers, _) = call(&app, "GET", "/redirect?to=/health&status=302", &[]).await;
    assert_eq!(headers[header::LOCATION], "/health");
    assert!(headers.get("access-control-allow-origin").is_none());
}
