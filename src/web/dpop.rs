//! The DPoP key ring of a client (`dpop.js`): the key lives in WebCrypto (and IndexedDB), never in
//! the wasm; Rust holds a handle, asks for proofs of the claims the engine decided, and tells the
//! ring when the engine drops the key.

use js_sys::Promise;
use tokenfetch_engine::dpop::Proof;
use wasm_bindgen::prelude::*;

use crate::web::host::Callback;

#[wasm_bindgen(module = "/src/web/dpop.js")]
extern "C" {
    #[wasm_bindgen(js_name = supported)]
    fn js_supported() -> bool;
    #[wasm_bindgen(js_name = keyRing)]
    fn js_key_ring(name: &str, on_key: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = forget)]
    fn js_forget(ring: &JsValue, stored: bool);
    #[wasm_bindgen(js_name = proof)]
    fn js_proof(ring: &JsValue, htm: &str, htu: &str, iat: f64, nonce: Option<&str>, token: Option<&str>) -> Promise;
    #[wasm_bindgen(js_name = thumbprint)]
    fn js_thumbprint(ring: &JsValue) -> Promise;
}

/// Whether the host has WebCrypto's `crypto.subtle` (only secure contexts do).
pub(crate) fn supported() -> bool {
    js_supported()
}

/// A client's key ring.
pub(crate) struct Keys {
    ring: JsValue,
    _on_key: Callback,
}

impl core::fmt::Debug for Keys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never anything of the key.
        f.write_str("Keys")
    }
}

impl Keys {
    /// The ring of the key named `name` (the tabs' channel name); `on_key(stored)` hears of each
    /// key made or loaded.
    pub(crate) fn new(name: &str, on_key: impl Fn(bool) + 'static) -> Keys {
        let on_key = Callback::new(move |stored: JsValue| {
            on_key(stored.as_bool() == Some(true));
            Ok(())
        });
        Keys { ring: js_key_ring(name, on_key.as_ref()), _on_key: on_key }
    }

    /// The ring, for `requests.js` to sign with.
    pub(crate) fn ring(&self) -> &JsValue {
        &self.ring
    }

    /// Forgets the key (and deletes the stored one when `delete`).
    pub(crate) fn forget(&self, delete: bool) {
        js_forget(&self.ring, delete);
    }

    /// The promise of a proof of `proof`'s claims (its `ath` hashes `token`, when given).
    pub(crate) fn proof(&self, proof: &Proof, token: Option<&str>) -> Promise {
        js_proof(&self.ring, &proof.htm, &proof.htu, proof.iat as f64, proof.nonce.as_deref(), token)
    }

    /// The promise of the key's JWK thumbprint.
    pub(crate) fn thumbprint(&self) -> Promise {
        js_thumbprint(&self.ring)
    }
}
