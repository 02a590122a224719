//! The gate in front of every protected route: judges the access token (and, for a DPoP-bound
//! one, its proof: RFC 9449 §7), counts the request, and applies chaos mode's faults.
//!
//! A bound token (`cnf.jkt`) must come as `Authorization: DPoP` with a proof of its key; sent as
//! `Bearer` it is refused (the copied-token case). An unbound token under the route's scheme is
//! judged as it always was, in DPoP mode too (the Bearer fallback), only logged there.

use std::time::{Duration, Instant};

use axum::http::header::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::chaos::{DropMode, Fault};
use crate::clock::pause;
use crate::dpop::log::Endpoint;
use crate::dpop::proof::{self, ALG};
use crate::dpop::reason::Reason as DpopReason;
use crate::dpop::target::Target;
use crate::dpop::{Judged, Presented};
use crate::error::ApiError;
use crate::headers::{authorization, credentials, dpop_proof, request_id, scheme_of, Credentials, ProofHeader};
use crate::params::Params;
use crate::scope::Scope;
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

/// The `Authorization` scheme of DPoP-bound tokens.
const DPOP_SCHEME: &str = "DPoP";

/// A request's token as the gate first sees it.
pub struct Inspected<'a> {
    /// The token's namespace if it is signed, else `?ns=`.
    pub ns: String,
    pub inspection: Inspection,
    /// It came as `Authorization: DPoP …`.
    pub dpop: bool,
    pub token: Option<&'a str>,
}

/// Signature check of the request's token (sent under the route's scheme, or as `DPoP`), and
/// the namespace the request counts for.
pub fn inspect<'a>(state: &AppState, headers: &'a HeaderMap, params: &Params) -> Result<Inspected<'a>, ApiError> {
    let expected = expected_scheme(params)?;
    let dpop = authorization(headers).is_some_and(|a| scheme_of(&a).eq_ignore_ascii_case(DPOP_SCHEME));
    let (token, inspection) = match credentials(headers, if dpop { DPOP_SCHEME } else { expected }) {
        Credentials::Missing => (None, Inspection::Rejected(Reason::Missing)),
        Credentials::Malformed => (None, Inspection::Rejected(Reason::Malformed)),
        Credentials::Token(token) => (Some(token), state.keys().inspect(token)),
    };
    let ns = match &inspection {
        Inspection::Signed(claims) => claims.ns.clone(),
        Inspection::Rejected(_) => params.ns_or_default()?,
    };
    Ok(Inspected { ns, inspection, dpop, token })
}

/// Why a request was refused: the token (answered as ever), or its DPoP side.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    Token(Reason),
    Dpop(DpopReason),
    /// No random source for a nonce.
    Internal,
}

fn invalid_token(reason: &str) -> Refusal {
    Refusal::Answer(ApiError::invalid_token(json!({"error": "invalid_token", "reason": reason})))
}

/// `401` with `WWW-Authenticate: DPoP error=…` for a refusal on the DPoP side.
fn dpop_refusal(error: &str, reason: &str, description: &str) -> Refusal {
    let body = json!({"error": error, "reason": reason, "error_description": description});
    Refusal::Answer(ApiError::dpop_challenge(error, description, ALG, body))
}

impl Verdict {
    fn refusal(self) -> Refusal {
        match self {
            Verdict::Token(reason) => invalid_token(reason.as_str()),
            Verdict::Dpop(reason) => dpop_refusal(reason.error(), reason.as_str(), reason.describe()),
            Verdict::Internal => Refusal::Answer(ApiError::internal()),
        }
    }
}

/// The proof of a request (if any), checked for `target` and the access token it goes with
/// (outside the namespace's lock: verifying the signature is the slow part). Only a bound
/// token's is judged; the others' are logged.
fn presented(headers: &HeaderMap, target: &Target, token: &str) -> Presented {
    match dpop_proof(headers) {
        ProofHeader::Missing => Presented::Missing,
        ProofHeader::Many => Presented::Many,
        ProofHeader::One(value) => Presented::One(proof::check(value, target, Some(token))),
    }
}

