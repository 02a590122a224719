//! The token endpoints' DPoP step (RFC 9449 §5, §10): which key a new token is bound to, or the
//! 400 that refuses the request. For `/auth/token`, `/auth/login`, `/auth/refresh`,
//! `/oauth/login` and `/oauth/token` alike:
//!
//! - DPoP mode off, session not bound: no binding (a proof sent anyway is not looked at).
//! - In DPoP mode, a request with a proof gets a token bound to the proof's key. `ath` is not
//!   looked at there (no access token comes with it). A missing proof, or a missing or stale
//!   nonce, is a 400 `invalid_dpop_proof` / `use_dpop_nonce`.
//! - `?bearer=1` in DPoP mode issues a plain Bearer token, so that a test can see the client's
//!   Bearer fallback; it cannot unbind a session that is bound.
//! - `?dpop_jkt=<thumbprint>` at a route that mints without a session or opens one (the
//!   authorization request's parameter, RFC 9449 §10): the token and session are bound to that
//!   key without a proof; a proof that comes anyway must be of that key.
//! - A bound session's refresh grants must be proven with its key (`jkt_mismatch` otherwise).

use axum::http::header::HeaderMap;
use axum::http::StatusCode;

use crate::dpop::log::Endpoint;
use crate::dpop::proof::{self, is_thumbprint};
use crate::dpop::target::Target;
use crate::dpop::{Judged, Presented};
use crate::error::ApiError;
use crate::headers::{dpop_proof, ProofHeader};
use crate::params::Params;
use crate::state::AppState;

/// A token endpoint's request, as far as DPoP cares.
pub struct TokenRequest<'a> {
    pub target: &'a Target,
    pub headers: &'a HeaderMap,
    pub params: &'a Params,
}

/// Where a token endpoint stands on `dpop_jkt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opens {
    /// It mints without a session or opens one: `?dpop_jkt` binds.
    Yes,
    /// It refreshes a session (bound or not at login).
    No,
}

/// `?bearer=1` (or `true`).
fn wants_bearer(params: &Params) -> bool {
    matches!(params.get("bearer"), Some("1" | "true"))
}

/// The thumbprint the token of `ns` for `request` is bound to (`None`: a Bearer token), or the
/// refusal. `session_jkt` is the key the refreshed session is bound to.
pub fn bind(
    state: &AppState,
    ns: &str,
    request: &TokenRequest<'_>,
    opens: Opens,
    session_jkt: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let settings = state.with_ns(ns, |n| n.dpop.settings());
    let dpop_jkt = match (opens, request.params.get("dpop_jkt")) {
        (Opens::Yes, Some(jkt)) if !jkt.is_empty() => Some(jkt),
        _ => None,
    };
    if let Some(jkt) = dpop_jkt {
        if !is_thumbprint(jkt) {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "dpop_jkt must be a base64url SHA-256 JWK thumbprint",
            ));
        }
        if settings.is_none() {
            return Err(ApiError::bad_request("dpop_jkt needs DPoP mode (POST /control/dpop)"));
        }
    }
    if session_jkt.is_none() && (settings.is_none() || (wants_bearer(request.params) && dpop_jkt.is_none())) {
        return Ok(None);
    }
    let bound = session_jkt.or(dpop_jkt);
    let presented = match dpop_proof(request.headers) {
        ProofHeader::Missing => Presented::Missing,
        ProofHeader::Many => Presented::Many,
        ProofHeader::One(value) => Presented::One(proof::check(value, request.target, None)),
    };
    let verdict = state.with_ns(ns, |n| {
        let now = n.clock.now_secs();
        let judged = Judged {
            endpoint: Endpoint::Token,
            target: request.target,
            scheme: None,
            presented: &presented,
            bound,
            token: Ok(()),
        };
        match (dpop_jkt, &presented) {
            // Bound by the authorization request, proven at no token endpoint yet.
            (Some(jkt), Presented::Missing) if session_jkt.is_none() => {
                n.dpop.note(&judged, now, Ok(()));
                Ok(Ok(jkt.to_owned()))
            }
            _ => n.dpop.judge(&judged, now),
        }
    });
    match verdict {
        Ok(Ok(jkt)) => Ok(Some(jkt)),
        Ok(Err(reason)) => Err(ApiError::oauth(StatusCode::BAD_REQUEST, reason.error(), reason.describe())),
        Err(_) => Err(ApiError::internal()),
    }
}
