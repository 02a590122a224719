//! HTTP routes: token issuing, protected API, open echo, redirects and test controls.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{middleware, Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use tower_http::services::ServeDir;

use crate::chaos::{Chaos, Fault, Settings, TokenFault};
use crate::cors::cors;
use crate::request::{bearer, cookie, request_id, ApiError, Bearer, Params};
use crate::state::{AppState, Session};
use crate::tokens::{now_secs, random_hex, verdict, Claims, Inspection, Reason};

/// Request bodies up to this size are accepted (the echo routes must take 10 MB).
const BODY_LIMIT: usize = 64 * 1024 * 1024;
const SESSION_COOKIE: &str = "tf_session";

/// The complete application: API routes first, then `static_dir` (if any) as fallback.
pub fn router(state: AppState, static_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/auth/token", post(auth_token))
        .route("/auth/login", post(auth_login))
        .route("/auth/refresh", post(auth_refresh))
        .route("/auth/logout", post(auth_logout))
        .route("/api/me", get(api_me))
        .route("/api/echo", any(api_echo))
        .route("/api/scope", any(api_scope))
        .route("/open/echo", any(open_echo))
        .route("/redirect", any(redirect))
        .route("/control/revoke", post(control_revoke))
        .route("/control/refresh-fail", post(control_refresh_fail))
        .route("/control/delay", post(control_delay))
        .route("/control/reset", post(control_reset))
        .route("/control/chaos", post(control_chaos))
        .route("/control/stats", get(control_stats))
        .with_state(state);
    let app = match static_dir {
        Some(dir) => api.fallback_service(ServeDir::new(dir)),
        None => api.fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, json!({"error": "not_found"}))
        }),
    };
    app.layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(cors))
}

/// `{"access_token","token_type":"Bearer","expires_in"}` for a fresh token of `ns`.
fn issue(state: &AppState, ns: &str, ttl: i64) -> Result<Value, ApiError> {
    let gen = state.with_ns(ns, |n| {
        n.tokens_issued += 1;
        n.generation
    });
    let token = state
        .keys()
        .mint(ns, gen, ttl, now_secs())
        .map_err(|_| ApiError::internal())?;
    Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl}))
}

async fn pause(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

/// `POST /auth/token?ns&ttl&delay`: mints a token without a session (counted in
/// `tokenCalls` whatever the answer; chaos mode may fail, hang or garble it).
async fn auth_token(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
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
    Ok(Json(issue(&state, &ns, ttl)?).into_response())
}

/// `POST /auth/login?ns&ttl`: opens a session (cookie) and mints a token.
async fn auth_login(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let ttl = params.ttl(state.default_ttl())?;
    let id = random_hex(32).map_err(|_| ApiError::internal())?;
    let body = issue(&state, &ns, ttl)?;
    state.insert_session(id.clone(), Session { ns, ttl });
    let cookie = format!("{SESSION_COOKIE}={id}; HttpOnly; Path=/; SameSite=Lax");
    let cookie = HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?;
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `POST /auth/refresh?delay`: a fresh token for the session in the `tf_session` cookie.
async fn auth_refresh(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let delay = params.millis("delay")?;
    let session = cookie(&headers, SESSION_COOKIE).and_then(|id| state.session(id));
    let ns = match &session {
        Some(s) => s.ns.clone(),
        None => params.ns_or_default()?,
    };
    let (failing, fault) = state.with_ns(&ns, |n| {
        n.refresh_calls += 1;
        let now = Instant::now();
        let failing = n.refresh_failing(now);
        // Chaos only for calls that would otherwise mint a token.
        let fault = if session.is_some() && !failing {
            n.chaos_token_fault(now)
        } else {
            TokenFault::None
        };
        (failing, fault)
    });
    pause(delay).await;
    match session {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            json!({"error": "no_session"}),
        )),
        Some(_) if failing => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "refresh_unavailable"}),
        )),
        Some(s) => match fault.respond().await {
            Some(response) => Ok(response),
            None => Ok(Json(issue(&state, &s.ns, s.ttl)?).into_response()),
        },
    }
}

/// `POST /auth/logout`: forgets the session and clears the cookie.
async fn auth_logout(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let had_session = cookie(&headers, SESSION_COOKIE)
        .and_then(|id| state.remove_session(id))
        .is_some();
    let clear = HeaderValue::from_static("tf_session=; HttpOnly; Path=/; SameSite=Lax; Max-Age=0");
    (
        [(header::SET_COOKIE, clear)],
        Json(json!({"ok": true, "hadSession": had_session})),
    )
}

