//! Token grants shared by the `/auth` and `/oauth` routes: the access-token answer, opening a
//! login session, and redeeming a refresh token (the flow behind both `/auth/refresh` and
//! `/oauth/token`). Their DPoP step is `binding`'s.

use std::time::Instant;

use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::binding::{bind, Opens, TokenRequest};
use crate::chaos::TokenFault;
use crate::clock::pause;
use crate::error::ApiError;
use crate::random::random_hex;
use crate::scope::Scope;
use crate::sessions::{Grant, Policy, Redemption};
use crate::state::AppState;

/// The HttpOnly cookie that carries a session's refresh token.
pub const SESSION_COOKIE: &str = "tf_session";
/// Random bytes in a refresh token.
const REFRESH_TOKEN_BYTES: usize = 32;

/// `{"access_token","token_type","expires_in"}` for a fresh token of `ns`, issued on the
/// namespace's clock: `token_type` is `"DPoP"` for a token bound to the key `jkt`, else `"Bearer"`.
pub fn issue(state: &AppState, ns: &str, ttl: i64, jkt: Option<&str>) -> Result<Map<String, Value>, ApiError> {
    let (gen, now) = state.with_ns(ns, |n| {
        n.tokens_issued += 1;
        if jkt.is_some() {
            n.dpop.count_bound_token();
        }
        (n.generation, n.clock.now_secs())
    });
    let token = state.keys().mint(ns, gen, ttl, now, jkt).map_err(|_| ApiError::internal())?;
    let mut body = Map::new();
    body.insert("access_token".into(), token.into());
    body.insert("token_type".into(), if jkt.is_some() { "DPoP" } else { "Bearer" }.into());
    body.insert("expires_in".into(), ttl.into());
    Ok(body)
}

fn new_refresh_token() -> Result<String, ApiError> {
    random_hex(REFRESH_TOKEN_BYTES).map_err(|_| ApiError::internal())
}

/// Opens a session from the login parameters `?ns&ttl&reuseInterval&dpop_jkt&bearer`: answers
/// the first access token and the session's first refresh token. A login bound to a DPoP key
/// (its proof's or `dpop_jkt`) binds the session.
pub fn login(
    state: &AppState,
    request: &TokenRequest<'_>,
    scope: &Scope,
) -> Result<(Map<String, Value>, String), ApiError> {
    let params = request.params;
    let ns = params.ns_or_default()?;
    scope.set(&ns);
    let policy = Policy { ttl: params.ttl(state.default_ttl())?, reuse_interval: params.secs("reuseInterval")? };
    let jkt = bind(state, &ns, request, Opens::Yes, None)?;
    let refresh_token = new_refresh_token()?;
    let body = issue(state, &ns, policy.ttl, jkt.as_deref())?;
    state.open_session(&ns, policy, refresh_token.clone(), jkt);
    state.with_ns(&ns, |n| n.sessions_opened += 1);
    Ok((body, refresh_token))
}

/// `Set-Cookie` for the session cookie holding `refresh_token`.
pub fn session_cookie(refresh_token: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={refresh_token}; HttpOnly; Path=/; SameSite=Lax"))
        .map_err(|_| ApiError::internal())
}

/// How a refresh token travels; decides the status of refusals and where the successor goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The HttpOnly session cookie (`/auth/refresh`): refusals are 401, the successor goes in a
    /// new cookie and never in the body, which page scripts read.
    Cookie,
    /// The request body (`/oauth/token`): refusals are 400 as in RFC 6749, the successor goes in
    /// the body as `refresh_token`.
    Body,
}

impl Channel {
    fn refusal_status(self) -> StatusCode {
        match self {
            Channel::Cookie => StatusCode::UNAUTHORIZED,
            Channel::Body => StatusCode::BAD_REQUEST,
        }
    }

    fn invalid_grant(self, description: &str) -> ApiError {
        ApiError::oauth(self.refusal_status(), "invalid_grant", description)
    }

