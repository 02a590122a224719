//! The HTTP surface: one module per group of routes, assembled here.
//!
//! | Route | What it does |
//! |---|---|
//! | `GET /health` | `ok` |
//! | `POST /auth/token?ns&ttl&delay&dpop_jkt&bearer` | an access token without a session |
//! | `POST /auth/login?ns&ttl&reuseInterval&dpop_jkt&bearer` | opens a session: access token in the body, refresh token in the HttpOnly `tf_session` cookie |
//! | `POST /auth/refresh?ttl&delay&ns&bearer` | redeems the cookie's refresh token: new access token, rotated cookie |
//! | `POST /auth/logout` | ends the cookie's session |
//! | `POST /oauth/login?ns&ttl&reuseInterval&dpop_jkt&bearer` | opens a session: access and refresh token in the body |
//! | `POST /oauth/token?ttl&delay&ns&bearer` | `grant_type=refresh_token&refresh_token=…` (form or JSON): new access token and rotated refresh token |
//! | `GET /api/me?scheme&delay` | protected: the token's claims (`jkt` for a bound one) |
//! | `ANY /api/echo?scheme&delay` | protected: the request as received |
//! | `ANY /api/scope?ns&delay` | always `401 insufficient_scope` |
//! | `ANY /open/echo?ns&delay` | the request as received, no token needed |
//! | `ANY /redirect?to&status` | a redirect |
//! | `POST /control/{revoke,refresh-fail,delay,chaos,reset}?ns…` | faults and resets |
//! | `POST /control/dpop?ns&mode=on\|off&nonce=required\|off&rotate=N` | DPoP mode for the namespace |
//! | `POST /control/dpop-rotate?ns&origin` | new nonces (of one origin, or of all) |
//! | `GET /control/dpop-log?ns` | every DPoP check of the namespace, its nonces per origin and the keys it saw |
//! | `POST /control/clock?ns&offsetSeconds` | moves the namespace's clock |
//! | `GET /control/stats?ns` | the namespace's counters (`dpop` among them) |
//!
//! Every answer carries CORS headers for the request's origin (`cors`); errors are JSON.
//! A refresh token is spent by its first use; using it again revokes its whole session
//! (`sessions`), unless that happens within the session's `reuseInterval` seconds.
//!
//! DPoP (RFC 9449), per namespace once `POST /control/dpop` switched it on: the token endpoints
//! bind the tokens they issue to the proof's key (`cnf.jkt`, `token_type: "DPoP"`; `binding`),
//! the protected routes demand `Authorization: DPoP` with a proof for bound tokens (`gate`),
//! proofs are checked strictly (`dpop`), nonces are per origin (the `Host`: the two ports are
//! two origins), and answers of the token, protected and open routes carry the origin's
//! `DPoP-Nonce` (`scope`). Refusals: `400 {"error":"use_dpop_nonce"|"invalid_dpop_proof"}` at
//! token endpoints, `401` with `WWW-Authenticate: DPoP error="…", error_description="…",
//! algs="ES256"` at protected routes. The namespace's clock (`/control/clock`) moves token
//! times, the proof `iat` window (60 s either way) and `Date` together.

mod api;
mod auth;
mod control;
mod grant;
mod oauth;
mod open;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{any, get, post};
use axum::{middleware, Router};
use serde_json::json;
use tower_http::services::ServeDir;

use crate::cors::cors;
use crate::error::ApiError;
use crate::scope::stamp;
use crate::state::AppState;

/// Request bodies up to this size are accepted (the echo routes must take 10 MB).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The complete application: API routes first, then `static_dir` (if any) as fallback.
pub fn router(state: AppState, static_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/health", get(open::health))
        .route("/auth/token", post(auth::token))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/oauth/login", post(oauth::login))
        .route("/oauth/token", post(oauth::token))
        .route("/api/me", get(api::me))
        .route("/api/echo", any(api::echo))
        .route("/api/scope", any(api::scope))
        .route("/open/echo", any(open::echo))
        .route("/redirect", any(open::redirect))
        .route("/control/revoke", post(control::revoke))
        .route("/control/refresh-fail", post(control::refresh_fail))
        .route("/control/delay", post(control::delay))
        .route("/control/reset", post(control::reset))
        .route("/control/chaos", post(control::chaos))
        .route("/control/stats", get(control::stats))
        .route("/control/dpop", post(control::dpop))
        .route("/control/dpop-rotate", post(control::dpop_rotate))
        .route("/control/dpop-log", get(control::dpop_log))
        .route("/control/clock", post(control::clock))
        .with_state(state.clone());
    let app = match static_dir {
        Some(dir) => api.fallback_service(ServeDir::new(dir)),
        None => api.fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, json!({"error": "not_found"})) }),
    };
    app.layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state, stamp))
        .layer(middleware::from_fn(cors))
}
