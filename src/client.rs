//! [`Client`]: the client from Rust. The JS `AuthClient` is a thin facade over it.

use alloc::rc::Rc;
use alloc::string::String;
use core::future::Future;

use js_sys::Promise;
use tokenfetch_engine::token::Token;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::driver::{Auth, Shared};
use crate::error::{OptionsError, RefreshError};
use crate::options::Options;

/// An HTTP client that holds a bearer token in memory, refreshes it ahead of expiry and, on a 401,
/// gets a new one and retries the request once. Dropping it forgets the token (zeroized) and stops
/// its timer, also while requests are still running.
///
/// ```no_run
/// use tokenfetch::{Client, Options, TokenResult};
/// # async fn run() -> Result<(), wasm_bindgen::JsValue> {
/// let client = Client::new(
///     Options::new()
///         .token(login_token())
///         .on_token_expired(|| async { Ok(TokenResult::from(refresh_with_my_provider().await?)) }),
/// )?;
/// let response: web_sys::Response = client.fetch_with_str("/api/orders").await?;
/// assert!(response.ok());
/// # Ok(()) }
/// # fn login_token() -> String { unimplemented!() }
/// # async fn refresh_with_my_provider() -> Result<String, wasm_bindgen::JsValue> { unimplemented!() }
/// ```
pub struct Client {
    shared: Rc<Shared>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client").field("has_token", &self.has_token()).field("expires_at", &self.expires_at()).finish()
    }
}

impl Client {
    /// A client with these options; refused when an option is out of range or not valid.
    pub fn new(options: Options) -> Result<Client, OptionsError> {
        Ok(Client { shared: Shared::start(options.check()?) })
    }

    /// Like the browser's `fetch(request)`, with the token for allowed origins and one refresh
    /// and retry on a `refreshOn` status. The request is read now (its body is used).
    pub fn fetch(&self, request: &Request) -> impl Future<Output = Result<Response, JsValue>> + 'static {
        self.send(self.shared.fetch(request, &JsValue::UNDEFINED, Auth::Token))
    }

    /// `fetch` of a URL, relative ones resolved against `base_url` (or the page).
    pub fn fetch_with_str(&self, url: &str) -> impl Future<Output = Result<Response, JsValue>> + 'static {
        self.send(self.shared.fetch(&JsValue::from_str(url), &JsValue::UNDEFINED, Auth::Token))
    }

    /// `fetch(url, init)`.
    pub fn fetch_with_str_and_init(
        &self,
        url: &str,
        init: &RequestInit,
    ) -> impl Future<Output = Result<Response, JsValue>> + 'static {
        self.send(self.shared.fetch(&JsValue::from_str(url), init, Auth::Token))
    }

    /// `fetch` without the token and the refresh handling (`auth: false` in JS).
    pub fn fetch_without_token(&self, request: &Request) -> impl Future<Output = Result<Response, JsValue>> + 'static {
        self.send(self.shared.fetch(request, &JsValue::UNDEFINED, Auth::Off))
    }

    /// `fetch` with a DPoP proof and no token, to any origin, with the nonce retry and no refresh
    /// handling (`auth: "proof"` in JS): how a token callback calls its token endpoint with the
    /// client's key. Needs [`Options::dpop`].
    ///
    /// ```no_run
    /// # async fn f(client: &tokenfetch::Client, form: &str) -> Result<(), wasm_bindgen::JsValue> {
    /// let init = web_sys::RequestInit::new();
    /// init.set_method("POST");
    /// init.set_body(&form.into());
    /// let request = web_sys::Request::new_with_str_and_init("https://login.example.com/oauth/token", &init)?;
    /// let response = client.fetch_with_proof(&request).await?;
    /// # Ok(()) }
    /// ```
    pub fn fetch_with_proof(&self, request: &Request) -> impl Future<Output = Result<Response, JsValue>> + 'static {
        self.send(self.shared.fetch(request, &JsValue::UNDEFINED, Auth::Proof))
    }

    /// A DPoP proof for the application's own request `method url` (no `ath`; with that origin's
    /// nonce when known). `Err` is a `TypeError` for a method or URL that is not valid, or
    /// without [`Options::dpop`].
    ///
    /// ```no_run
    /// # async fn f(client: &tokenfetch::Client) -> Result<(), wasm_bindgen::JsValue> {
    /// let proof: String = client.dpop_proof("GET", "https://api.example.com/ws").await?;
    /// # Ok(()) }
    /// ```
    pub fn dpop_proof(&self, method: &str, url: &str) -> impl Future<Output = Result<String, JsValue>> + 'static {
        let proof = self.shared.dpop_proof(method, url);
        async move { Ok(JsFuture::from(proof?).await?.as_string().unwrap_or_default()) }
    }

    /// The DPoP key's JWK SHA-256 thumbprint (RFC 7638, base64url): what an authorization
    /// request sends as `dpop_jkt`. Needs [`Options::dpop`].
    pub fn dpop_thumbprint(&self) -> impl Future<Output = Result<String, JsValue>> + 'static {
        let thumbprint = self.shared.dpop_thumbprint();
        async move { Ok(JsFuture::from(thumbprint?).await?.as_string().unwrap_or_default()) }
    }

    /// The client behind the handle, for the JS facade (its promises are the driver's).
    #[cfg(feature = "js")]
    pub(crate) fn shared(&self) -> &Rc<Shared> {
        &self.shared
    }

    /// The response a started call's promise resolves to.
    fn send(&self, sent: Result<Promise, JsValue>) -> impl Future<Output = Result<Response, JsValue>> + 'static {
        async move { JsFuture::from(sent?).await.map(JsCast::unchecked_into) }
    }

    /// Replaces the token and re-arms the refresh timer; `None` or `""` forgets it. A token that
    /// cannot go into a header is refused. Ends "signed out". The `String` is taken, not copied,
    /// so the client holds the only copy and zeroizes it when the token is replaced.
    ///
    /// ```no_run
    /// # fn f(client: &tokenfetch::Client, access_token: String) -> Result<(), tokenfetch::OptionsError> {
    /// client.set_token(Some(access_token))?;
    /// # Ok(()) }
    /// ```
    pub fn set_token(&self, token: Option<String>) -> Result<(), OptionsError> {
        let token = Token::from_application(token).map_err(|e| OptionsError::type_error(e.message()))?;
        self.shared.update(|engine, now| engine.set_token(token, now));
        Ok(())
    }

    /// Refreshes now (single-flight: joins a running refresh). `Ok` when a new token was installed.
    pub fn refresh(&self) -> impl Future<Output = Result<(), RefreshError>> + 'static {
        let settled = self.shared.refresh();
        async move { settled.wait().await.map_err(RefreshError::from) }
    }

    /// Forgets the token and cancels the refresh timer, in every tab when sharing.
    pub fn clear(&self) {
        self.shared.update(|engine, _| engine.clear());
    }

    /// Whether a token is held.
    pub fn has_token(&self) -> bool {
        self.shared.read(|engine| engine.has_token())
    }

    /// Expiry of the current token in ms since the epoch, when known.
    pub fn expires_at(&self) -> Option<f64> {
        self.shared.read(|engine| engine.expires_at())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.shared.close();
    }
}
