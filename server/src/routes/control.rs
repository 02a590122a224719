//! `/control/*`: what tests do to the server (revoke, break refresh, delay, chaos, DPoP mode and
//! its nonces, the clock, reset) and what they read from it (stats, the DPoP log), per namespace.

use std::time::Instant;

use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::chaos::{Chaos, Settings};
use crate::clock::{Clock, MAX_OFFSET_SECS};
use crate::dpop::target::normalize;
use crate::dpop::Settings as DpopSettings;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;

/// A 400 naming the first parameter not in `known` (a typo would otherwise pass unnoticed).
fn only(params: &Params, known: &[&str]) -> Result<(), ApiError> {
    match params.names().find(|n| !known.contains(n)) {
        Some(unknown) => {
            Err(ApiError::bad_request(format!("unknown parameter {unknown:?} (known: {})", known.join(", "))))
        }
        None => Ok(()),
    }
}

/// `POST /control/revoke?ns`: `{"generation":n}`.
pub async fn revoke(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    let generation = state.with_ns(&ns, |n| {
        n.generation += 1;
        n.generation
    });
    Ok(Json(json!({"ns": ns, "generation": generation})))
}

/// `POST /control/refresh-fail?ns&seconds`: the refresh endpoints (`/auth/refresh`,
/// `/oauth/token`) answer 503 for that long.
pub async fn refresh_fail(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let duration = params.seconds()?;
    state.with_ns(&ns, |n| {
        n.refresh_fail_until = (!duration.is_zero()).then(|| Instant::now() + duration);
    });
    Ok(Json(json!({"ns": ns, "refreshFailSeconds": duration.as_secs_f64()})))
}

/// `POST /control/delay?ns&ms`: extra delay on every protected route of the namespace.
pub async fn delay(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let delay = params.millis("ms")?;
    state.with_ns(&ns, |n| n.delay = delay);
    Ok(Json(json!({"ns": ns, "delayMs": delay.as_millis() as u64})))
}

/// `POST /control/chaos?ns&seconds&p401&p500&pDrop&maxDelayMs&refresh&seed&drop`: chaos mode
/// for `seconds` (0 ends it), replacing any earlier one; counters are kept.
pub async fn chaos(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let (duration, settings) = Settings::from_params(&params)?;
    let mut body = Map::new();
    body.insert("ns".into(), ns.clone().into());
    body.insert("seconds".into(), duration.as_secs_f64().into());
    body.insert("chaosActive".into(), (!duration.is_zero()).into());
    if let Value::Object(fields) = settings.to_json() {
        body.extend(fields);
    }
    let chaos = (!duration.is_zero()).then(|| Chaos::new(settings, Instant::now() + duration));
    state.with_ns(&ns, |n| n.chaos = chaos);
    Ok(Json(Value::Object(body)))
}

/// `POST /control/reset?ns`: counters, faults (chaos too) and generation back to zero; login
/// sessions stay.
pub async fn reset(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    state.reset_ns(&ns);
    Ok(Json(json!({"ns": ns, "reset": true})))
}

/// `GET /control/stats?ns`.
pub async fn stats(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    let now = Instant::now();
    Ok(Json(state.with_ns(&ns, |n| n.stats(now))).into_response())
}

/// `POST /control/dpop?ns&mode=on|off&nonce=required|off&rotate=N`: DPoP mode for the namespace
/// (default: on, nonces required, `rotate` 0: a nonce changes only on `/control/dpop-rotate`;
/// N: after N accepted uses). Replaces the settings; nonces, spent `jti`s, keys and the log
/// stay until `/control/reset`.
pub async fn dpop(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    only(&params, &["ns", "mode", "nonce", "rotate"])?;
    let ns = params.ns_or_default()?;
    let on = match params.get("mode") {
        None | Some("" | "on") => true,
        Some("off") => false,
        Some(raw) => return Err(ApiError::bad_request(format!("invalid mode: {raw:?} (on or off)"))),
    };
    let nonce_required = match params.get("nonce") {
        None | Some("" | "required") => true,
        Some("off") => false,
        Some(raw) => return Err(ApiError::bad_request(format!("invalid nonce: {raw:?} (required or off)"))),
    };
    let rotate_after: u64 = params.parse("rotate")?.unwrap_or(0);
    let settings = on.then_some(DpopSettings { nonce_required, rotate_after });
    state.with_ns(&ns, |n| n.dpop.set(settings));
    let nonce = if nonce_required { "required" } else { "off" };
    Ok(Json(json!({"ns": ns, "enabled": on, "nonce": nonce, "rotate": rotate_after})))
}

/// `POST /control/dpop-rotate?ns&origin`: a new nonce for `origin` (e.g.
/// `http://127.0.0.1:8788`), or for every origin that has one; `{"ns","nonces":{origin:current}}`.
pub async fn dpop_rotate(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    only(&params, &["ns", "origin"])?;
    let ns = params.ns_or_default()?;
    let origin = match params.get("origin") {
        None | Some("") => None,
        Some(raw) => Some(
            normalize(raw)
                .map(|o| o.trim_end_matches('/').to_owned())
                .map_err(|_| ApiError::bad_request(format!("invalid origin: {raw:?}")))?,
        ),
    };
    let nonces = state.with_ns(&ns, |n| n.dpop.rotate(origin.as_deref())).map_err(|_| ApiError::internal())?;
    Ok(Json(json!({"ns": ns, "nonces": nonces})))
}

/// `GET /control/dpop-log?ns`: what the namespace's DPoP checks saw (see `dpop::Dpop::log_json`).
pub async fn dpop_log(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    Ok(Json(state.with_ns(&ns, |n| n.dpop.log_json(&ns, n.clock.now_secs()))))
}

/// `POST /control/clock?ns&offsetSeconds=N`: the namespace's clock runs N seconds ahead of the
/// wall clock (behind if negative; 0 puts it back): token `iat`/`exp`, expiry, the proof `iat`
/// window and `Date` follow. `{"ns","offsetSeconds","serverTime"}`.
pub async fn clock(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    only(&params, &["ns", "offsetSeconds"])?;
    let ns = params.ns_or_default()?;
    let offset: i64 = params.parse("offsetSeconds")?.ok_or_else(|| ApiError::bad_request("missing offsetSeconds"))?;
    if !(-MAX_OFFSET_SECS..=MAX_OFFSET_SECS).contains(&offset) {
        return Err(ApiError::bad_request(format!("offsetSeconds out of range (within ±{MAX_OFFSET_SECS})")));
    }
    let clock = Clock::shifted(offset);
    state.with_ns(&ns, |n| n.clock = clock);
    Ok(Json(json!({"ns": ns, "offsetSeconds": clock.offset(), "serverTime": clock.now_secs()})))
}
