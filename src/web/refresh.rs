//! Getting a new token: the single-flight refresh shared by every path (before a send, on a
//! `refreshOn` status, the timer, `refresh()`), its sources (callback or `refreshUrl`), its
//! timeout, and the proactive timer.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};
use web_sys::{AbortController, RequestCredentials};

use crate::engine::expiry::{backoff_delay_ms, jittered_ahead_ms, timer_delay_ms, MAX_TIMER_SLICE_MS};
use crate::engine::state::{Begin, Origin};
use crate::engine::token_result::{
    parse_token_result, Field, NewToken, TokenResultError, TokenResultInput, EXPIRES_AT_KEYS, EXPIRES_IN_KEYS,
    TOKEN_KEYS,
};
use crate::web::client::Inner;
use crate::web::events::Trigger;
use crate::web::js::{get, within};

/// Why a refresh produced no token; `reason()` is the event's `reason`.
#[derive(Debug)]
pub(crate) enum Failure {
    NoSource,
    CallbackError(JsValue),
    Timeout,
    Status(u16),
    Network,
    InvalidJson,
    Result(TokenResultError),
    Superseded,
}

impl Failure {
    fn reason(&self) -> &'static str {
        match self {
            Failure::NoSource => "no-refresh-source",
            Failure::CallbackError(_) => "callback-error",
            Failure::Timeout => "timeout",
            Failure::Status(_) => "refresh-url-status",
            Failure::Network => "network-error",
            Failure::InvalidJson => "invalid-json",
            Failure::Result(error) => error.reason(),
            Failure::Superseded => "superseded",
        }
    }
}

/// A JS value reduced to the shapes a `TokenResult` can take.
fn token_result_input(value: &JsValue) -> TokenResultInput {
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

/// POSTs to `refreshUrl` with cookies and no `Authorization`; resolves to the JSON body.
async fn post_refresh_url(url: &str, controller: Option<&AbortController>) -> Result<JsValue, Failure> {
    let signal = controller.map(AbortController::signal);
    let response = gloo_net::http::Request::post(url)
        .credentials(RequestCredentials::Include)
        .abort_signal(signal.as_ref())
        .send()
        .await
        .map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(Failure::Status(response.status()));
    }
    let body = response.text().await.map_err(|_| Failure::Network)?;
    js_sys::JSON::parse(&body).map_err(|_| Failure::InvalidJson)
}

impl Inner {
    /// Starts a refresh or joins the running one; resolves to whether a token was installed.
    pub(crate) fn refresh(self: &Rc<Self>, trigger: Trigger) -> JsFuture {
        let begin = self.state.borrow_mut().begin_refresh();
        match begin {
            Begin::Join(_) => self.running_refresh(),
            Begin::Start(id) => {
                let this = Rc::clone(self);
                let promise = future_to_promise(async move {
                    let installed = this.run_refresh(id, trigger).await;
                    Ok(JsValue::from_bool(installed))
                });
                // The future runs on a later tick, so the refresh is still running here.
                if self.state.borrow().is_refreshing() {
                    self.in_flight.replace(Some(promise.clone()));
                }
                JsFuture::from(promise)
            }
        }
    }

    /// The running refresh, or an already-settled `false` when none is running.
    pub(crate) fn running_refresh(&self) -> JsFuture {
        let promise = self.in_flight.borrow().clone();
        JsFuture::from(promise.unwrap_or_else(|| Promise::resolve(&JsValue::FALSE)))
    }

    async fn run_refresh(self: Rc<Self>, id: u64, trigger: Trigger) -> bool {
        self.events.refresh_start(trigger);
        let generation = self.state.borrow().generation();
        let installed = match self.tabs() {
            // Under the tabs' lock: a tab that gets it after another refreshed already holds the
            // new token (the generation moved) and does not call its own callback.
            Some(tabs) => tabs.locked(Rc::clone(&self).obtain_and_install(generation)).await,
            None => Rc::clone(&self).obtain_and_install(generation).await,
        };
        // A superseded refresh did not fail: someone else installed or cleared a token meanwhile.
        let succeeded = installed || self.state.borrow().generation() != generation;
        let now = self.server_now();
        self.state.borrow_mut().finish_refresh(id, succeeded, now);
        self.in_flight.replace(None);
        self.arm_timer();
        installed || (succeeded && self.state.borrow().token().is_some())
    }

