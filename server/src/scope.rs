//! The namespace a request turned out to belong to, and the response headers that follow from
//! it: the origin's current `DPoP-Nonce` while the namespace requires nonces (RFC 9449 §8: on
//! every answer, so a client learns a rotated nonce from a success too), and a `Date` on the
//! namespace's clock when a test moved it.
//!
//! Handlers learn their namespace late (from a token's claims, a refresh token's session) and
//! their errors leave through `?`, so the middleware hands each request an empty [`Scope`], the
//! handler fills it, and the middleware stamps whatever answer comes out.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::clock::http_date;
use crate::dpop::target::origin_of;
use crate::state::AppState;

/// The response header that carries the nonce.
pub const DPOP_NONCE: &str = "dpop-nonce";

/// Where a handler says which namespace its request belongs to (an extractor).
#[derive(Debug, Clone, Default)]
pub struct Scope(Arc<OnceLock<String>>);

impl Scope {
    /// The first call wins: a request belongs to one namespace.
    pub fn set(&self, ns: &str) {
        let _ = self.0.set(ns.to_owned());
    }

    pub fn ns(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Scope {
    type Rejection = Infallible;

    /// The middleware's scope; a detached one where there is no middleware.
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Scope>().cloned().unwrap_or_default())
    }
}

/// Middleware (for `axum::middleware::from_fn_with_state`).
pub async fn stamp(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let origin = origin_of(request.uri(), request.headers());
    let scope = Scope::default();
    request.extensions_mut().insert(scope.clone());
    let mut response = next.run(request).await;
    let Some(ns) = scope.ns() else {
        return response;
    };
    let (nonce, clock) = state.with_ns(ns, |n| (n.dpop.nonce_to_send(&origin), n.clock));
    let h = response.headers_mut();
    if let Some(nonce) = nonce.ok().flatten().and_then(|n| HeaderValue::from_str(&n).ok()) {
        h.insert(DPOP_NONCE, nonce);
    }
    // hyper adds its own `Date` only where the answer has none.
    if clock.is_shifted() {
        if let Ok(date) = HeaderValue::from_str(&http_date(clock.now_secs())) {
            h.insert(header::DATE, date);
        }
    }
    response
}
