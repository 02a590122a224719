//! Routes without a token: health check, open echo and redirects.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::clock::pause;
use crate::echo::{body_error, report};
use crate::error::ApiError;
use crate::headers::request_id;
use crate::params::Params;
use crate::scope::Scope;
use crate::state::AppState;

/// `GET /health`.
pub async fn health() -> &'static str {
    "ok"
}

/// `ANY /open/echo?ns&delay`: the request as received (see `echo::report`); counts
/// `openRequests` and `openWithAuthorization` (a token sent where none belongs).
pub async fn echo(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    // Its answers carry the namespace's `Date` and nonce too: clients learn both from any answer.
    scope.set(&ns);
    let delay = params.millis("delay")?;
    let has_authorization = headers.contains_key(header::AUTHORIZATION);
    state.with_ns(&ns, |n| {
        n.open_requests += 1;
        if has_authorization {
            n.open_with_authorization += 1;
        }
        n.count_request_id(request_id(&headers));
    });
    let body = body.map_err(body_error)?;
    pause(delay).await;
    Ok(Json(Value::Object(report(&method, &uri, &headers, &body))))
}

/// `ANY /redirect?to=URL&status=307`.
pub async fn redirect(uri: Uri) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let status = params.redirect_status()?;
    let to = params.get("to").ok_or_else(|| ApiError::bad_request("missing to"))?;
    let location = HeaderValue::from_str(to).map_err(|_| ApiError::bad_request("invalid to"))?;
    Ok((status, [(header::LOCATION, location)]).into_response())
}
