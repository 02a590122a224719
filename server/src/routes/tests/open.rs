//! Open routes: what the open echo reports, redirects.

use axum::http::{header, StatusCode};
use serde_json::Value;

use super::{app, call, call_with, stats};

#[tokio::test]
async fn open_echo_reports_the_authorization_it_received() {
    let app = app();
    let (status, _, body) = call_with(
        &app,
        "POST",
        "/open/echo?ns=oe",
        &[("authorization", "Token abc.def"), ("content-type", "text/plain")],
        "hi",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["hasAuthorization"], true);
    assert_eq!(body["authScheme"], "Token");
    assert_eq!(body["authorization"], "Token abc.def");
    assert_eq!(body["contentType"], "text/plain");
    assert_eq!(body["bodyBase64"], "aGk=");
    assert!(body["headers"].get("authorization").is_none());

    let (_, _, body) = call(&app, "GET", "/open/echo?ns=oe", &[]).await;
    assert_eq!(body["hasAuthorization"], false);
    assert_eq!(body["authScheme"], Value::Null);
    assert_eq!(body["authorization"], Value::Null);

    let seen = stats(&app, "oe").await;
    assert_eq!(seen["openRequests"], 2);
    assert_eq!(seen["openWithAuthorization"], 1);
    // Open routes are not protected ones: they leave the scheme stats alone.
    assert_eq!(seen["lastAuthScheme"], Value::Null);
}

#[tokio::test]
async fn redirects() {
    let app = app();
    let (status, headers, _) = call(&app, "GET", "/redirect?to=/health&status=302", &[]).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], "/health");
    let (status, headers, _) = call(&app, "POST", "/redirect?to=/x", &[]).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(headers[header::LOCATION], "/x");
    for (query, names) in [("status=999&to=x", "status"), ("status=301", "to")] {
        let (status, _, body) = call(&app, "GET", &format!("/redirect?{query}"), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "bad_request");
        assert!(body["detail"].as_str().unwrap().contains(names), "{query}");
    }
}
