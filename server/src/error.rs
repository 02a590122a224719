//! The JSON error answer that handlers return through `?`.

use std::borrow::Cow;

use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// A JSON error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub www_authenticate: Option<Cow<'static, str>>,
}

impl ApiError {
    pub fn new(status: StatusCode, body: Value) -> Self {
        Self { status, body, www_authenticate: None }
    }

    /// `401` with `WWW-Authenticate: Bearer error="invalid_token"`.
    pub fn invalid_token(body: Value) -> Self {
        Self {
            www_authenticate: Some(r#"Bearer error="invalid_token""#.into()),
            ..Self::new(StatusCode::UNAUTHORIZED, body)
        }
    }

    /// `401` with a DPoP challenge (RFC 9449 §7.1):
    /// `DPoP error="…", error_description="…", algs="…"`. `description` must need no escaping.
    pub fn dpop_challenge(error: &str, description: &str, algs: &str, body: Value) -> Self {
        let challenge = format!(r#"DPoP error="{error}", error_description="{description}", algs="{algs}""#);
        Self { www_authenticate: Some(challenge.into()), ..Self::new(StatusCode::UNAUTHORIZED, body) }
    }

    /// `400 {"error":"bad_request","detail":...}`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, json!({"error": "bad_request", "detail": detail.into()}))
    }

    /// An OAuth 2.0 error (RFC 6749 §5.2): `{"error":code,"error_description":...}`.
    pub fn oauth(status: StatusCode, code: &str, description: impl Into<String>) -> Self {
        Self::new(status, json!({"error": code, "error_description": description.into()}))
    }

    /// `503 {"error":"refresh_unavailable"}`: a refresh endpoint that is down on purpose.
    pub fn refresh_unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, json!({"error": "refresh_unavailable"}))
    }

    /// `500 {"error":"internal"}`.
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "internal"}))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(value) = self.www_authenticate {
            let value = match value {
                Cow::Borrowed(s) => Ok(HeaderValue::from_static(s)),
                Cow::Owned(s) => HeaderValue::from_str(&s),
            };
            if let Ok(value) = value {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}
