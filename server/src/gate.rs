//! The gate in front of every protected route: judges the access token, counts the request,
//! and applies chaos mode's faults.

use std::time::{Duration, Instant};

use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::chaos::{DropMode, Fault};
use crate::clock::{now_secs, pause};
use crate::error::ApiError;
use crate::headers::{authorization, credentials, request_id, scheme_of, Credentials};
use crate::params::Params;
use crate::state::AppState;
use crate::tokens::{verdict, Claims, Inspection, Reason};

/// Longest `?scheme=` accepted.
const MAX_SCHEME_LEN: usize = 64;

/// Why a protected request gets no data: a JSON error, or (chaos) no answer at all.
#[derive(Debug)]
pub enum Refusal {
    Answer(ApiError),
    /// The connection is cut.
    Drop(DropMode),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal::Answer(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Answer(error) => error.into_response(),
            Refusal::Drop(mode) => mode.response(),
        }
    }
}

/// `?scheme=`: the `Authorization` scheme the route expects (default `Bearer`), so that a test of
/// a custom scheme fails when the client sends another.
fn expected_scheme(params: &Params) -> Result<&str, ApiError> {
    match params.get("scheme") {
        None | Some("") => Ok("Bearer"),
        Some(s) if s.len() <= MAX_SCHEME_LEN && s.bytes().all(|b| b.is_ascii_graphic()) => Ok(s),
        Some(_) => {
            Err(ApiError::bad_request(format!("invalid scheme: at most {MAX_SCHEME_LEN} visible ASCII characters")))
        }
    }
}

/// Signature check of the request's token, and the namespace the request counts for (the
/// token's if it is signed, else `?ns=`).
pub fn inspect(state: &AppState, headers: &HeaderMap, params: &Params) -> Result<(String, Inspection), ApiError> {
    let inspection = match credentials(headers, expected_scheme(params)?) {
        Credentials::Missing => Inspection::Rejected(Reason::Missing),
        Credentials::Malformed => Inspection::Rejected(Reason::Malformed),
        Credentials::Token(token) => state.keys().inspect(token),
    };
    let ns = match &inspection {
        Inspection::Signed(claims) => claims.ns.clone(),
        Inspection::Rejected(_) => params.ns_or_default()?,
    };
    Ok((ns, inspection))
}

fn invalid_token(reason: &str) -> Refusal {
    Refusal::Answer(ApiError::invalid_token(json!({"error": "invalid_token", "reason": reason})))
}

/// Judges the token on arrival, counts (the `X-Request-Id` and the `Authorization` scheme too,
/// whatever happens next), draws the chaos decision if chaos mode is on, waits `?delay` plus the
/// namespace's delay plus the chaos delay, then answers with the verdict reached on arrival, or
/// with the chaos fault: a cut connection, a 500, or a 401 for a valid token.
pub async fn authorize(state: &AppState, headers: &HeaderMap, params: &Params) -> Result<Claims, Refusal> {
    let delay = params.millis("delay")?;
    let (ns, inspection) = inspect(state, headers, params)?;
    let now = now_secs();
    let arrival = Instant::now();
    let authorization = authorization(headers);
    let (outcome, extra, decision) = state.with_ns(&ns, |n| {
        let outcome = match inspection {
            Inspection::Signed(claims) => verdict(&claims, now, n.generation).map(|()| claims),
            Inspection::Rejected(reason) => Err(reason),
        };
        n.requests += 1;
        if outcome.is_ok() {
            n.authorized += 1;
        } else {
            n.unauthorized += 1;
        }
        n.count_request_id(request_id(headers));
        n.see_auth_scheme(authorization.as_deref().map(scheme_of));
        let decision = n.chaos_decision(arrival);
        match decision.map(|d| d.fault) {
            Some(Fault::Unauthorized) if outcome.is_ok() => n.chaos_401 += 1,
            Some(Fault::ServerError) => n.chaos_500 += 1,
            Some(Fault::Drop(_)) => n.chaos_dropped += 1,
            _ => {}
        }
        (outcome, n.delay, decision)
    });
    let chaos_delay = decision.map_or(Duration::ZERO, |d| d.delay);
    pause(delay + extra + chaos_delay).await;
    match decision.map(|d| d.fault) {
        Some(Fault::Drop(mode)) => Err(Refusal::Drop(mode)),
        Some(Fault::ServerError) => {
            Err(Refusal::Answer(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "chaos"}))))
        }
        // An invalid token keeps its own reason.
        Some(Fault::Unauthorized) => Err(invalid_token(match outcome {
            Ok(_) => "chaos",
            Err(reason) => reason.as_str(),
        })),
        Some(Fault::None) | None => outcome.map_err(|reason| invalid_token(reason.as_str())),
    }
}
