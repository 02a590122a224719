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
