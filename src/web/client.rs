//! `AuthClient`, the class JS sees. It is a handle (`Rc<Inner>`): every async method clones the
//! `Rc` before its first `.await`, so no `&self` borrow outlives the call (wasm-bindgen #4440).
//!
//! ```js
//! const client = new AuthClient({ token, onTokenExpired: async () => (await login()).accessToken });
//! const response = await client.fetch("/api/orders", { method: "POST", body: JSON.stringify(order) });
//! ```

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::EventTarget;

use crate::engine::call::Policy;
use crate::engine::clock::Skew;
use crate::engine::state::{Origin, TokenState};
use crate::engine::token::Token;
use crate::engine::token_result::NewToken;
use crate::web::events::{Events, Trigger};
use crate::web::js::{get, now_ms, object, type_error};
use crate::web::options::{parse, Config};
use crate::web::refresh::as_bool_promise;
use crate::web::tabs::Tabs;
use crate::web::types::{AuthClientOptions, AuthRequestInit};

/// An event listener added by the client: where, for which event, and the closure to remove.
type Listener = (EventTarget, &'static str, Closure<dyn FnMut()>);

/// Shared state behind the `AuthClient` handle.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) events: Events,
    pub(crate) state: RefCell<TokenState>,
    /// The running refresh, for callers that join it.
    pub(crate) in_flight: RefCell<Option<Promise>>,
    /// The proactive timer; dropping it cancels it.
    pub(crate) timer: RefCell<Option<Timeout>>,
    /// Set by `free()`: nothing is installed or scheduled afterwards.
    pub(crate) closed: Cell<bool>,
    /// Offset between the server's clock and ours.
    pub(crate) skew: RefCell<Skew>,
    /// Random in [0, 1), drawn per token: spreads the proactive refreshes of several tabs.
    pub(crate) jitter: Cell<f64>,
    /// Wake-up listeners (`visibilitychange`, `pageshow`, `online`), removed by `free()`.
    listeners: RefCell<Vec<Listener>>,
    /// The shared channel when `shareAcrossTabs` is on and the browser supports it.
    pub(crate) tabs: RefCell<Option<Rc<Tabs>>>,
}

impl Inner {
    pub(crate) fn policy(&self) -> Policy {
        Policy { refresh_ahead_ms: self.config.settings.refresh_ahead_ms, has_source: self.config.has_source() }
    }

    /// The server's time now, as far as we can tell.
    pub(crate) fn server_now(&self) -> f64 {
        self.skew.borrow().server_now(now_ms())
    }

    /// Installs a token (from the application, a refresh or another tab) and re-arms the timer.
    pub(crate) fn install(self: &Rc<Self>, new: NewToken, origin: Origin) {
        self.skew.borrow_mut().observe_token(new.issued_at_ms, new.expires_at_ms, now_ms());
        self.jitter.set(js_sys::Math::random());
        self.state.borrow_mut().install(new, origin);
        self.arm_timer();
    }

    /// Installs a token given by the application (constructor or `setToken`).
    fn set(self: &Rc<Self>, token: Token) {
        let new = NewToken::from_token(token);
        let expires_at_ms = new.expires_at_ms;
        self.install(new, Origin::Set);
        self.events.token_set(expires_at_ms);
    }

    fn clear(&self) {
        self.state.borrow_mut().clear();
        self.timer.replace(None);
    }

    /// Clears this tab only (another tab cleared the shared token).
    pub(crate) fn clear_local(&self) {
        if self.state.borrow().token().is_some() {
            self.clear();
            self.events.cleared();
        }
    }

    /// The shared channel, if any.
    pub(crate) fn tabs(&self) -> Option<Rc<Tabs>> {
        self.tabs.borrow().clone()
    }

    /// Re-checks expiry when the page comes back (tab shown, restored from the back/forward cache,
    /// network back): timers may have been throttled or the machine may have slept.
    fn listen_for_wake_ups(self: &Rc<Self>) {
        if !self.config.settings.auto_refresh || !self.config.has_source() {
            return;
        }
        let global: JsValue = js_sys::global().into();
        let document = get(&global, "document");
        for (target, event) in [(document, "visibilitychange"), (global.clone(), "pageshow"), (global, "online")] {
            let Ok(target) = target.dyn_into::<EventTarget>() else { continue };
            let weak = Rc::downgrade(self);
            let closure = Closure::<dyn FnMut()>::new(move || {
                let hidden = get(&get(&js_sys::global(), "document"), "visibilityState").as_string().as_deref() == Some("hidden");
                if let (Some(inner), false) = (weak.upgrade(), hidden) {
                    inner.arm_timer();
                }
            });
            if target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref()).is_ok() {
                self.listeners.borrow_mut().push((target, event, closure));
            }
        }
    }

    /// `free()`: forget the token, stop the timer and the listeners, even while requests still
    /// hold this `Inner`.
    fn shut_down(&self) {
        self.closed.set(true);
        self.clear();
        for (target, event, closure) in self.listeners.take() {
            let _ = target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
        if let Some(tabs) = self.tabs.take() {
            tabs.leave();
        }
    }
}

