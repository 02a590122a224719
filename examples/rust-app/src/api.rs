//! [`Api`]: the app's typed calls over one [`tokenfetch::Client`].

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokenfetch::{Client, Options, OptionsError, RefreshError};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use crate::error::ApiError;
use crate::session::{request_token, AuthState};

/// Where the app's API and its token endpoint are.
///
/// ```
/// let mut config = tokenfetch_rust_app::Config::new("https://api.example.com/", "/auth/refresh");
/// assert_eq!(config.refresh_ahead_seconds, None);
/// config.dpop = true; // the provider binds its tokens to the client's key
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The API's base URL; the calls' paths resolve against it, and only its origin gets the token.
    pub base_url: String,
    /// Answers a `POST` (with the session cookie) with `{"access_token","expires_in"}`. Relative
    /// to `base_url` when relative.
    pub token_endpoint: String,
    /// Renew this long before the token expires (tokenfetch's default, 60, when `None`).
    pub refresh_ahead_seconds: Option<f64>,
    /// DPoP-bound tokens (RFC 9449): every call carries a proof of the client's own key, and the
    /// built-in refresh proves it to the token endpoint (off when `false`, the default).
    pub dpop: bool,
}

impl Config {
    /// An API at `base_url` whose tokens come from `token_endpoint`.
    pub fn new(base_url: impl Into<String>, token_endpoint: impl Into<String>) -> Config {
        Config {
            base_url: base_url.into(),
            token_endpoint: token_endpoint.into(),
            refresh_ahead_seconds: None,
            dpop: false,
        }
    }
}

/// `GET api/me`: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    /// The user.
    pub sub: String,
    /// The tenant (the devserver's namespace).
    pub ns: String,
    /// When the token expires, in seconds since the epoch.
    pub exp: u64,
}

/// `POST api/echo`: the request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    /// The method.
    pub method: String,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body, as text.
    pub body: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EchoReport {
    method: String,
    content_type: Option<String>,
    body_base64: String,
}

/// The app's API: typed calls that carry the access token, renew it when it is about to expire
/// or is refused, and keep an [`AuthState`] for the UI. A cheap handle: clones share one client,
/// which stops (timer off, token forgotten) when the last clone is dropped.
///
/// ```no_run
/// use tokenfetch_rust_app::{Api, ApiError, Config};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let api = Api::new(Config::new("https://api.example.com/", "/auth/refresh"))?;
/// api.sign_in("eyJ...".to_owned())?;
/// match api.me().await {
///     Ok(me) => println!("hello {}", me.sub),
///     Err(error) if error.is_unauthorized() => println!("please sign in again"),
///     Err(error) => return Err(error.into()),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Api {
    inner: Rc<Inner>,
}

struct Inner {
    client: Client,
    state: Rc<RefCell<AuthState>>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api").field("client", &self.inner.client).finish_non_exhaustive()
    }
}

/// By identity: two handles are equal when they share the client (what Yew's context wants).
impl PartialEq for Api {
    fn eq(&self, other: &Api) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Api {
    /// An API whose tokens come from the app's own callback, which POSTs to the token endpoint
    /// and tells "signed out" (401, 403, `invalid_grant`) from "try again later".
    pub fn new(config: Config) -> Result<Api, OptionsError> {
        let state = Rc::new(RefCell::new(AuthState::default()));
        let endpoint = resolve(&config.base_url, &config.token_endpoint);
        let for_callback = Rc::clone(&state);
        let options =
            Options::new().on_token_expired(move || request_token(endpoint.clone(), Rc::clone(&for_callback)));
        Api::build(config, options, state)
    }

    /// An API whose tokens come from tokenfetch's built-in refresh: it POSTs to the token
    /// endpoint itself (`refresh_url`, cookie included). No callback to write, but a refused
    /// session only counts as a failed refresh; the token is kept.
    pub fn with_session_cookie(config: Config) -> Result<Api, OptionsError> {
        let options = Options::new().refresh_url(config.token_endpoint.clone());
        Api::build(config, options, Rc::default())
    }

    fn build(config: Config, options: Options, state: Rc<RefCell<AuthState>>) -> Result<Api, OptionsError> {
        let log = Rc::clone(&state);
        let mut options =
            options.base_url(config.base_url).dpop(config.dpop).on_event(move |event| log.borrow_mut().record(event));
        if let Some(seconds) = config.refresh_ahead_seconds {
            options = options.refresh_ahead_seconds(seconds);
        }
        let client = Client::new(options)?;
        Ok(Api { inner: Rc::new(Inner { client, state }) })
    }

    /// `GET api/me`.
    pub async fn me(&self) -> Result<Me, ApiError> {
        let response = self.inner.client.fetch_with_str("api/me").await.map_err(ApiError::Network)?;
        json(response).await
    }

    /// `POST api/echo` with `body` as JSON: what the server received.
    pub async fn echo<B: Serialize + ?Sized>(&self, body: &B) -> Result<Echo, ApiError> {
        let init = RequestInit::new();
        init.set_method("POST");
        let headers = Headers::new().map_err(ApiError::Network)?;
        headers.set("Content-Type", "application/json").map_err(ApiError::Network)?;
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&serde_json::to_string(body)?));
        let response = self.inner.client.fetch_with_str_and_init("api/echo", &init).await.map_err(ApiError::Network)?;
        let report: EchoReport = json(response).await?;
        Ok(Echo { method: report.method, content_type: report.content_type, body: decode_base64(&report.body_base64)? })
    }

    /// Uses `token` from now on (what the login answered). A token that cannot go into a header
    /// is refused.
    pub fn sign_in(&self, token: String) -> Result<(), OptionsError> {
        self.inner.client.set_token(Some(token))
    }

    /// Forgets the token.
    pub fn sign_out(&self) {
        self.inner.client.clear();
    }

    /// Whether a token is held.
    pub fn is_signed_in(&self) -> bool {
        self.inner.client.has_token()
    }

    /// Renews the token now (joins a renewal already running).
    pub async fn renew(&self) -> Result<(), RefreshError> {
        self.inner.client.refresh().await
    }

    /// What the UI shows about the session.
    pub fn auth_state(&self) -> AuthState {
        self.inner.state.borrow().clone()
    }

    /// The tokenfetch client, for calls this layer does not wrap.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }
}

/// The body of a 2xx response as `T`; any other status is an error.
async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(ApiError::Status(response.status()));
    }
    let text = JsFuture::from(response.text().map_err(ApiError::Network)?).await.map_err(ApiError::Network)?;
    Ok(serde_json::from_str(&text.as_string().unwrap_or_default())?)
}

/// `endpoint` resolved against `base` (the callback's `fetch` would resolve it against the page).
fn resolve(base: &str, endpoint: &str) -> String {
    web_sys::Url::new_with_base(endpoint, base).map(|url| url.href()).unwrap_or_else(|_| endpoint.to_owned())
}

fn decode_base64(text: &str) -> Result<String, ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Decode("no window".into()))?;
    let binary = window.atob(text).map_err(|_| ApiError::Decode("body is not base64".into()))?;
    let bytes: Vec<u8> = binary.chars().map(|c| c as u8).collect();
    String::from_utf8(bytes).map_err(|_| ApiError::Decode("body is not UTF-8".into()))
}
