//! CORS for every response: the request's `Origin` is echoed with credentials allowed,
//! and any `OPTIONS` request is answered here as a preflight: it allows the request headers
//! asked for (`Authorization` and `DPoP` among them), and pages may read `WWW-Authenticate` and
//! `DPoP-Nonce`, which the DPoP nonce retry needs.

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD";
const EXPOSE_HEADERS: &str = "WWW-Authenticate, DPoP-Nonce, Date, Content-Type, X-Request-Id";
/// Allowed when a preflight names none (the ones tokenfetch sends beside the safelisted).
const ALLOW_HEADERS: &str = "Authorization, Content-Type, DPoP, X-Request-Id";

/// Middleware (for `axum::middleware::from_fn`).
pub async fn cors(request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let request_id = request.headers().get("x-request-id").cloned();

    let mut response = if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let asked = request.headers();
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
        let allow = asked.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow.unwrap_or(HeaderValue::from_static(ALLOW_HEADERS)));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        if asked.get("access-control-request-private-network").is_some_and(|v| v == "true") {
            h.insert("access-control-allow-private-network", HeaderValue::from_static("true"));
        }
        response
    } else {
        next.run(request).await
    };

    let h = response.headers_mut();
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    if let Some(id) = request_id {
        h.entry("x-request-id").or_insert(id);
    }
    response
}
