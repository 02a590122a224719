//! `/auth/*`: tokens for tests and demos, and the cookie session that `refreshUrl` relies on.

use std::time::Instant;

use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::grant::{self, Channel, SESSION_COOKIE};
use crate::clock::pause;
use crate::error::ApiError;
use crate::headers::cookie;
use crate::params::Params;
use crate::state::AppState;

/// `POST /auth/token?ns&ttl&delay`: mints a token without a session (counted in `tokenCalls`
/// whatever the answer; chaos mode may fail, hang or garble it).
pub async fn token(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let fault = state.with_ns(&ns, |n| {
        n.token_calls += 1;
        n.chaos_token_fault(Instant::now())
    });
    let ttl = params.ttl(state.default_ttl())?;
    pause(params.millis("delay")?).await;
    if let Some(response) = fault.respond().await {
        return Ok(response);
    }
    Ok(Json(grant::issue(&state, &ns, ttl)?).into_response())
}

/// `POST /auth/login?ns&ttl&reuseInterval`: opens a session, sets its refresh token in the
/// HttpOnly `tf_session` cookie and answers an access token (never the refresh token).
pub async fn login(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let (body, refresh_token) = grant::login(&state, &params)?;
    let cookie = grant::session_cookie(&refresh_token)?;
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `POST /auth/refresh?ttl&delay&ns`: a fresh access token for the session in the `tf_session`
/// cookie, which is rotated (see `grant::refresh`).
pub async fn refresh(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let presented = cookie(&headers, SESSION_COOKIE);
    grant::refresh(&state, presented, &params, Channel::Cookie).await
}

/// `POST /auth/logout`: ends the cookie's session (all its refresh tokens) and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let had_session = cookie(&headers, SESSION_COOKIE).is_some_and(|t| state.end_session(t));
    let clear = HeaderValue::from_static("tf_session=; HttpOnly; Path=/; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Json(json!({"ok": true, "hadSession": had_session})))
}
