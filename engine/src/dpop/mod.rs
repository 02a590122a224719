//! DPoP (RFC 9449) decisions: which request gets a proof and what goes into it ([`Dpop`],
//! [`Proof`]: `htm`, `htu`, `iat`, whether `ath` hashes the token sent with it, which `nonce`),
//! and the nonces servers hand out ([`nonces`]). When a request is sent again for a nonce is
//! [`call`](crate::call)'s; `iat` comes from the engine's clock-skew estimate. The host owns the key and
//! does the cryptography (WebCrypto: the signature, `jti`'s random bits, `ath`'s SHA-256) and the
//! JSON: the private key never leaves it.
//!
//! ```
//! use tokenfetch_engine::dpop::{htu, is_method};
//! assert_eq!(htu("https://api.example/v1/orders?page=2#top"), "https://api.example/v1/orders");
//! assert!(is_method("PATCH") && !is_method("GET /x") && !is_method(""));
//! ```

pub mod nonces;

use alloc::string::String;

use crate::origin::origin_of;
use nonces::Nonces;

/// DPoP's part of the engine: whether it is on, and the nonces servers gave, per origin.
///
/// ```
/// use tokenfetch_engine::dpop::Dpop;
/// let mut dpop = Dpop::new(true);
/// dpop.learn("https://api.example/v1/me", "n-1");
/// let proof = dpop.proof_for(false, Some(true), "GET", "https://api.example/v1/orders?p=2", || 1_700_000_000).unwrap();
/// assert_eq!((proof.htu.as_str(), proof.nonce.as_deref(), proof.ath), ("https://api.example/v1/orders", Some("n-1"), true));
/// assert!(dpop.proof_for(false, Some(false), "GET", "https://api.example/", || 0).is_none(), "a Bearer token: no proof");
/// ```
#[derive(Debug, Default)]
pub struct Dpop {
    on: bool,
    nonces: Nonces,
}

/// Why [`Dpop::app_proof`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofError {
    /// The message of the JS `TypeError`.
    pub message: &'static str,
}

impl Dpop {
    /// DPoP on (`dpop: true`) or off.
    pub fn new(on: bool) -> Dpop {
        Dpop { on, nonces: Nonces::default() }
    }

    /// Whether DPoP is on.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The proof a request goes out with, if any: with DPoP on, every proof-mode request
    /// (`auth: "proof"`, the `refreshUrl` POST), and a token request while the token held is
    /// bound (`held_bound`: `Some(true)`; `Some(false)` for `token_type: "Bearer"`), its `ath`
    /// hashing that token. `url` is as the host serialized it; `iat` gives seconds of server
    /// time, asked only when a proof is made (every request comes here, DPoP on or off).
    pub fn proof_for(
        &mut self,
        proof_mode: bool,
        held_bound: Option<bool>,
        method: &str,
        url: &str,
        iat: impl FnOnce() -> u64,
    ) -> Option<Proof> {
        let ath = !proof_mode && held_bound?;
        (self.on && (ath || proof_mode)).then(|| self.proof(method, url, ath, iat()))
    }

    /// `dpopProof(method, url)`: a proof for the application's own request, without `ath`.
    pub fn app_proof(&mut self, method: &str, url: &str, iat: impl FnOnce() -> u64) -> Result<Proof, ProofError> {
        if !self.on {
            return Err(ProofError { message: "dpopProof needs the dpop option" });
        }
        if !is_method(method) {
            return Err(ProofError { message: "dpopProof: method must be an HTTP method such as \"GET\"" });
        }
        if origin_of(url) == "null" {
            return Err(ProofError { message: "dpopProof: url must be an http: or https: URL" });
        }
        Ok(self.proof(method, url, false, iat()))
    }

    /// A response to a request to `url` carried `DPoP-Nonce: nonce` (kept per origin of `url`).
    pub fn learn(&mut self, url: &str, nonce: &str) {
        if self.on {
            self.nonces.learn(origin_of(url), nonce);
        }
    }

    fn proof(&mut self, method: &str, url: &str, ath: bool, iat: u64) -> Proof {
        let nonce = self.nonces.get(origin_of(url)).map(String::from);
        Proof { htm: method.into(), htu: htu(url).into(), iat, nonce, ath }
    }
}

/// What the proof of one request says (besides `jti`, which the host draws).
#[derive(Clone, PartialEq, Eq)]
pub struct Proof {
    /// `htm`: the request's method.
    pub htm: String,
    /// `htu`: the request's URL without query and fragment.
    pub htu: String,
    /// `iat`: seconds since the epoch on the server's clock.
    pub iat: u64,
    /// The nonce the URL's origin gave last, if any.
    pub nonce: Option<String>,
    /// Whether `ath` hashes the access token sent with the proof.
    pub ath: bool,
}

impl core::fmt::Debug for Proof {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The nonce is the server's, not a secret, but it has no business in logs either.
        f.debug_struct("Proof")
            .field("htm", &self.htm)
            .field("htu", &self.htu)
            .field("iat", &self.iat)
            .field("nonce", &self.nonce.as_ref().map(|_| "…"))
            .field("ath", &self.ath)
            .finish()
    }
}

/// `htu` of a request URL as the host's URL parser wrote it (default port dropped, lowercase
/// scheme and host): the URL without its query and fragment.
pub fn htu(url: &str) -> &str {
    let end = url.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// Whether `method` is an HTTP method: an RFC 9110 token.
pub fn is_method(method: &str) -> bool {
    !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn htu_drops_query_and_fragment_only() {
        assert_eq!(htu("http://127.0.0.1:8787/api/me"), "http://127.0.0.1:8787/api/me");
        assert_eq!(htu("https://a.example/p#f?not-a-query"), "https://a.example/p");
        assert_eq!(htu("https://a.example/?"), "https://a.example/");
    }

    #[test]
    fn a_proof_shows_no_nonce_in_debug() {
        let proof =
            Proof { htm: "GET".into(), htu: "https://a/".into(), iat: 1, nonce: Some("n0nce".into()), ath: true };
        assert!(!format!("{proof:?}").contains("n0nce"));
    }
}
