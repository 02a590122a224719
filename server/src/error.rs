//! The JSON error answer that handlers return through `?`.

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
    pub www_authenticate: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, body: Value) -> Self {
        Self { status, body, www_authenticate: None }
    }

    /// `401` with `WWW-Authenticate: Bearer error="invalid_token"`.
    pub fn invalid_token(body: Value) -> Self {
        Self { www_authenticate: Some(r#"Bearer error="invalid_token""#), ..Self::new(StatusCode::UNAUTHORIZED, body) }
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
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
        }
        response
    }
}