/// Signature check of the request's bearer token, and the namespace the request counts for.
fn inspect(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(String, Inspection), ApiError> {
    let inspection = match bearer(headers) {
        Bearer::Missing => Inspection::Rejected(Reason::Missing),
        Bearer::Malformed => Inspection::Rejected(Reason::Malformed),
        Bearer::Token(token) => state.keys().inspect(token),
    };
    let ns = match &inspection {
        Inspection::Signed(claims) => claims.ns.clone(),
        Inspection::Rejected(_) => params.ns_or_default()?,
    };
    Ok((ns, inspection))
}

fn invalid_token(reason: Reason) -> ApiError {
    ApiError::invalid_token(json!({"error": "invalid_token", "reason": reason.as_str()}))
}

/// Gate of every protected route: judges the token on arrival, counts (the `X-Request-Id`
/// too, whatever happens next), draws the chaos decision if chaos mode is on, waits `?delay`
/// plus the namespace's delay plus the chaos delay, then answers with the verdict reached on
/// arrival, or with the chaos fault: a cut connection, a 500, or a 401 for a valid token.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Claims, ApiError> {
    let delay = params.millis("delay")?;
    let (ns, inspection) = inspect(state, headers, params)?;
    let now = now_secs();
    let arrival = Instant::now();
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
        Some(Fault::Drop(mode)) => Err(ApiError::dropped(mode)),
        Some(Fault::ServerError) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "chaos"}),
        )),
        // An invalid token keeps its own reason.
        Some(Fault::Unauthorized) => match outcome {
            Ok(_) => Err(ApiError::invalid_token(
                json!({"error": "invalid_token", "reason": "chaos"}),
            )),
            Err(reason) => Err(invalid_token(reason)),
        },
        Some(Fault::None) | None => outcome.map_err(invalid_token),
    }
}

/// `GET /api/me` (protected): `{"sub","ns","exp","iat"}`.
async fn api_me(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let claims = authorize(&state, &headers, &params).await?;
    Ok(Json(
        json!({"sub": claims.sub, "ns": claims.ns, "exp": claims.exp, "iat": claims.iat}),
    ))
}

