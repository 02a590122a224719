//! The session side of the app: what the UI shows about it ([`AuthState`], fed by tokenfetch's
//! events) and how the app gets a new access token (its token callback).

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;
use tokenfetch::{Event, Reason, TokenResult};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// What the UI can show about the session: a sign-in badge, a spinner while the token is
/// renewed, why it could not be. Built from the client's events (which never carry the token).
///
/// In a Leptos app the same [`AuthState::record`] would run inside a signal's `update`.
///
/// ```
/// use tokenfetch_rust_app::{AuthState, Event, Trigger};
/// let mut state = AuthState::default();
/// state.record(&Event::TokenSet { expires_at_ms: None });
/// state.record(&Event::RefreshStart { trigger: Trigger::Status });
/// assert!(state.signed_in && state.refreshing);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthState {
    /// A token is held.
    pub signed_in: bool,
    /// A refresh is running.
    pub refreshing: bool,
    /// Why the last refresh failed, until one succeeds.
    pub last_failure: Option<Reason>,
    /// How often the app's token callback asked its token endpoint.
    pub token_requests: u32,
    /// Every event so far, oldest first.
    pub events: Vec<Event>,
}

impl AuthState {
    /// Takes one event into account.
    pub fn record(&mut self, event: &Event) {
        match *event {
            Event::TokenSet { .. } | Event::Refreshed { .. } => {
                self.signed_in = true;
                self.refreshing = false;
                self.last_failure = None;
            }
            Event::RefreshStart { .. } => self.refreshing = true,
            Event::RefreshFailed { reason, .. } => {
                self.refreshing = false;
                self.last_failure = Some(reason);
            }
            Event::Cleared => self.signed_in = false,
            Event::Retry { .. } | Event::DpopKey { .. } => {}
        }
        self.events.push(*event);
    }

    /// The events' names, oldest first (`"token-set"`, `"refresh-start"`, ...).
    pub fn event_names(&self) -> Vec<&'static str> {
        self.events.iter().map(Event::name).collect()
    }
}

/// What a token endpoint answers: `{"access_token","expires_in","token_type"}`, or an OAuth error.
#[derive(Debug, Default, Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<f64>,
    token_type: Option<String>,
    error: Option<String>,
}

/// The app's token callback: POSTs to `endpoint` with the session cookie and says what the
/// answer means. A new token (with its lifetime); "signed out" when the session is gone (401,
/// 403, or OAuth's `invalid_grant`), which tokenfetch's built-in `refresh_url` cannot tell from an
/// outage; "give up" for anything else, so the token is kept and a later call tries again.
pub(crate) async fn request_token(endpoint: String, state: Rc<RefCell<AuthState>>) -> Result<TokenResult, JsValue> {
    state.borrow_mut().token_requests += 1;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_credentials(RequestCredentials::Include);
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(&endpoint, &init)).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    let answer: TokenAnswer = serde_json::from_str(&text).unwrap_or_default();
    Ok(match (response.status(), answer) {
        (200..=299, TokenAnswer { access_token: Some(token), expires_in, token_type, .. }) => {
            TokenResult::Token { token, expires_in, expires_at: None, token_type }
        }
        (401 | 403, _) => TokenResult::SignedOut,
        (400, TokenAnswer { error: Some(error), .. }) if error == "invalid_grant" => TokenResult::SignedOut,
        _ => TokenResult::GiveUp,
    })
}