    /// The answer for a token that belongs to no session.
    fn unknown(self) -> ApiError {
        match self {
            // As before rotation: no cookie, or one whose session logged out.
            Channel::Cookie => ApiError::new(StatusCode::UNAUTHORIZED, json!({"error": "no_session"})),
            Channel::Body => self.invalid_grant("unknown refresh token"),
        }
    }
}

/// Redeems `presented` (`?ttl&delay&ns&bearer`): counts the call, waits `?delay`, checks its
/// DPoP side (`binding`; a refused proof spends nothing), then answers 503 if the namespace's
/// refresh endpoint is broken (`/control/refresh-fail`), a chaos token fault if chaos mode says
/// so (the token is then not spent), and otherwise rotates the token: a new access token
/// (`?ttl`, else the session's) with the successor refresh token, or `invalid_grant` for a
/// reused token (which revokes the session) or one of a revoked session.
pub async fn refresh(
    state: &AppState,
    presented: Option<&str>,
    request: &TokenRequest<'_>,
    scope: &Scope,
    channel: Channel,
) -> Result<Response, ApiError> {
    let params = request.params;
    let delay = params.millis("delay")?;
    let ttl = params.maybe_ttl()?;
    let known_ns = presented.and_then(|token| state.session_ns(token));
    let ns = match &known_ns {
        Some(ns) => ns.clone(),
        None => params.ns_or_default()?,
    };
    scope.set(&ns);
    let (failing, fault) = state.with_ns(&ns, |n| {
        n.refresh_calls += 1;
        let now = Instant::now();
        let failing = n.refresh_failing(now);
        // Chaos only for calls that would otherwise mint a token.
        let fault = if known_ns.is_some() && !failing { n.chaos_token_fault(now) } else { TokenFault::None };
        (failing, fault)
    });
    pause(delay).await;
    let (Some(presented), Some(_)) = (presented, &known_ns) else {
        if channel == Channel::Body {
            state.with_ns(&ns, |n| n.invalid_grants += 1);
        }
        return Err(channel.unknown());
    };
    let session_jkt = state.session_jkt(presented);
    let jkt = bind(state, &ns, request, Opens::No, session_jkt.as_deref())?;
    if failing {
        return Err(ApiError::refresh_unavailable());
    }
    if let Some(response) = fault.respond().await {
        return Ok(response);
    }
    let redemption = state.redeem(presented, new_refresh_token()?, Instant::now());
    let grant = settle(state, &ns, redemption, channel)?;
    let mut body = issue(state, &grant.ns, ttl.unwrap_or(grant.policy.ttl), jkt.as_deref())?;
    Ok(match channel {
        Channel::Cookie => {
            let cookie = session_cookie(&grant.refresh_token)?;
            ([(header::SET_COOKIE, cookie)], Json(body)).into_response()
        }
        Channel::Body => {
            body.insert("refresh_token".into(), grant.refresh_token.into());
            Json(body).into_response()
        }
    })
}

/// Counts a redemption in its namespace and turns it into a grant or a refusal.
fn settle(state: &AppState, ns: &str, redemption: Redemption, channel: Channel) -> Result<Grant, ApiError> {
    match redemption {
        Redemption::Rotated(grant) => {
            state.with_ns(&grant.ns, |n| n.rotations += 1);
            Ok(grant)
        }
        Redemption::Tolerated(grant) => {
            state.with_ns(&grant.ns, |n| n.reuse_tolerated += 1);
            Ok(grant)
        }
        Redemption::Reused { ns, revoked_now } => {
            state.with_ns(&ns, |n| {
                n.reuse_detected += 1;
                n.sessions_revoked += u64::from(revoked_now);
                n.invalid_grants += 1;
            });
            Err(channel.invalid_grant("refresh token already used: reuse detected, the session is revoked"))
        }
        Redemption::Revoked { ns } => {
            state.with_ns(&ns, |n| n.invalid_grants += 1);
            Err(channel.invalid_grant("the session was revoked after one of its refresh tokens was reused"))
        }
        // Logged out while this call waited.
        Redemption::Unknown => {
            if channel == Channel::Body {
                state.with_ns(ns, |n| n.invalid_grants += 1);
            }
            Err(channel.unknown())
        }
    }
}
