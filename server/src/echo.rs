//! The report both echo routes (`/api/echo`, `/open/echo`) answer with: the request as the
//! server received it, so that tests assert on what was sent, not on what the client meant.

use axum::extract::rejection::BytesRejection;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, Uri};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::headers::{authorization, scheme_of};

/// Everything an echo route reports about the request.
///
/// `Authorization` is reported on its own (`hasAuthorization`, `authScheme`, `authorization`)
/// rather than in `headers`; `Cookie` is not reported at all (it may hold a refresh token).
pub fn report(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    let mut header_map = Map::new();
    for name in headers.keys() {
        if name == header::AUTHORIZATION || name == header::COOKIE {
            continue;
        }
        let values: Vec<String> =
            headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
        header_map.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    let text = |name| headers.get(name).map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let authorization = authorization(headers);
    let mut out = Map::new();
    out.insert("method".into(), method.as_str().into());
    out.insert("path".into(), uri.path().into());
    out.insert("query".into(), uri.query().unwrap_or("").into());
    out.insert("contentType".into(), text(header::CONTENT_TYPE.as_str()).into());
    out.insert("bodyLength".into(), body.len().into());
    out.insert("bodyBase64".into(), BASE64.encode(body).into());
    out.insert("requestId".into(), text("x-request-id").into());
    out.insert("hasAuthorization".into(), authorization.is_some().into());
    out.insert("authScheme".into(), authorization.as_deref().map(scheme_of).into());
    out.insert("authorization".into(), authorization.as_deref().into());
    out.insert("headers".into(), Value::Object(header_map));
    out
}

/// A body that could not be read (too large, cut off): 4xx naming the problem.
pub fn body_error(rejection: BytesRejection) -> ApiError {
    ApiError::new(rejection.status(), json!({"error": "bad_body", "detail": rejection.body_text()}))
}