    /// Gets a token and installs it, unless the token changed since `generation`; shares it with
    /// the other tabs (and waits for their acknowledgements) when the option is on.
    async fn obtain_and_install(self: Rc<Self>, generation: u64) -> bool {
        if self.state.borrow().generation() != generation {
            return false;
        }
        let outcome = match self.obtain().await {
            Ok(_) if self.closed.get() => Err(Failure::Superseded),
            Ok(_) if self.state.borrow().generation() != generation => Err(Failure::Superseded),
            other => other,
        };
        match outcome {
            Ok(new) => {
                let expires_at_ms = new.expires_at_ms;
                self.install(new, Origin::Refresh);
                self.events.refreshed(expires_at_ms);
                if let Some(tabs) = self.tabs() {
                    tabs.share_token(&self).await;
                }
                true
            }
            Err(failure) => {
                if !self.closed.get() {
                    let status = if let Failure::Status(status) = failure { Some(status) } else { None };
                    let reason = failure.reason();
                    let error = if let Failure::CallbackError(error) = failure { Some(error) } else { None };
                    self.events.refresh_failed(reason, status, error);
                }
                false
            }
        }
    }

    /// Asks the callback, or else `refreshUrl`, for a token within `refreshTimeoutMs`.
    async fn obtain(&self) -> Result<NewToken, Failure> {
        let timeout = self.config.settings.refresh_timeout_ms;
        let value = if let Some(callback) = &self.config.on_token_expired {
            let returned = callback.call0(&JsValue::UNDEFINED).map_err(Failure::CallbackError)?;
            match within(JsFuture::from(Promise::resolve(&returned)), timeout).await {
                None => return Err(Failure::Timeout),
                Some(settled) => settled.map_err(Failure::CallbackError)?,
            }
        } else if let Some(url) = &self.config.refresh_url {
            let controller = AbortController::new().ok();
            match within(post_refresh_url(url, controller.as_ref()), timeout).await {
                None => {
                    if let Some(controller) = controller {
                        controller.abort();
                    }
                    return Err(Failure::Timeout);
                }
                Some(body) => body?,
            }
        } else {
            return Err(Failure::NoSource);
        };
        parse_token_result(token_result_input(&value), self.server_now()).map_err(Failure::Result)
    }

    /// (Re-)arms the proactive timer from the current token's expiry; cancels it when not needed.
    /// It sleeps at most [`MAX_TIMER_SLICE_MS`] at a time and then re-checks the clock, so a
    /// machine that slept past the due time refreshes as soon as it wakes.
    pub(crate) fn arm_timer(self: &Rc<Self>) {
        self.timer.replace(None);
        if self.closed.get() || !self.config.settings.auto_refresh || !self.config.has_source() {
            return;
        }
        let now = self.server_now();
        let delay = {
            let state = self.state.borrow();
            let Some(expires_at) = state.expires_at_ms() else { return };
            if state.failures_in_row() > 0 {
                // Keep trying while the token is still good; once it has expired, requests take over.
                if expires_at <= now {
                    return;
                }
                backoff_delay_ms(state.failures_in_row())
            } else {
                let ahead = jittered_ahead_ms(self.config.settings.refresh_ahead_ms, self.jitter.get());
                let from_refresh = state.origin() == Some(Origin::Refresh);
                let Some(delay) = timer_delay_ms(Some(expires_at), now, ahead, from_refresh) else { return };
                delay
            }
        };
        let due = delay <= MAX_TIMER_SLICE_MS;
        let weak = Rc::downgrade(self);
        let timeout = Timeout::new(delay.min(MAX_TIMER_SLICE_MS) as u32, move || {
            let Some(inner) = weak.upgrade() else { return };
            if due {
                spawn_local(async move {
                    let _ = inner.refresh(Trigger::Timer).await;
                });
            } else {
                inner.arm_timer();
            }
        });
        self.timer.replace(Some(timeout));
    }
}

/// The promise type `refresh()` hands to JS.
pub(crate) fn as_bool_promise(future: JsFuture) -> Promise {
    future_to_promise(async move { Ok(JsValue::from_bool(future.await.ok().and_then(|v| v.as_bool()).unwrap_or(false))) })
}
