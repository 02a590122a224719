//! `/control/*`: what tests do to the server (revoke, break refresh, delay, chaos, reset) and
//! what they read from it (stats), per namespace.

use std::time::Instant;

use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::chaos::{Chaos, Settings};
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;

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
