//! `/oauth/*`: an OAuth 2.0 style token endpoint with refresh-token rotation, for clients that
//! hold the refresh token themselves (as auth0-spa-js and oidc-client-ts do).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use serde_json::{Map, Value};

use super::grant::{self, Channel};
use crate::binding::TokenRequest;
use crate::dpop::target::Target;
use crate::echo::body_error;
use crate::error::ApiError;
use crate::params::Params;
use crate::scope::Scope;
use crate::state::AppState;

/// `POST /oauth/login?ns&ttl&reuseInterval&dpop_jkt&bearer`: opens a session and answers
/// `{access_token, token_type, expires_in, refresh_token}` (no cookie).
pub async fn login(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
) -> Result<Json<Map<String, Value>>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let target = Target::of(&method, &uri, &headers);
    let request = TokenRequest { target: &target, headers: &headers, params: &params };
    let (mut body, refresh_token) = grant::login(&state, &request, &scope)?;
    body.insert("refresh_token".into(), refresh_token.into());
    Ok(Json(body))
}

fn invalid_request(description: impl Into<String>) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// The fields of a token request: a form body (RFC 6749), or a JSON object (as auth0-spa-js
/// sends). A field given twice is refused, as RFC 6749 §3.2 asks.
fn fields(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    let mut fields = HashMap::new();
    if is_json {
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
            return Err(invalid_request("the JSON body is not an object"));
        };
        for (name, value) in object {
            // Numbers and the like are not fields a token request has; ignore them like unknown ones.
            if let Value::String(value) = value {
                fields.insert(name, value);
            }
        }
    } else {
        for (name, value) in form_urlencoded::parse(body) {
            if fields.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(invalid_request(format!("{name} given more than once")));
            }
        }
    }
    Ok(fields)
}

/// `POST /oauth/token?ttl&delay&ns&bearer` with `grant_type=refresh_token&refresh_token=…`:
/// rotates the refresh token and answers `{access_token, token_type, expires_in, refresh_token}`;
/// a reused token revokes its session and answers `400 {"error":"invalid_grant"}`.
pub async fn token(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let body = body.map_err(body_error)?;
    let fields = fields(&headers, &body)?;
    match fields.get("grant_type").map(String::as_str) {
        None | Some("") => return Err(invalid_request("missing grant_type")),
        Some("refresh_token") => {}
        Some(other) => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("unsupported grant_type {other:?}: only refresh_token"),
            ))
        }
    }
    let presented = match fields.get("refresh_token").map(String::as_str) {
        None | Some("") => return Err(invalid_request("missing refresh_token")),
        Some(token) => token,
    };
    let target = Target::of(&method, &uri, &headers);
    let request = TokenRequest { target: &target, headers: &headers, params: &params };
    grant::refresh(&state, Some(presented), &request, &scope, Channel::Body).await
}
