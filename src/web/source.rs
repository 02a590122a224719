//! Where new tokens come from: the application's callback or a POST to `refreshUrl`, bounded by
//! `refreshTimeoutMs`, and how a JS value becomes the engine's [`TokenResultInput`].

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String};
use core::future::Future;
use core::pin::Pin;

use js_sys::{Object, Promise};
use tokenfetch_engine::event::Reason;
use tokenfetch_engine::token_result::{Field, TokenResultInput};
use tokenfetch_engine::Failure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::web::host::{construct, get, invoke, is_array, set, static_call};
use crate::web::http::send;
use crate::web::signal::{first_of, sleep};

/// What a source answers: a result to check, or why there is none (with what a callback threw).
pub(crate) type Answer = Result<TokenResultInput, SourceError>;

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
    /// Asks for a token, giving up after `timeout_ms` (and then aborting a `refreshUrl` POST, so
    /// the connection is freed too).
    pub(crate) async fn obtain(&self, timeout_ms: u32) -> Answer {
        let none = JsValue::UNDEFINED;
        let controller = match self {
            Source::Url(_) => construct("AbortController", &none, &none).unwrap_or(none),
            _ => none,
        };
        let answer = async {
            match self {
                Source::Callback(callback) => callback().await,
                Source::Url(url) => post(url, &controller).await,
                Source::Nothing => Err(Reason::NoRefreshSource.into()),
            }
        };
        first_of(answer, sleep(timeout_ms)).await.unwrap_or_else(|()| {
            let _ = invoke(&controller, "abort", &JsValue::UNDEFINED, &JsValue::UNDEFINED);
            Err(Reason::Timeout.into())
        })
    }
}

/// POSTs to `refreshUrl` with cookies and no `Authorization`; the token is in the JSON body.
async fn post(url: &str, controller: &JsValue) -> Answer {
    let network = |_| SourceError::from(Reason::NetworkError);
    let init: JsValue = Object::new().into();
    set(&init, "method", &JsValue::from_str("POST"));
    set(&init, "credentials", &JsValue::from_str("include"));
    set(&init, "signal", &get(controller, "signal"));
    let request = construct("Request", &JsValue::from_str(url), &init).map_err(network)?;
    let response = send(&request).await.map_err(network)?;
    if get(&response, "ok").as_bool() != Some(true) {
        let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
        return Err(Failure { reason: Reason::RefreshUrlStatus, status: Some(status) }.into());
    }
    let text = invoke(&response, "text", &JsValue::UNDEFINED, &JsValue::UNDEFINED).map_err(network)?;
    let text = JsFuture::from(text.unchecked_into::<Promise>()).await.map_err(network)?;
    let body = static_call("JSON", "parse", &text).map_err(|_| SourceError::from(Reason::InvalidJson))?;
    Ok(token_result_input(&body))
}

/// A JS value as the shapes a `TokenResult` can take; an object's properties are read when the
/// engine asks for them.
pub(crate) fn token_result_input(value: &JsValue) -> TokenResultInput {
    if value.is_undefined() || value.is_null() {
        TokenResultInput::Nothing
    } else if value.as_bool() == Some(false) {
        TokenResultInput::SignedOut
    } else if let Some(text) = value.as_string() {
        TokenResultInput::Text(text)
    } else if value.is_object() && !value.is_function() && !is_array(value) {
        let object = value.clone();
        TokenResultInput::Object(Box::new(move |key| field(get(&object, key))))
    } else {
        TokenResultInput::WrongType
    }
}

/// One property's value, reduced to what matters.
fn field(value: JsValue) -> Field {
    if value.is_undefined() {
        Field::Absent
    } else if value.is_null() {
        Field::Null
    } else if let Some(text) = value.as_string() {
        Field::Text(text)
    } else if let Some(number) = value.as_f64() {
        Field::Number(number)
    } else {
        Field::Other
    }
}
