//! DPoP (RFC 9449) decisions: what goes into a proof ([`Proof`]: `htm`, `htu`, `iat`, whether
//! `ath` hashes the token sent with it, which `nonce`), and the nonces servers hand out
//! ([`nonces`]). Which request gets a proof and when a request is sent again for a nonce are
//! [`Engine::proof`](crate::Engine::proof) and [`call`](crate::call)'s. The host owns the key and
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
