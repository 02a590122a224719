//! Tests of the HTTP surface: requests through the whole router without a socket (tower
//! `oneshot`), one file per group of routes, and the helpers they share.

mod api;
mod auth;
mod control;
mod cors;
mod dpop;
mod oauth;
mod open;

use axum::body::Body;
use axum::http::header::{self, HeaderMap};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

use super::router;
use crate::state::AppState;
use crate::tokens::TokenKeys;

pub const SECRET: &[u8] = b"test-secret";

/// The application with a fixed key and a 20 s default token lifetime.
pub fn app() -> Router {
    router(AppState::new(TokenKeys::from_secret(SECRET), 20), None)
}

/// Sends a request and returns the raw response.
pub async fn send(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.clone().oneshot(req.body(body.into()).expect("request")).await.expect("infallible")
}

/// Sends a request with `body`; the answer's status, headers and JSON body (`Null` if not JSON).
pub async fn call_with(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> (StatusCode, HeaderMap, Value) {
    let res = send(app, method, uri, headers, body).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

/// [`call_with`] without a body.
pub async fn call(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Value) {
    call_with(app, method, uri, headers, Body::empty()).await
}

/// A token from `POST /auth/token?{query}`.
pub async fn token(app: &Router, query: &str) -> String {
    let (status, _, body) = call(app, "POST", &format!("/auth/token?{query}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    body["access_token"].as_str().expect("token").to_owned()
}

/// The namespace's `/control/stats`.
pub async fn stats(app: &Router, ns: &str) -> Value {
    call(app, "GET", &format!("/control/stats?ns={ns}"), &[]).await.2
}

/// The `name=value` pair a `Set-Cookie` header sets, ready to send back as `Cookie`.
pub fn cookie_pair(headers: &HeaderMap) -> String {
    let set_cookie = headers[header::SET_COOKIE].to_str().expect("ascii");
    set_cookie.split(';').next().expect("pair").to_owned()
}
