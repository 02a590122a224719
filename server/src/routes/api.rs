//! `/api/*`: the protected routes, behind the gate (`gate::authorize`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::HeaderMap;
use axum::http::{Method, StatusCode, Uri};
use axum::Json;
use serde_json::{json, Value};

use crate::clock::pause;
use crate::dpop::target::Target;
use crate::echo::{body_error, report};
use crate::error::ApiError;
use crate::gate::{authorize, inspect, Refusal};
use crate::headers::{authorization, request_id, scheme_of};
use crate::params::Params;
use crate::scope::Scope;
use crate::state::AppState;

/// `GET /api/me?scheme&delay` (protected): `{"sub","ns","exp","iat"}`, and `"jkt"` for a
/// DPoP-bound token.
pub async fn me(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
) -> Result<Json<Value>, Refusal> {
    let params = Params::from_uri(&uri)?;
    let target = Target::of(&method, &uri, &headers);
    let claims = authorize(&state, &headers, &params, &target, &scope).await?;
    let mut body = json!({"sub": claims.sub, "ns": claims.ns, "exp": claims.exp, "iat": claims.iat});
    if let Some(jkt) = claims.jkt {
        body["jkt"] = jkt.into();
    }
    Ok(Json(body))
}

/// `ANY /api/echo?scheme&delay` (protected): the request as received (see `echo::report`), plus
/// `sub` and `ns`.
pub async fn echo(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    scope: Scope,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Refusal> {
    let params = Params::from_uri(&uri)?;
    let target = Target::of(&method, &uri, &headers);
    let claims = authorize(&state, &headers, &params, &target, &scope).await?;
    let body = body.map_err(body_error)?;
    let mut out = report(&method, &uri, &headers, &body);
    out.insert("sub".into(), claims.sub.into());
    out.insert("ns".into(), claims.ns.into());
    Ok(Json(Value::Object(out)))
}

/// `ANY /api/scope?ns&delay`: always `401 insufficient_scope` (RFC 6750); counts
/// `scopeRequests` and the `Authorization` scheme.
pub async fn scope(State(state): State<AppState>, uri: Uri, headers: HeaderMap, scope: Scope) -> Result<(), ApiError> {
    let params = Params::from_uri(&uri)?;
    let delay = params.millis("delay")?;
    let ns = inspect(&state, &headers, &params)?.ns;
    scope.set(&ns);
    let authorization = authorization(&headers);
    let extra = state.with_ns(&ns, |n| {
        n.scope_requests += 1;
        n.count_request_id(request_id(&headers));
        n.see_auth_scheme(authorization.as_deref().map(scheme_of));
        n.delay
    });
    pause(delay + extra).await;
    Err(ApiError {
        www_authenticate: Some(r#"Bearer error="insufficient_scope", scope="admin""#.into()),
        ..ApiError::new(StatusCode::UNAUTHORIZED, json!({"error": "insufficient_scope"}))
    })
}
