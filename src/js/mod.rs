//! `AuthClient`, the class JS sees: a thin facade that maps JS values onto [`Client`] and back.
//! It is a handle: async methods take what they need before returning a promise, so no `&self`
//! borrow outlives a call (wasm-bindgen #4440).
//!
//! ```js
//! const client = new AuthClient({ token, onTokenExpired: async () => (await login()).accessToken });
//! const response = await client.fetch("/api/orders", { method: "POST", body: JSON.stringify(order) });
//! ```

mod events;
mod options;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::client::Client;
use crate::driver::Auth;
use crate::error::OptionsError;
use crate::web::host::{construct, get};
use crate::web::signal::{promise, rejected};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("types.d.ts");

#[wasm_bindgen]
extern "C" {
    /// `AuthClientOptions` in `types.d.ts`.
    #[wasm_bindgen(typescript_type = "AuthClientOptions")]
    #[derive(Debug)]
    pub type AuthClientOptions;

    /// `AuthRequestInit` in `types.d.ts`: `RequestInit` plus `auth?: boolean | "proof"`.
    #[wasm_bindgen(typescript_type = "AuthRequestInit")]
    #[derive(Debug)]
    pub type AuthRequestInit;
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
pub struct AuthClient(Client);

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
        let options = options.map_or(JsValue::UNDEFINED, Into::into);
        Ok(AuthClient(Client::new(options::read(&options)?)?))
    }

    /// Like the global `fetch`, with the token attached for allowed origins and one refresh and
    /// retry on a `refreshOn` status. `init.auth === false`, or an `Authorization` header of the
    /// caller's own, sends the request exactly as given; `init.auth === "proof"` (with `dpop`)
    /// sends it with a DPoP proof and no token, to any origin.
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
        if input.is_undefined() {
            let message = JsValue::from_str("AuthClient.fetch: 1 argument required, but only 0 present");
            return rejected(&construct("TypeError", &message, &JsValue::UNDEFINED).unwrap_or(message));
        }
        // As `fetch`: `init` goes to `new Request` as it is (`auth` is ignored there).
        let init: JsValue = init.map_or(JsValue::UNDEFINED, Into::into);
        let auth = get(&init, "auth");
        let auth = match (auth.as_bool(), auth.as_string().as_deref()) {
            (Some(false), _) => Auth::Off,
            (_, Some("proof")) => Auth::Proof,
            _ => Auth::Token,
        };
        // Built and sent now, as `fetch` does; what fails here rejects at once.
        self.0.shared().fetch(&input, &init, auth).unwrap_or_else(|error| rejected(&error))
    }

    /// Replaces the token (re-arms the refresh timer); `null` or `""` forgets it.
    /// Throws `TypeError` for a non-string or a token that cannot go into a header.
    ///
    /// ```js
    /// client.setToken(loginResponse.accessToken);
    /// ```
    #[wasm_bindgen(js_name = setToken)]
    pub fn set_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | null")] token: JsValue,
    ) -> Result<(), JsValue> {
        if token.is_null() || token.is_undefined() {
            self.0.clear();
            return Ok(());
        }
        let text = token.as_string().ok_or(OptionsError::type_error("setToken: token must be a string or null"))?;
        Ok(self.0.set_token(Some(text))?)
    }

    /// Refreshes now (single-flight: joins a running refresh); resolves to true when a new token
    /// was installed.
    ///
    /// ```js
    /// if (!(await client.refresh())) showLogin();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<boolean>")]
    pub fn refresh(&self) -> Promise {
        let settled = self.0.shared().refresh();
        promise(async move { Ok(JsValue::from_bool(settled.wait().await.is_ok())) })
    }

    /// With `dpop`: a DPoP proof for the application's own request (no `ath`; with that origin's
    /// nonce when known). Rejects with a `TypeError` for a method or URL that is not valid.
    ///
    /// ```js
    /// socket = new WebSocket(`wss://api.example.com/ws?dpop=${await client.dpopProof("GET", "https://api.example.com/ws")}`);
    /// ```
    #[wasm_bindgen(js_name = dpopProof, unchecked_return_type = "Promise<string>")]
    pub fn dpop_proof(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] method: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | URL")] url: JsValue,
    ) -> Promise {
        let (Some(method), Some(url)) = (method.as_string(), crate::web::host::text_of(&url)) else {
            return rejected(&OptionsError::type_error("dpopProof: method and url must be strings").into());
        };
        self.0.shared().dpop_proof(&method, &url).unwrap_or_else(|error| rejected(&error))
    }

    /// With `dpop`: the key's JWK SHA-256 thumbprint (RFC 7638, base64url), which an
    /// authorization request sends as `dpop_jkt`.
    ///
    /// ```js
    /// authorizeUrl.searchParams.set("dpop_jkt", await client.dpopThumbprint());
    /// ```
    #[wasm_bindgen(js_name = dpopThumbprint, unchecked_return_type = "Promise<string>")]
    pub fn dpop_thumbprint(&self) -> Promise {
        self.0.shared().dpop_thumbprint().unwrap_or_else(|error| rejected(&error))
    }

    /// Forgets the token and cancels the refresh timer.
    ///
    /// ```js
    /// logoutButton.onclick = () => client.clear();
    /// ```
    pub fn clear(&self) {
        self.0.clear();
    }

    /// Whether a token is held.
    #[wasm_bindgen(getter, js_name = hasToken)]
    pub fn has_token(&self) -> bool {
        self.0.has_token()
    }

    /// Expiry of the current token in ms since the epoch, or `null` when unknown.
    #[wasm_bindgen(getter, js_name = expiresAt, unchecked_return_type = "number | null")]
    pub fn expires_at(&self) -> JsValue {
        self.0.expires_at().map_or(JsValue::NULL, JsValue::from_f64)
    }
}
