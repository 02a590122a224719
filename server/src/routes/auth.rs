//! `/auth/*`: tokens for tests and demos, and the cookie session that `refreshUrl` relies on.

use std::time::Instant;

use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::grant::{self, Channel, SESSION_COOKIE};
use crate::binding::{bind, Opens, TokenRequest};
use crate::clock::pause;
use crate::dpop::target::Target;
use crate::error::ApiError;
use crate::headers::cookie;
use crate::params::Params;
use crate::scope::Scope;
use crate::state::AppState;

/// `POST /auth/token?ns&ttl&delay&dpop_jkt&bearer`: mints a token without a session (counted in
/// `tokenCalls` whatever the answer; chaos mode may fail, hang or garble it). DPoP: `binding`.
pub async fn token(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    scope.set(&ns);
    let fault = state.with_ns(&ns, |n| {
        n.token_calls += 1;
        n.chaos_token_fault(Instant::now())
    });
    let ttl = params.ttl(state.default_ttl())?;
    pause(params.millis("delay")?).await;
    let target = Target::of(&method, &uri, &headers);
    let jkt =
        bind(&state, &ns, &TokenRequest { target: &target, headers: &headers, params: &params }, Opens::Yes, None)?;
    if let Some(response) = fault.respond().await {
        return Ok(response);
    }
    Ok(Json(grant::issue(&state, &ns, ttl, jkt.as_deref())?).into_response())
}

/// `POST /auth/login?ns&ttl&reuseInterval&dpop_jkt&bearer`: opens a session, sets its refresh
/// token in the HttpOnly `tf_session` cookie and answers an access token (never the refresh
/// token).
pub async fn login(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let target = Target::of(&method, &uri, &headers);
    let request = TokenRequest { target: &target, headers: &headers, params: &params };
    let (body, refresh_token) = grant::login(&state, &request, &scope)?;
    let cookie = grant::session_cookie(&refresh_token)?;
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `POST /auth/refresh?ttl&delay&ns&bearer`: a fresh access token for the session in the
/// `tf_session` cookie, which is rotated (see `grant::refresh`).
pub async fn refresh(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let presented = cookie(&headers, SESSION_COOKIE);
    let target = Target::of(&method, &uri, &headers);
    let request = TokenRequest { target: &target, headers: &headers, params: &params };
    grant::refresh(&state, presented, &request, &scope, Channel::Cookie).await
}

/// `POST /auth/logout`: ends the cookie's session (all its refresh tokens) and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let had_session = cookie(&headers, SESSION_COOKIE).is_some_and(|t| state.end_session(t));
    let clear = HeaderValue::from_static("tf_session=; HttpOnly; Path=/; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Json(json!({"ok": true, "hadSession": had_session})))
}
