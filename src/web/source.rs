//! Where new tokens come from: the application's callback or a POST to `refreshUrl`, bounded by
//! `refreshTimeoutMs`, and how a JS value becomes the engine's [`TokenResultInput`].

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String};
use core::future::Future;
use core::pin::Pin;

use js_sys::Array;
use tokenfetch_engine::event::Reason;
use tokenfetch_engine::token_result::{Field, TokenResultInput, EXPIRES_AT_KEYS, EXPIRES_IN_KEYS, TOKEN_KEYS};
use tokenfetch_engine::Failure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Request, RequestCredentials, RequestInit, Response};

use crate::web::host::get;
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
    /// Asks for a token, giving up after `timeout_ms`.
    pub(crate) async fn obtain(&self, timeout_ms: u32) -> Answer {
        match self {
            Source::Callback(callback) => {
                first_of(callback(), sleep(timeout_ms)).await.unwrap_or_else(|()| Err(Reason::Timeout.into()))
            }
            Source::Url(url) => {
                let controller = AbortController::new().ok();
                let answer = first_of(post(url, controller.as_ref()), sleep(timeout_ms)).await;
                answer.unwrap_or_else(|()| {
                    // Free the connection too, not only the caller.
                    if let Some(controller) = controller {
                        controller.abort();
                    }
                    Err(Reason::Timeout.into())
                })
            }
            Source::Nothing => Err(Reason::NoRefreshSource.into()),
        }
    }
}

/// POSTs to `refreshUrl` with cookies and no `Authorization`; the token is in the JSON body.
async fn post(url: &str, controller: Option<&AbortController>) -> Answer {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_credentials(RequestCredentials::Include);
    if let Some(controller) = controller {
        init.set_signal(Some(&controller.signal()));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| SourceError::from(Reason::NetworkError))?;
    let response: Response = send(&request).await.map_err(|_| SourceError::from(Reason::NetworkError))?;
    if !response.ok() {
        return Err(Failure { reason: Reason::RefreshUrlStatus, status: Some(response.status()) }.into());
    }
    let text = response.text().map_err(|_| SourceError::from(Reason::NetworkError))?;
    let text = JsFuture::from(text).await.map_err(|_| SourceError::from(Reason::NetworkError))?;
    let body = js_sys::JSON::parse(&text.as_string().unwrap_or_default())
        .map_err(|_| SourceError::from(Reason::InvalidJson))?;
    Ok(token_result_input(&body))
}

/// A JS value reduced to the shapes a `TokenResult` can take.
pub(crate) fn token_result_input(value: &JsValue) -> TokenResultInput {
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
    if value.is_undefined() || value.is_null() {
        TokenResultInput::Nothing
    } else if *value == JsValue::FALSE {
        TokenResultInput::SignedOut
    } else if let Some(text) = value.as_string() {
        TokenResultInput::Text(text)
    } else if value.is_object() && !value.is_function() && !Array::is_array(value) {
        TokenResultInput::Object {
            token: TOKEN_KEYS.map(|key| field(get(value, key))),
            expires_in: EXPIRES_IN_KEYS.map(|key| field(get(value, key))),
            expires_at: EXPIRES_AT_KEYS.map(|key| field(get(value, key))),
        }
    } else {
        TokenResultInput::WrongType
    }
}