/// An HTTP client that holds a bearer token in memory, refreshes it ahead of expiry and, on a
/// 401, gets a new one and retries the request once.
///
/// ```js
/// const client = new AuthClient({
///   token: initialToken,
///   onTokenExpired: async () => (await fetch("/auth/refresh", { method: "POST" })).json(),
/// });
/// const me = await (await client.fetch("/api/me")).json();
/// ```
#[wasm_bindgen]
#[derive(Debug)]
pub struct AuthClient(Rc<Inner>);

#[wasm_bindgen]
impl AuthClient {
    /// Creates a client. Throws `TypeError` for an option of the wrong type and `RangeError` for
    /// a number out of range, naming the option.
    ///
    /// ```js
    /// const client = new AuthClient({ refreshUrl: "/auth/refresh", refreshAheadSeconds: 30 });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<AuthClientOptions>) -> Result<AuthClient, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let (config, token) = parse(&options)?;
        let inner = Rc::new(Inner {
            events: Events::new(config.on_event.clone()),
            config,
            state: RefCell::new(TokenState::default()),
            in_flight: RefCell::new(None),
            timer: RefCell::new(None),
            closed: Cell::new(false),
            skew: RefCell::new(Skew::default()),
            jitter: Cell::new(0.0),
            listeners: RefCell::new(Vec::new()),
            tabs: RefCell::new(None),
        });
        if let Some(token) = token {
            inner.set(token);
        }
        if let Some(channel) = &inner.config.share_channel {
            let tabs = Tabs::join(channel, Rc::downgrade(&inner));
            if let Some(tabs) = &tabs {
                tabs.announce(inner.state.borrow().token().is_some());
            }
            inner.tabs.replace(tabs);
        }
        inner.listen_for_wake_ups();
        Ok(AuthClient(inner))
    }

    /// Like the global `fetch`, with the token attached for allowed origins and one refresh and
    /// retry on a `refreshOn` status. `init.auth === false` skips all of it.
    ///
    /// ```js
    /// const response = await client.fetch("/api/me", { headers: { Accept: "application/json" } });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        init: Option<AuthRequestInit>,
    ) -> Promise {
        let inner = Rc::clone(&self.0);
        future_to_promise(inner.fetch(input, init.map(Into::into)))
    }

    /// Replaces the token (re-arms the refresh timer); `null` or `""` forgets it.
    /// Throws `TypeError` for a non-string or a token that cannot go into a header.
    ///
    /// ```js
    /// client.setToken(loginResponse.accessToken);
    /// ```
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(&self, #[wasm_bindgen(unchecked_param_type = "string | null")] token: JsValue) -> Result<(), JsValue> {
        if token.is_null() || token.is_undefined() {
            self.clear();
            return Ok(());
        }
        // One copy into wasm memory, owned by `Token` (zeroized on drop) from the start.
        let text = token.as_string().ok_or_else(|| type_error("setToken: token must be a string or null"))?;
        if text.is_empty() {
            self.clear();
            return Ok(());
        }
        let token = Token::parse(text).map_err(|e| type_error(e.message()))?;
        self.0.set(token);
        if let Some(tabs) = self.0.tabs() {
            tabs.send_token(&self.0);
        }
        Ok(())
    }

    /// Refreshes now (single-flight: joins a running refresh); resolves to true when a new token
    /// was installed.
    ///
    /// ```js
    /// if (!(await client.refresh())) showLogin();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<boolean>")]
    pub fn refresh(&self) -> Promise {
        as_bool_promise(self.0.refresh(Trigger::Manual))
    }

    /// Forgets the token and cancels the refresh timer.
    ///
    /// ```js
    /// logoutButton.onclick = () => client.clear();
    /// ```
    pub fn clear(&self) {
        self.0.clear();
        self.0.events.cleared();
        if let Some(tabs) = self.0.tabs() {
            tabs.send_cleared();
        }
    }

    /// Whether a token is held.
    #[wasm_bindgen(getter, js_name = hasToken)]
    pub fn has_token(&self) -> bool {
        self.0.state.borrow().token().is_some()
    }

    /// Expiry of the current token in ms since the epoch, or `null` when unknown.
    #[wasm_bindgen(getter, js_name = expiresAt, unchecked_return_type = "number | null")]
    pub fn expires_at(&self) -> JsValue {
        self.0.state.borrow().expires_at_ms().map_or(JsValue::NULL, JsValue::from_f64)
    }

    /// What `JSON.stringify(client)` shows: state, never the token.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "{ hasToken: boolean; expiresAt: number | null }")]
    pub fn to_json(&self) -> JsValue {
        object(&[("hasToken", self.has_token().into()), ("expiresAt", self.expires_at())]).into()
    }
}

impl Drop for AuthClient {
    fn drop(&mut self) {
        self.0.shut_down();
    }
}
