//! Where new tokens come from: the application's callback or a POST to `refreshUrl`. How long to
//! wait is the engine's decision (it settles a refresh that took too long); the caller stops
//! waiting and aborts the POST through the signal it passes.

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String};
use core::future::Future;
use core::pin::Pin;

use js_sys::{Object, Promise};
use tokenfetch_engine::event::Reason;
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::Failure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::web::host::{construct, get, invoke, set, static_call};
use crate::web::token_result::token_result;

/// What a source answers: a result to check, or why there is none (with what a callback threw).
pub(crate) type Answer = Result<TokenResult, SourceError>;

/// A callback's answer, later.
pub(crate) type AnswerFuture = Pin<Box<dyn Future<Output = Answer>>>;

/// Why a source produced nothing.
#[derive(Debug)]
pub(crate) struct SourceError {
    pub(crate) failure: Failure,
    /// What the callback threw or rejected with (`callback-error`), for the event.
    pub(crate) thrown: Option<JsValue>,
}

impl From<Failure> for SourceError {
    fn from(failure: Failure) -> SourceError {
        SourceError { failure, thrown: None }
    }
}

impl From<Reason> for SourceError {
    fn from(reason: Reason) -> SourceError {
        SourceError::from(Failure::from(reason))
    }
}

impl SourceError {
    /// The callback threw or its promise rejected with `thrown`.
    pub(crate) fn thrown(thrown: JsValue) -> SourceError {
        SourceError { failure: Failure::from(Reason::CallbackError), thrown: Some(thrown) }
    }
}

/// Where new tokens come from.
#[derive(Clone)]
pub(crate) enum Source {
    /// The application's callback.
    Callback(Rc<dyn Fn() -> AnswerFuture>),
    /// A URL to POST to with the session cookie.
    Url(String),
    /// Neither: refreshes fail with `no-refresh-source`.
    Nothing,
}

impl core::fmt::Debug for Source {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Source::Callback(_) => "Source::Callback",
            Source::Url(_) => "Source::Url",
            Source::Nothing => "Source::Nothing",
        })
    }
}

impl Source {
    /// Asks for a token. `signal` (an `AbortSignal`) aborts a `refreshUrl` POST when the caller
    /// stops waiting, so that the connection is freed too; `send` sends that POST (with a DPoP
    /// proof when the client has a key).
    pub(crate) async fn obtain(
        &self,
        signal: &JsValue,
        send: impl FnOnce(&JsValue) -> Result<Promise, JsValue>,
    ) -> Answer {
        match self {
            Source::Callback(callback) => callback().await,
            Source::Url(url) => post(url, signal, send).await,
            // The engine settles such refreshes itself; nothing asks.
            Source::Nothing => Err(Reason::NoRefreshSource.into()),
        }
    }
}

/// POSTs to `refreshUrl` with cookies and no `Authorization`; the token is in the JSON body.
async fn post(url: &str, signal: &JsValue, send: impl FnOnce(&JsValue) -> Result<Promise, JsValue>) -> Answer {
    let network = |_| SourceError::from(Reason::NetworkError);
    let init: JsValue = Object::new().into();
    set(&init, "method", &JsValue::from_str("POST"));
    set(&init, "credentials", &JsValue::from_str("include"));
    set(&init, "signal", signal);
    let request = construct("Request", &JsValue::from_str(url), &init).map_err(network)?;
    let response = JsFuture::from(send(&request).map_err(network)?).await.map_err(network)?;
    if get(&response, "ok").as_bool() != Some(true) {
        let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
        return Err(Failure { reason: Reason::RefreshUrlStatus, status: Some(status) }.into());
    }
    let text = invoke(&response, "text", &JsValue::UNDEFINED, &JsValue::UNDEFINED).map_err(network)?;
    let text = JsFuture::from(text.unchecked_into::<Promise>()).await.map_err(network)?;
    let body = static_call("JSON", "parse", &text).map_err(|_| SourceError::from(Reason::InvalidJson))?;
    token_result(&body).map_err(SourceError::from)
}