/// Judges the token on arrival (a bound one with its proof), counts (the `X-Request-Id` and the
/// `Authorization` scheme too, whatever happens next), draws the chaos decision if chaos mode is
/// on, waits `?delay` plus the namespace's delay plus the chaos delay, then answers with the
/// verdict reached on arrival, or with the chaos fault: a cut connection, a 500, or a 401 for a
/// valid token.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    target: &Target,
    scope: &Scope,
) -> Result<Claims, Refusal> {
    let delay = params.millis("delay")?;
    let Inspected { ns, inspection, dpop, token } = inspect(state, headers, params)?;
    scope.set(&ns);
    let bound = match &inspection {
        Inspection::Signed(claims) => claims.jkt.clone(),
        Inspection::Rejected(_) => None,
    };
    let proof = match token {
        Some(token) => presented(headers, target, token),
        None => Presented::Missing,
    };
    let arrival = Instant::now();
    let authorization = authorization(headers);
    let scheme = authorization.as_deref().map(scheme_of);
    let (outcome, extra, decision) = state.with_ns(&ns, |n| {
        let now = n.clock.now_secs();
        let (claims, token_verdict) = match inspection {
            Inspection::Signed(claims) => {
                let verdict = verdict(&claims, now, n.generation);
                (Some(claims), verdict)
            }
            Inspection::Rejected(reason) => (None, Err(reason)),
        };
        let judged = Judged {
            endpoint: Endpoint::Resource,
            target,
            scheme,
            presented: &proof,
            bound: bound.as_deref(),
            token: token_verdict,
        };
        let dpop_verdict = match (dpop, &bound, token_verdict) {
            // Bound, sent as DPoP: the proof decides, then the token.
            (true, Some(_), _) => Some(match n.dpop.judge(&judged, now) {
                Ok(verdict) => verdict.map(|_| ()).map_err(Verdict::Dpop),
                Err(_) => Err(Verdict::Internal),
            }),
            (true, None, Ok(())) => Some(Err(Verdict::Dpop(DpopReason::UnboundToken))),
            (true, None, Err(reason)) => Some(Err(Verdict::Dpop(DpopReason::Token(reason)))),
            (false, Some(_), _) => Some(Err(Verdict::Dpop(DpopReason::BearerForBoundToken))),
            (false, None, _) => None,
        };
        let outcome = match dpop_verdict {
            Some(verdict) => verdict,
            None => token_verdict.map_err(Verdict::Token),
        }
        // A verdict of `Ok` comes only for signed claims.
        .and_then(|()| claims.ok_or(Verdict::Token(Reason::Malformed)));
        // `judge` logged its own; the others are logged where DPoP is in play.
        let judged_by_proof = dpop && bound.is_some();
        if !judged_by_proof && (dpop || bound.is_some() || n.dpop.settings().is_some()) {
            let logged = match &outcome {
                Ok(_) | Err(Verdict::Internal) => Ok(()),
                Err(Verdict::Dpop(reason)) => Err(*reason),
                Err(Verdict::Token(reason)) => Err(DpopReason::Token(*reason)),
            };
            n.dpop.note(&judged, now, logged);
        }
        n.requests += 1;
        if outcome.is_ok() {
            n.authorized += 1;
        } else {
            n.unauthorized += 1;
        }
        n.count_request_id(request_id(headers));
        n.see_auth_scheme(scheme);
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
        Some(Fault::Unauthorized) => Err(match outcome {
            Ok(_) if dpop => dpop_refusal("invalid_token", "chaos", "chaos mode refused a valid token"),
            Ok(_) => invalid_token("chaos"),
            Err(verdict) => verdict.refusal(),
        }),
        Some(Fault::None) | None => outcome.map_err(Verdict::refusal),
    }
}