/// Everything echo routes report about the request.
fn echo(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    let mut header_map = Map::new();
    for name in headers.keys() {
        if name == header::AUTHORIZATION || name == header::COOKIE {
            continue;
        }
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        header_map.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    let text = |name| {
        headers
            .get(name)
            .map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let mut out = Map::new();
    out.insert("method".into(), method.as_str().into());
    out.insert("path".into(), uri.path().into());
    out.insert("query".into(), uri.query().unwrap_or("").into());
    out.insert(
        "contentType".into(),
        text(header::CONTENT_TYPE.as_str()).into(),
    );
    out.insert("bodyLength".into(), body.len().into());
    out.insert("bodyBase64".into(), BASE64.encode(body).into());
    out.insert("requestId".into(), text("x-request-id").into());
    out.insert("headers".into(), Value::Object(header_map));
    out
}

fn body_error(rejection: BytesRejection) -> ApiError {
    ApiError::new(
        rejection.status(),
        json!({"error": "bad_body", "detail": rejection.body_text()}),
    )
}

/// `ANY /api/echo` (protected): the request as seen, plus `sub` and `ns`.
async fn api_echo(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let claims = authorize(&state, &headers, &params).await?;
    let body = body.map_err(body_error)?;
    let mut out = echo(&method, &uri, &headers, &body);
    out.insert("sub".into(), claims.sub.into());
    out.insert("ns".into(), claims.ns.into());
    Ok(Json(Value::Object(out)))
}

/// `ANY /api/scope`: always `401 insufficient_scope`; counts `scopeRequests`.
async fn api_scope(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let delay = params.millis("delay")?;
    let (ns, _) = inspect(&state, &headers, &params)?;
    let extra = state.with_ns(&ns, |n| {
        n.scope_requests += 1;
        n.count_request_id(request_id(&headers));
        n.delay
    });
    pause(delay + extra).await;
    Err(ApiError {
        www_authenticate: Some(r#"Bearer error="insufficient_scope", scope="admin""#),
        ..ApiError::new(
            StatusCode::UNAUTHORIZED,
            json!({"error": "insufficient_scope"}),
        )
    })
}

/// `ANY /open/echo?ns&delay` (not protected): the request as seen, plus `hasAuthorization`.
async fn open_echo(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
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
    let mut out = echo(&method, &uri, &headers, &body);
    out.insert("hasAuthorization".into(), has_authorization.into());
    Ok(Json(Value::Object(out)))
}

/// `ANY /redirect?to=URL&status=307`.
async fn redirect(uri: Uri) -> Result<Response, ApiError> {
    let params = Params::from_uri(&uri)?;
    let status = params.redirect_status()?;
    let to = params
        .get("to")
        .ok_or_else(|| ApiError::bad_request("missing to"))?;
    let location = HeaderValue::from_str(to).map_err(|_| ApiError::bad_request("invalid to"))?;
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// `POST /control/revoke?ns`: `{"generation":n}`.
async fn control_revoke(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    let generation = state.with_ns(&ns, |n| {
        n.generation += 1;
        n.generation
    });
    Ok(Json(json!({"ns": ns, "generation": generation})))
}

/// `POST /control/refresh-fail?ns&seconds`: `/auth/refresh` answers 503 for that long.
async fn control_refresh_fail(
    State(state): State<AppState>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let duration = params.seconds()?;
    state.with_ns(&ns, |n| {
        n.refresh_fail_until = (!duration.is_zero()).then(|| Instant::now() + duration);
    });
    Ok(Json(
        json!({"ns": ns, "refreshFailSeconds": duration.as_secs_f64()}),
    ))
}

/// `POST /control/delay?ns&ms`: extra delay on every protected route of the namespace.
async fn control_delay(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::from_uri(&uri)?;
    let ns = params.ns_or_default()?;
    let delay = params.millis("ms")?;
    state.with_ns(&ns, |n| n.delay = delay);
    Ok(Json(json!({"ns": ns, "delayMs": delay.as_millis() as u64})))
}

/// `POST /control/chaos?ns&seconds&p401&p500&pDrop&maxDelayMs&refresh&seed&drop`: chaos mode
/// for `seconds` (0 ends it), replacing any earlier one; counters are kept.
async fn control_chaos(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
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

/// `POST /control/reset?ns`: counters, faults (chaos too) and generation back to zero.
async fn control_reset(State(state): State<AppState>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    state.reset_ns(&ns);
    Ok(Json(json!({"ns": ns, "reset": true})))
}

/// `GET /control/stats?ns`.
async fn control_stats(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let ns = Params::from_uri(&uri)?.ns_or_default()?;
    let now = Instant::now();
    Ok(Json(state.with_ns(&ns, |n| n.stats(now))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::TokenKeys;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    fn app() -> Router {
        router(
            AppState::new(TokenKeys::from_secret(b"test-secret"), 20),
            None,
        )
    }

    async fn call(
        app: &Router,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = app
            .clone()
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, body)
    }

    async fn token(app: &Router, query: &str) -> String {
        let (status, _, body) = call(app, "POST", &format!("/auth/token?{query}"), &[]).await;
        assert_eq!(status, StatusCode::OK);
        body["access_token"].as_str().expect("token").to_owned()
    }

    #[tokio::test]
    async fn chaos_mode() {
        let app = app();
        let auth = format!("Bearer {}", token(&app, "ns=c").await);
        let me = |id: &'static str| {
            let app = app.clone();
            let auth = auth.clone();
            async move {
                let req = Request::get("/api/me")
                    .header("authorization", auth)
                    .header("x-request-id", id)
                    .body(Body::empty())
                    .expect("request");
                app.oneshot(req).await.expect("infallible")
            }
        };

        // Bad parameters are refused, naming the parameter.
        let (status, _, body) =
            call(&app, "POST", "/control/chaos?ns=c&seconds=5&p401=2", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().expect("detail").contains("p401"));

        let (status, _, body) = call(
            &app,
            "POST",
            "/control/chaos?ns=c&seconds=30&p401=1&seed=5",
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["chaosActive"], true);
        assert_eq!(body["seed"], "5");
        assert_eq!(body["refresh"], "ok");
        let res = me("a").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#
        );
        // An invalid token keeps its own reason and is not a chaos 401.
        let (status, _, body) = call(&app, "GET", "/api/me?ns=c", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["reason"], "missing");
        // Other namespaces are untouched.
        let other = format!("Bearer {}", token(&app, "ns=c2").await);
        let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &other)]).await;
        assert_eq!(status, StatusCode::OK);

        call(&app, "POST", "/control/chaos?ns=c&seconds=30&p500=1", &[]).await;
        let (status, _, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, json!({"error": "chaos"}));

        // A dropped request's body fails (hyper then cuts the connection).
        call(&app, "POST", "/control/chaos?ns=c&seconds=30&pDrop=1", &[]).await;
        for id in ["a", "b"] {
            let res = me(id).await;
            assert!(axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .is_err());
        }

        // Token endpoints follow `refresh`; `/auth/token` calls are counted whatever the answer.
        call(
            &app,
            "POST",
            "/control/chaos?ns=c&seconds=30&refresh=fail",
            &[],
        )
        .await;
        let (status, _, body) = call(&app, "POST", "/auth/token?ns=c", &[]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, json!({"error": "refresh_unavailable"}));
        call(
            &app,
            "POST",
            "/control/chaos?ns=c&seconds=30&refresh=garbage",
            &[],
        )
        .await;
        let res = app
            .clone()
            .oneshot(
                Request::post("/auth/token?ns=c")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        assert!(serde_json::from_slice::<Value>(&bytes).is_err());

        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=c", &[]).await;
        assert_eq!(stats["chaosActive"], true);
        assert_eq!(stats["chaos401"], 1);
        assert_eq!(stats["chaos500"], 1);
        assert_eq!(stats["chaosDropped"], 2);
        assert_eq!(stats["tokenCalls"], 3);
        assert_eq!(stats["tokensIssued"], 1);
        // Sends are counted on arrival, dropped ones included.
        assert_eq!(stats["maxSendsPerRequestId"], 2);
        assert_eq!(stats["distinctRequestIds"], 2);
        assert_eq!(stats["requests"], 5);
        assert_eq!(stats["authorized"], 4);

        // Chaos ends by itself, with `seconds=0`, and with a reset.
        call(&app, "POST", "/control/chaos?ns=c&seconds=0.1&p500=1", &[]).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=c", &[]).await;
        assert_eq!(stats["chaosActive"], false);
        call(&app, "POST", "/control/chaos?ns=c&seconds=30&p500=1", &[]).await;
        let (_, _, body) = call(&app, "POST", "/control/chaos?ns=c&seconds=0", &[]).await;
        assert_eq!(body["chaosActive"], false);
        let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::OK);
        call(
            &app,
            "POST",
            "/control/chaos?ns=c&seconds=30&p500=1&refresh=fail",
            &[],
        )
        .await;
        call(&app, "POST", "/control/reset?ns=c", &[]).await;
        let fresh = format!("Bearer {}", token(&app, "ns=c").await);
        let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &fresh)]).await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=c", &[]).await;
        assert_eq!(stats["chaosActive"], false);
        assert_eq!(stats["chaos500"], 0);
        assert_eq!(stats["tokenCalls"], 1);
    }

    #[tokio::test]
    async fn mint_use_revoke() {
        let app = app();
        let t = token(&app, "ns=t1").await;
        let auth = format!("Bearer {t}");
        let (status, _, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["ns"], "t1");
        assert_eq!(body["sub"], "user-t1");

        let (_, _, body) = call(&app, "POST", "/control/revoke?ns=t1", &[]).await;
        assert_eq!(body["generation"], 1);
        let (status, headers, body) =
            call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#
        );
        assert_eq!(body, json!({"error": "invalid_token", "reason": "revoked"}));

        let fresh = format!("Bearer {}", token(&app, "ns=t1").await);
        let (status, _, _) = call(&app, "GET", "/api/me", &[("authorization", &fresh)]).await;
        assert_eq!(status, StatusCode::OK);

        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=t1", &[]).await;
        assert_eq!(stats["tokensIssued"], 2);
        assert_eq!(stats["requests"], 3);
        assert_eq!(stats["authorized"], 2);
        assert_eq!(stats["unauthorized"], 1);
        assert_eq!(stats["generation"], 1);
        // Namespaces are isolated.
        let (_, _, other) = call(&app, "GET", "/control/stats?ns=t2", &[]).await;
        assert_eq!(other["requests"], 0);
    }

    #[tokio::test]
    async fn delayed_request_keeps_its_arrival_verdict() {
        let app = app();
        let auth = format!("Bearer {}", token(&app, "ns=d").await);
        let started = Instant::now();
        let auth_header = [("authorization", auth.as_str())];
        let slow = call(&app, "GET", "/api/me?delay=300", &auth_header);
        let revoke = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            call(&app, "POST", "/control/revoke?ns=d", &[]).await
        };
        let ((status, _, _), _) = tokio::join!(slow, revoke);
        assert_eq!(status, StatusCode::OK);
        assert!(started.elapsed() >= Duration::from_millis(300));
        let (status, _, body) = call(&app, "GET", "/api/me", &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["reason"], "revoked");
    }

    #[tokio::test]
    async fn rejection_reasons() {
        let app = app();
        let expired = format!("Bearer {}", token(&app, "ns=r&ttl=0").await);
        let foreign = TokenKeys::from_secret(b"other")
            .mint("r", 0, 60, now_secs())
            .expect("mint");
        let foreign = format!("Bearer {foreign}");
        for (auth, reason) in [
            (None, "missing"),
            (Some("Bearer not-a-jwt"), "malformed"),
            (Some("Basic abc"), "malformed"),
            (Some(expired.as_str()), "expired"),
            (Some(foreign.as_str()), "bad_signature"),
        ] {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| ("authorization", a)).into_iter().collect();
            let (status, _, body) = call(&app, "GET", "/api/me?ns=r", &headers).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}");
            assert_eq!(body["reason"], reason);
        }
        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=r", &[]).await;
        assert_eq!(stats["unauthorized"], 5);
    }

    #[tokio::test]
    async fn login_refresh_fault_logout() {
        let app = app();
        let (status, headers, _) = call(&app, "POST", "/auth/login?ns=s&ttl=5", &[]).await;
        assert_eq!(status, StatusCode::OK);
        let set_cookie = headers[header::SET_COOKIE].to_str().expect("ascii");
        assert!(set_cookie.contains("HttpOnly; Path=/; SameSite=Lax"));
        let cookie = set_cookie.split(';').next().expect("pair").to_owned();

        let (status, _, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["expires_in"], 5);

        call(&app, "POST", "/control/refresh-fail?ns=s&seconds=30", &[]).await;
        let (status, _, body) = call(&app, "POST", "/auth/refresh", &[("cookie", &cookie)]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"], "refresh_unavailable");
        call(&app, "POST", "/control/refresh-fail?ns=s&seconds=0", &[]).await;

        call(&app, "POST", "/auth/logout", &[("cookie", &cookie)]).await;
        let (status, _, body) =
            call(&app, "POST", "/auth/refresh?ns=s", &[("cookie", &cookie)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "no_session");

        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=s", &[]).await;
        assert_eq!(stats["refreshCalls"], 3);
    }

    #[tokio::test]
    async fn cors_and_preflight() {
        let app = app();
        let (status, headers, _) = call(
            &app,
            "OPTIONS",
            "/api/echo",
            &[
                ("origin", "null"),
                (
                    "access-control-request-headers",
                    "authorization, x-request-id",
                ),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(headers["access-control-allow-origin"], "null");
        assert_eq!(
            headers["access-control-allow-headers"],
            "authorization, x-request-id"
        );
        assert_eq!(headers["access-control-allow-credentials"], "true");

        let (status, headers, _) =
            call(&app, "GET", "/nope", &[("origin", "http://127.0.0.1:9")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers["access-control-allow-origin"], "http://127.0.0.1:9");
        assert_eq!(headers["vary"], "Origin");

        let (status, headers, _) = call(&app, "GET", "/redirect?to=/health&status=302", &[]).await;
        assert_eq!(status, StatusCode::FOUND);
        assert_eq!(headers[header::LOCATION], "/health");
        assert!(headers.get("access-control-allow-origin").is_none());

        let (status, _, body) = call(&app, "GET", "/redirect?status=999&to=x", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "bad_request");
    }

    #[tokio::test]
    async fn echo_and_request_ids() {
        let app = app();
        let auth = format!("Bearer {}", token(&app, "ns=e").await);
        for _ in 0..2 {
            let (status, _, body) = call(
                &app,
                "DELETE",
                "/api/echo?a=1",
                &[
                    ("authorization", &auth),
                    ("x-request-id", "r1"),
                    ("cookie", "c=1"),
                ],
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body["method"], "DELETE");
            assert_eq!(body["query"], "a=1");
            assert_eq!(body["requestId"], "r1");
            assert!(body["headers"].get("authorization").is_none());
            assert!(body["headers"].get("cookie").is_none());
        }
        let (_, _, body) = call(&app, "POST", "/open/echo?ns=e", &[("authorization", "x")]).await;
        assert_eq!(body["hasAuthorization"], true);
        let (status, headers, _) = call(&app, "GET", "/api/scope?ns=e", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            r#"Bearer error="insufficient_scope", scope="admin""#
        );
        let (_, _, stats) = call(&app, "GET", "/control/stats?ns=e", &[]).await;
        assert_eq!(stats["maxSendsPerRequestId"], 2);
        assert_eq!(stats["distinctRequestIds"], 1);
        assert_eq!(stats["openRequests"], 1);
        assert_eq!(stats["openWithAuthorization"], 1);
        assert_eq!(stats["scopeRequests"], 1);
    }
}
