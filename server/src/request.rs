//! Request parsing helpers (query parameters, bearer token, cookie) and the JSON error type.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::Query;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::chaos::DropMode;

/// Longest namespace accepted.
const MAX_NS_LEN: usize = 128;
/// Longest `delay`/`ms` accepted (10 minutes).
pub const MAX_DELAY_MS: u64 = 600_000;
/// Tokens may not live longer than this (one year), nor be older.
const MAX_TTL: i64 = 365 * 24 * 3600;

/// A JSON error response; handlers return it through `?`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub www_authenticate: Option<&'static str>,
    /// Chaos: instead of this answer, cut the connection.
    pub drop: Option<DropMode>,
}

impl ApiError {
    pub fn new(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            www_authenticate: None,
            drop: None,
        }
    }

    /// `401 invalid_token` with `WWW-Authenticate: Bearer error="invalid_token"`.
    pub fn invalid_token(body: Value) -> Self {
        Self {
            www_authenticate: Some(r#"Bearer error="invalid_token""#),
            ..Self::new(StatusCode::UNAUTHORIZED, body)
        }
    }

    /// No answer at all: the connection is cut (chaos mode).
    pub fn dropped(mode: DropMode) -> Self {
        Self {
            drop: Some(mode),
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, Value::Null)
        }
    }

    /// `400 {"error":"bad_request","detail":...}`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            json!({"error": "bad_request", "detail": detail.into()}),
        )
    }

    /// `500 {"error":"internal"}`.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal"}),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(mode) = self.drop {
            return mode.response();
        }
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(value) = self.www_authenticate {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
        }
        response
    }
}

/// Query parameters of a request, with typed accessors that fail with a 400.
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn from_uri(uri: &Uri) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::try_from_uri(uri)
            .map(|Query(map)| Params(map))
            .map_err(|_| ApiError::bad_request("invalid query string"))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `?ns=`, validated, if given and non-empty.
    pub fn ns(&self) -> Result<Option<String>, ApiError> {
        match self.get("ns") {
            None | Some("") => Ok(None),
            Some(ns) if ns.len() > MAX_NS_LEN => Err(ApiError::bad_request(format!(
                "ns longer than {MAX_NS_LEN} bytes"
            ))),
            Some(ns) => Ok(Some(ns.to_owned())),
        }
    }

    /// `?ns=` or `"default"`.
    pub fn ns_or_default(&self) -> Result<String, ApiError> {
        Ok(self.ns()?.unwrap_or_else(|| "default".to_owned()))
    }

    /// Names of all parameters given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Parameter `name` parsed as `T`; absent or empty is `None`, unparsable a 400 naming it.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(raw) => raw
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("invalid {name}: {raw:?}"))),
        }
    }

    /// A millisecond duration parameter (`delay`, `ms`), 0 when absent.
    pub fn millis(&self, name: &str) -> Result<Duration, ApiError> {
        let ms: u64 = self.parse(name)?.unwrap_or(0);
        if ms > MAX_DELAY_MS {
            return Err(ApiError::bad_request(format!(
                "{name} above {MAX_DELAY_MS} ms"
            )));
        }
        Ok(Duration::from_millis(ms))
    }

    /// `?ttl=` in seconds (may be zero or negative), else `default`.
    pub fn ttl(&self, default: i64) -> Result<i64, ApiError> {
        let ttl: i64 = self.parse("ttl")?.unwrap_or(default);
        if !(-MAX_TTL..=MAX_TTL).contains(&ttl) {
            return Err(ApiError::bad_request("ttl out of range"));
        }
        Ok(ttl)
    }

    /// `?seconds=` (fractional allowed, 0..=86400), 0 when absent.
    pub fn seconds(&self) -> Result<Duration, ApiError> {
        let secs: f64 = self.parse("seconds")?.unwrap_or(0.0);
        if !(0.0..=86_400.0).contains(&secs) {
            return Err(ApiError::bad_request("seconds must be within 0..=86400"));
        }
        Duration::try_from_secs_f64(secs).map_err(|_| ApiError::bad_request("invalid seconds"))
    }

    /// `?status=` for redirects: 301, 302, 303, 307 (default) or 308.
    pub fn redirect_status(&self) -> Result<StatusCode, ApiError> {
        let code: u16 = self.parse("status")?.unwrap_or(307);
        match code {
            301 | 302 | 303 | 307 | 308 => {
                StatusCode::from_u16(code).map_err(|_| ApiError::bad_request("invalid status"))
            }
            _ => Err(ApiError::bad_request(
                "status must be 301, 302, 303, 307 or 308",
            )),
        }
    }
}

/// What the `Authorization` header holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Bearer<'a> {
    Missing,
    /// Present but not `Bearer <token>`.
    Malformed,
    Token(&'a str),
}

pub fn bearer(headers: &HeaderMap) -> Bearer<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Bearer::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Bearer::Malformed;
    };
    let value = value.trim();
    match value.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() || token.contains(char::is_whitespace) {
                Bearer::Malformed
            } else {
                Bearer::Token(token)
            }
        }
        _ => Bearer::Malformed,
    }
}

/// Value of cookie `name` in the request's `Cookie` header(s).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// `X-Request-Id`, if present and readable.
pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(&headers(&[])), Bearer::Missing);
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer abc")])),
            Bearer::Token("abc")
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "bEaReR  abc ")])),
            Bearer::Token("abc")
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "Basic abc")])),
            Bearer::Malformed
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer")])),
            Bearer::Malformed
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer a b")])),
            Bearer::Malformed
        );
    }

    #[test]
    fn cookie_parsing() {
        let h = headers(&[("cookie", "a=1; tf_session=xyz"), ("cookie", "b=2")]);
        assert_eq!(cookie(&h, "tf_session"), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn params_validation() {
        let p = Params::from_uri(
            &"/x?ttl=-5&delay=abc&status=302&seconds=1.5"
                .parse()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(p.ttl(20).unwrap(), -5);
        assert!(p.millis("delay").is_err());
        assert_eq!(p.millis("ms").unwrap(), Duration::ZERO);
        assert_eq!(p.redirect_status().unwrap(), StatusCode::FOUND);
        assert_eq!(p.seconds().unwrap(), Duration::from_millis(1500));
        assert_eq!(p.ns_or_default().unwrap(), "default");
        let p = Params::from_uri(&"/x?status=200&seconds=-1&ttl=1e9".parse().unwrap()).unwrap();
        assert!(p.redirect_status().is_err());
        assert!(p.seconds().is_err());
        assert!(p.ttl(20).is_err());
    }
}
